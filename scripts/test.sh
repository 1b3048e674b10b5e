#!/usr/bin/env bash
# The test command: install, make sure PostgreSQL and Redis are up, then lint, types and the
# whole pytest suite on PostgreSQL. `.ci/run` calls exactly this. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/venv.sh requirements-dev.txt
. scripts/services.sh

echo "==> ruff"
ruff check .
ruff format --check .
echo "==> mypy"
mypy .
echo "==> pytest"
pytest "$@"
