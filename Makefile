.PHONY: run test lint fast lock bench-install

# Serve the product on the embedded default, with demo data.
run:
	./scripts/run.sh

# Install, start PostgreSQL/Redis if needed, lint, type-check and run every test.
test:
	./scripts/test.sh

# ruff (lint + format check), mypy and the one-way house, without the tests.
lint:
	./scripts/lint.sh

# The quick loop: every test except the slow markers (real processes, races, browser, faults),
# spread over the cores with pytest-xdist. Extra pytest arguments: make fast ARGS="-k grab".
fast:
	./scripts/test.sh --fast $(ARGS)

# Regenerate the hashed locks after changing a requirements*.txt file.
lock:
	./scripts/lock.sh

# The benchmarks' extra packages (bench/README.md).
bench-install:
	.venv/bin/python -m pip install --require-hashes --no-deps -r requirements-bench.lock
