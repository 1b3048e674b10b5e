#!/usr/bin/env bash
# The test command: install, make sure PostgreSQL and Redis are up, then lint, types and the
# whole pytest suite on PostgreSQL. `.ci/run` calls exactly this. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/venv.sh requirements-dev.txt
. scripts/services.sh

# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "==> installing chromium (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Install Debian's chromium package (/usr/bin/chromium) for the browser tests." >&2
        exit 1
    fi
fi

echo "==> ruff"
ruff check .
ruff format --check .
echo "==> mypy"
mypy .
echo "==> pip-audit"
python scripts/audit.py
echo "==> pytest"
pytest "$@"
