# Sourced by run.sh and test.sh: the customer app's dependencies (npm ci, again only when the
# lockfile changes) and its build in frontend/dist/ (again only when its sources change).
# usage: . scripts/frontend.sh; frontend_install [--always]; frontend_build
frontend_sources_digest() {
    (cd frontend && find src public index.html package-lock.json vite.config.ts tsconfig.json -type f -print0 \
        | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

frontend_require_node() {
    if ! command -v npm >/dev/null; then
        echo "The customer app needs Node.js 20.19+ and npm 10+ (frontend/package.json 'engines')." >&2
        return 1
    fi
}

frontend_install() {
    frontend_require_node || return 1
    local stamp="frontend/node_modules/.installed-lock"
    local digest
    digest="$(sha256sum frontend/package-lock.json | cut -d' ' -f1)"
    if [ "${1:-}" = "--always" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
        echo "==> installing the customer app's packages (npm ci)"
        npm --prefix frontend ci --no-audit --no-fund --loglevel=error
        echo "$digest" > "$stamp"
    fi
}

frontend_build() {
    local stamp="frontend/dist/.sources-digest"
    local digest
    digest="$(frontend_sources_digest)"
    if [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
        echo "==> customer app is up to date (frontend/dist/)"
        return 0
    fi
    if ! frontend_require_node; then
        [ -f frontend/dist/index.html ] && { echo "==> serving the existing, older build of the customer app" >&2; return 0; }
        return 1
    fi
    frontend_install
    echo "==> building the customer app (its sources changed) into frontend/dist/"
    npm --prefix frontend run --silent build
    echo "$digest" > "$stamp"
}
