"""Phone numbers are stored in E.164; Turkish local forms ("0555 111 22 33") are understood."""

import phonenumbers
from django.conf import settings


def normalize_phone(raw: str) -> str | None:
    """Return the E.164 form of `raw`, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, settings.HOTHOUR_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
