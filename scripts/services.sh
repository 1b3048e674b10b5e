# Sourced by test.sh: make sure PostgreSQL and Redis answer, starting the local ones when they
# are down on a machine that has them installed (as CI's does). Elsewhere, say what to start.
# The same defaults as hothour/settings/test.py; not exported, so the settings keep choosing.
db_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hothour}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379/1}"

probe() {
    python scripts/probe_services.py "postgres=$db_url" "redis=$redis_url" --only "$@" >/dev/null 2>&1
}

if ! probe postgres; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "==> starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
fi
if ! probe redis; then
    if command -v redis-server >/dev/null; then
        echo "==> starting Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    fi
fi
for _ in $(seq 1 30); do
    probe postgres && probe redis && break
    sleep 1
done
python scripts/probe_services.py "postgres=$db_url" "redis=$redis_url" || {
    echo "PostgreSQL ($db_url) and Redis ($redis_url) must be running for the tests." >&2
    echo "Start them (e.g. 'docker compose up -d db redis') or point DATABASE_URL/REDIS_URL at them." >&2
    exit 1
}
