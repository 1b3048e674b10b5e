"""Operator commands speak the operator's language: the shell's locale (LC_ALL, LC_MESSAGES, LANG),
English when it is unset or not one of ours, never the site's default for customers (Turkish)."""

import os
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation


def operator_language(environ: dict[str, str] | None = None) -> str:
    environ = dict(os.environ) if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            # tr_TR.UTF-8 -> tr-tr; the first variable that is set decides, as in gettext.
            code = value.split(".")[0].split("@")[0].replace("_", "-").lower()
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                return "en"
    return "en"


class OperatorCommand(BaseCommand):
    """A management command whose every line, its own and the services' messages, is in one language."""

    def execute(self, *args: Any, **options: Any) -> Any:
        with translation.override(operator_language()):
            return super().execute(*args, **options)
