#!/usr/bin/env bash
# The run command: embedded default (SQLite, in-memory channel layer), demo data, one port
# for the API, WebSockets and the admin. Set DATABASE_URL / REDIS_URL to use real services.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/venv.sh requirements.txt

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
python manage.py migrate --noinput -v0
python manage.py seed_demo
cat <<URLS

HotHour is running on http://$HOST:$PORT/
  API          http://$HOST:$PORT/api/v1/
  API docs     http://$HOST:$PORT/api/v1/docs/
  admin        http://$HOST:$PORT/admin/
  WebSockets   ws://$HOST:$PORT/ws/auctions/   ws://$HOST:$PORT/ws/me/?token=<access>
Prices tick every ${HOTHOUR_TICK_SECONDS:-1}s (in-process ticker).
Stop with Ctrl+C.

URLS
# The in-process ticker (same tick as Celery beat's) makes prices drop with no other service.
python manage.py run_ticker &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT INT TERM
daphne -b "$HOST" -p "$PORT" hothour.asgi:application
