#!/usr/bin/env bash
# Lint, formatting, types and the one-way house: what the test command checks before pytest.
# Sourced by test.sh; `make lint` runs it alone.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${VIRTUAL_ENV:-}" ] || . scripts/venv.sh requirements-dev.lock
echo "==> ruff"
ruff check .
ruff format --check .
echo "==> mypy"
mypy .
echo "==> import-linter (the one-way house)"
lint-imports --no-cache
