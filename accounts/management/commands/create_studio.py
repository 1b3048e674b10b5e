"""`manage.py create_studio`: add a studio from flags, or by answering prompts."""

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services
from core.errors import Invalid
from core.operator import OperatorCommand

FIELDS = ("name", "address", "maps_url", "logo_url", "timezone")
PROMPTS = {"name": gettext_lazy("Name"), "address": gettext_lazy("Address")}


class Command(OperatorCommand):
    help = "Create a studio. Any field not given as a flag is asked for (unless --no-input)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="Studio name (unique, any case).")
        parser.add_argument("--address", help="Street address shown to customers.")
        parser.add_argument("--maps-url", dest="maps_url", help="http(s) link to a map.")
        parser.add_argument("--logo-url", dest="logo_url", help="http(s) link to the logo.")
        parser.add_argument("--timezone", help="IANA time zone (default Europe/Istanbul).")
        parser.add_argument("--no-input", action="store_true", help="Never prompt; fail on a missing field.")

    def handle(self, *args: Any, **options: Any) -> None:
        values = {field: options[field] for field in FIELDS if options[field] is not None}
        for field in ("name", "address"):
            if field not in values:
                if options["no_input"]:
                    flag = f"--{field.replace('_', '-')}"
                    raise CommandError(_("%(flag)s is required with --no-input.") % {"flag": flag})
                values[field] = input(f"{PROMPTS[field]}: ")
        try:
            studio = services.studio_create(**values)
        except Invalid as exc:
            raise CommandError(format_invalid(exc)) from exc
        created = _("Created studio #%(id)s %(name)s.") % {"id": studio.pk, "name": studio.name}
        self.stdout.write(self.style.SUCCESS(created))


def format_invalid(exc: Invalid) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.fields.items())
