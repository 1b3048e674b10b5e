"""Root URLs: the versioned API, its schema and docs, the back office, and the customer app."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import spa
from core.api.health import HealthView
from core.api.metrics import metrics_view
from core.api.root import ApiRootView

api_v1: list[URLPattern | URLResolver] = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("accounts.api.urls")),
    path("", include("auctions.api.urls")),
    path("", include("reservations.api.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's setup as a script file, so the docs run under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]

admin.site.site_header = _("HotHour back office")
admin.site.site_title = _("HotHour")
admin.site.index_title = _("Your studio today")
# The home page is the desk's map; a second menu beside every list costs a third of 1280 px.
admin.site.enable_nav_sidebar = False

# A URL no route matches answers in the API's error shape under /api/ (Django's page elsewhere).
handler404 = "core.api.exceptions.page_not_found"

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    # Prometheus (DESIGN section 8): outside the API, not versioned, not in its schema.
    path("metrics", metrics_view, name="metrics"),
    # Everything else is the customer app's (its router answers unknown paths itself).
    re_path(r"^(?!(?:api|ws|admin|static|metrics)(?:/|$))", spa.index, name="spa"),
]
