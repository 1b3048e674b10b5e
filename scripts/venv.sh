# Sourced by run.sh and test.sh: a .venv made from the machine's python3, with the given lock
# installed exactly (every package pinned with its hashes, --require-hashes); reinstalls only when
# a requirements or lock file changes.
# usage: . scripts/venv.sh requirements.lock
lock="$1"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv from $(command -v python3) ($(python3 --version))"
    python3 -m venv .venv
fi
stamp=".venv/.installed-$(basename "$lock")"
digest="$(cat requirements*.txt requirements*.lock | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    echo "==> installing $lock (hashes required)"
    .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r "$lock"
    echo "$digest" > "$stamp"
fi
# shellcheck disable=SC1091
. .venv/bin/activate
