#!/usr/bin/env bash
# The run command: embedded default (SQLite, in-memory channel layer), demo data, one port
# for the API, WebSockets and the admin. Set DATABASE_URL / REDIS_URL to use real services.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/venv.sh requirements.lock
. scripts/frontend.sh
frontend_build

# The embedded default's settings (hothour.asgi would otherwise start in production).
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-hothour.settings.base}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
# Email links (verify, reset) open the app where this server serves it.
export FRONTEND_URL="${FRONTEND_URL:-http://$HOST:$PORT}"
python manage.py migrate --noinput -v0
python manage.py seed_demo
cat <<URLS

HotHour is running on http://$HOST:$PORT/
  customer app http://$HOST:$PORT/
  API          http://$HOST:$PORT/api/v1/
  API docs     http://$HOST:$PORT/api/v1/docs/
  admin        http://$HOST:$PORT/admin/
  WebSockets   ws://$HOST:$PORT/ws/auctions/   ws://$HOST:$PORT/ws/me/?token=<access>
Prices tick every ${HOTHOUR_TICK_SECONDS:-1}s (in-process ticker unless REDIS_URL is set;
then run Celery in this environment: celery -A hothour worker & celery -A hothour beat).
Stop with Ctrl+C.

URLS
# Without REDIS_URL the server itself ticks the prices (hothour.asgi); the first request starts it.
( sleep 2; python -c "import urllib.request as u; u.urlopen('http://$HOST:$PORT/api/v1/health/', timeout=10)" \
    >/dev/null 2>&1 || true ) &
exec daphne -b "$HOST" -p "$PORT" hothour.asgi:application
