#!/usr/bin/env bash
# Regenerate the locks from the pinned requirement files: every package, direct and indirect,
# with the hashes of its files on PyPI, so `pip install --require-hashes` installs exactly these
# bytes everywhere. Resolved against PyPI only (no local indexes or wheel folders a fresh machine
# would not have), for the Python the project runs on (3.11, Linux).
set -euo pipefail
cd "$(dirname "$0")/.."
compile() {
    env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
        .venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
        --index-url https://pypi.org/simple --output-file "$2" "$1"
}
compile requirements.txt requirements.lock
compile requirements-dev.txt requirements-dev.lock
compile requirements-bench.txt requirements-bench.lock
