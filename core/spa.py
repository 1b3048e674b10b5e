"""The customer app: `frontend/dist/index.html` for every path the API, sockets, admin and static
files do not own, so deep links and email links open the app. Its hashed assets are served by
WhiteNoise from `WHITENOISE_ROOT` (settings), cached for a year."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

# The app is same-origin only: scripts, styles and API calls from this site, sockets to this host,
# QR codes as data: images. No 'unsafe-inline' anywhere (the admin's policy allows inline styles).
APP_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self' {sockets}",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

NOT_BUILT = (
    "The customer app is not built. Run: npm --prefix frontend ci && npm --prefix frontend run build\n"
    "(make run does this by itself.)\n"
)


def _index_html() -> bytes | None:
    try:
        return (settings.FRONTEND_DIST / "index.html").read_bytes()
    except FileNotFoundError:
        return None


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    html = _index_html()
    if html is None:
        return HttpResponse(NOT_BUILT, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # Always revalidated: a new build must reach the next visit (its assets have new names).
    response["Cache-Control"] = "no-cache"
    host = request.get_host()
    response["Content-Security-Policy"] = APP_POLICY.format(sockets=f"ws://{host} wss://{host}")
    return response
