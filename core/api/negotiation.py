"""Content negotiation that answers the Accept headers clients actually send without parsing them."""

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

ANY = ("", "*/*")


class CommonAcceptNegotiation(DefaultContentNegotiation):
    """No Accept header or `*/*` picks the view's first renderer, and `application/json` the first
    when it is JSON, exactly as DRF would; anything else goes through DRF's full negotiation."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        renderers = list(renderers)
        accept = request.META.get("HTTP_ACCEPT", "")
        override = self.settings.URL_FORMAT_OVERRIDE
        if renderers and format_suffix is None and override not in request.query_params:
            first = renderers[0]
            if accept in ANY or (accept == "application/json" == first.media_type):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
