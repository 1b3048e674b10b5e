# Sourced by run.sh and test.sh: a .venv made from the machine's python3, with the given
# requirements file installed; reinstalls only when that file changes.
# usage: . scripts/venv.sh requirements.txt
requirements="$1"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv from $(command -v python3) ($(python3 --version))"
    python3 -m venv .venv
fi
stamp=".venv/.installed-$(basename "$requirements")"
digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    echo "==> installing $requirements"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$requirements"
    echo "$digest" > "$stamp"
fi
# shellcheck disable=SC1091
. .venv/bin/activate
