#!/usr/bin/env bash
# The test command: install, make sure PostgreSQL and Redis are up, then lint, types and the
# whole pytest suite on PostgreSQL. `.ci/run` calls exactly this. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# --fast: the quick loop (make fast): no slow markers, no lint, no coverage.
fast=""
if [ "${1:-}" = "--fast" ]; then
    fast=1
    shift
fi

. scripts/venv.sh requirements-dev.lock
. scripts/services.sh

# System packages the tests need: Debian's chromium for the browser tests (Playwright never
# downloads a browser here), gettext's msgfmt for the translation check, nginx for the
# production-shape test (the project's own deploy/nginx.conf in front of gunicorn and daphne) and
# pgbouncer for the scale-out shape (hothour/tests/test_scale_out.py).
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/sbin/pgbouncer ] || missing="$missing pgbouncer"
command -v msgfmt >/dev/null || missing="$missing gettext"
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing="$missing nginx"
if [ -n "$missing" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "==> installing$missing (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        echo "Install the Debian packages:$missing" >&2
        exit 1
    fi
fi

if [ -n "$fast" ]; then
    echo "==> pytest (fast: no slow markers, xdist)"
    exec pytest -n auto -m "not race and not e2e and not browser and not fault" "$@"
fi
. scripts/lint.sh
echo "==> pip-audit"
python scripts/audit.py
echo "==> customer app: npm ci, types, unit tests, build"
. scripts/frontend.sh
frontend_install --always
npm --prefix frontend run --silent typecheck
npm --prefix frontend run --silent test
frontend_build
# One process: on this 2-core machine pytest-xdist made the run slower, not shorter (README,
# "Tests"); `make fast` spreads the quick tests over the cores, where it pays on a free machine.
echo "==> pytest (with coverage)"
pytest --cov --cov-report= "$@"
echo "==> coverage"
python scripts/coverage_below.py 80
