"""OpenAPI pieces shared by every view: the error body and the error responses a view declares.

Every error of the API has one shape (`core.api.exceptions`): a stable machine `code`, a human
`detail`, and for invalid input the messages per field. Views list the statuses they can answer
with `error_responses(...)`, so the schema documents every status a client may meet.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine code, never translated (e.g. `auction_sold`).")
    detail = serializers.CharField(help_text="Human message in the request's language.")
    # DRF's metaclass takes declared fields off the class, so this does not shadow `.fields`.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only for `invalid`: messages per field name (nested names joined with dots).",
    )
    current_price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text="Only for `price_changed`: the price at the instant of the refused grab.",
    )


# What each status means across the API; a view may name its own codes instead.
GENERIC = {
    400: "Invalid input: `invalid` with `fields`, or a malformed body (`parse_error`).",
    401: "Missing, malformed, expired or revoked access token (`not_authenticated`, `token_not_valid`, ...).",
    403: "The caller may not do this.",
    404: "No such object, or not the caller's (`not_found`).",
    409: "The current state forbids it.",
    413: "The request body is too large (`request_too_large`).",
    415: "The body is not JSON (`unsupported_media_type`).",
    429: "Too many requests (`throttled`); `Retry-After` says when to try again.",
    503: "The database is briefly unavailable (`service_unavailable`); `Retry-After` says when to retry.",
}
# A request with a JSON body can always be too large or of the wrong type.
BODY = (400, 413, 415)


def error_responses(*statuses: int, **codes: str) -> dict[int, OpenApiResponse]:
    """`{status: Error response}` for `statuses` plus 503, which any database read can answer.

    Keyword arguments `e403="..."` / `e409="..."` describe a status by the codes this view uses.
    """
    described = {int(name.removeprefix("e")): text for name, text in codes.items()}
    wanted = sorted({*statuses, *described, 503})
    return {
        status: OpenApiResponse(ErrorSerializer, description=described.get(status, GENERIC.get(status, "")))
        for status in wanted
    }
