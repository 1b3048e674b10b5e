#!/usr/bin/env bash
# The test command: install, make sure PostgreSQL and Redis are up, then lint, types and the
# whole pytest suite on PostgreSQL. `.ci/run` calls exactly this. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/venv.sh requirements-dev.txt
. scripts/services.sh

# System packages the tests need: Debian's chromium for the browser tests (Playwright never
# downloads a browser here), gettext's msgfmt for the translation check, and nginx and pgbouncer
# for the scale-out shape (hothour/tests/test_scale_out.py).
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
[ -x /usr/sbin/pgbouncer ] || missing="$missing pgbouncer"
command -v msgfmt >/dev/null || missing="$missing gettext"
if [ -n "$missing" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "==> installing$missing (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        echo "Install the Debian packages:$missing" >&2
        exit 1
    fi
fi

echo "==> ruff"
ruff check .
ruff format --check .
echo "==> mypy"
mypy .
echo "==> import-linter (the one-way house)"
lint-imports --no-cache
echo "==> pip-audit"
python scripts/audit.py
echo "==> customer app: npm ci, types, unit tests, build"
. scripts/frontend.sh
frontend_install --always
npm --prefix frontend run --silent typecheck
npm --prefix frontend run --silent test
frontend_build
echo "==> pytest (with coverage)"
pytest --cov --cov-report= "$@"
echo "==> coverage"
python scripts/coverage_below.py 80
