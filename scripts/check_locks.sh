#!/usr/bin/env bash
# Every direct pin of a requirements*.txt is in its lock at the same version (pre-commit hook).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for txt in requirements*.txt; do
    lock="${txt%.txt}.lock"
    while read -r pin; do
        name="${pin%%==*}"
        if ! grep -qi "^$(echo "$name" | tr '_' '-')==${pin#*==} " "$lock" && ! grep -qi "^${name}==${pin#*==} " "$lock"; then
            echo "$lock lacks $pin: run make lock" >&2
            status=1
        fi
    done < <(grep -E '^[A-Za-z0-9_.-]+(\[[^]]*\])?==' "$txt" | sed -E 's/\[[^]]*\]//')
done
exit $status
