"""`manage.py create_manager`: a staff user who runs one studio in the back office."""

import getpass
import os
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import Value
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import Studio, folded_name
from core.errors import Invalid
from core.operator import OperatorCommand

from .create_studio import format_invalid


class Command(OperatorCommand):
    help = (
        "Create a studio manager. The password comes from --password-env (the name of an "
        "environment variable) or a hidden prompt, never from a flag in the shell history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email")
        parser.add_argument("--full-name", dest="full_name")
        parser.add_argument("--studio", help="Studio id or exact name.")
        parser.add_argument(
            "--password-env", dest="password_env", help="Environment variable holding the password."
        )
        parser.add_argument("--no-input", action="store_true", help="Never prompt; fail on a missing field.")

    def handle(self, *args: Any, **options: Any) -> None:
        no_input = options["no_input"]
        email = options["email"] or self._ask(_("Email"), no_input, "--email")
        full_name = options["full_name"] or self._ask(_("Full name"), no_input, "--full-name")
        studio = self._studio(options["studio"] or self._ask(_("Studio (id or name)"), no_input, "--studio"))
        password = self._password(options["password_env"], no_input)
        try:
            user = services.manager_create(email=email, full_name=full_name, password=password, studio=studio)
        except Invalid as exc:
            raise CommandError(format_invalid(exc)) from exc
        created = _("Created manager %(email)s for %(studio)s.") % {
            "email": user.email,
            "studio": studio.name,
        }
        self.stdout.write(self.style.SUCCESS(created))

    def _ask(self, label: str, no_input: bool, flag: str) -> str:
        if no_input:
            raise CommandError(_("%(flag)s is required with --no-input.") % {"flag": flag})
        return input(f"{label}: ").strip()

    def _studio(self, ref: str) -> Studio:
        query = (
            Studio.objects.filter(pk=int(ref))
            if ref.isdigit()
            else Studio.objects.alias(key=folded_name("name")).filter(key=folded_name(Value(ref)))
        )
        studio = query.first()
        if studio is None:
            raise CommandError(
                _("No studio %(studio)s; create it first with `manage.py create_studio`.")
                % {"studio": repr(ref)}
            )
        return studio

    def _password(self, env_name: str | None, no_input: bool) -> str:
        if env_name:
            password = os.environ.get(env_name)
            if not password:
                raise CommandError(
                    _("The environment variable %(name)s is empty or not set.") % {"name": env_name}
                )
            return password
        if no_input:
            raise CommandError(_("%(flag)s is required with --no-input.") % {"flag": "--password-env"})
        password = getpass.getpass(_("Password: "))
        if password != getpass.getpass(_("Password (again): ")):
            raise CommandError(_("The two passwords differ."))
        return password
