"""The floor of the HTTP benchmarks: a bare Django view (no middleware, database, DRF or auth)
served by gunicorn in the same shape as the product. `gunicorn bare_django:application`."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    SECRET_KEY="bench-only-not-a-secret",  # noqa: S106 - a throwaway app that holds nothing
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"id": 1, "name": "Bench Studio"})


urlpatterns = [path("bare/", bare)]
application = get_wsgi_application()
