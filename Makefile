.PHONY: run test

# Serve the product on the embedded default, with demo data.
run:
	./scripts/run.sh

# Install, start PostgreSQL/Redis if needed, lint, type-check and run every test.
test:
	./scripts/test.sh
