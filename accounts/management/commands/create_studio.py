"""`manage.py create_studio`: add a studio from flags, or by answering prompts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from core.errors import Invalid

FIELDS = ("name", "address", "maps_url", "logo_url", "timezone")


class Command(BaseCommand):
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
                    raise CommandError(f"--{field.replace('_', '-')} is required with --no-input.")
                values[field] = input(f"{field.replace('_', ' ').capitalize()}: ")
        try:
            studio = services.studio_create(**values)
        except Invalid as exc:
            raise CommandError(format_invalid(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created studio #{studio.pk} {studio.name}."))


def format_invalid(exc: Invalid) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.fields.items())
