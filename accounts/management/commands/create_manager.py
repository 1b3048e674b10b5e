"""`manage.py create_manager`: a staff user who runs one studio in the back office."""

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import Studio
from core.errors import Invalid

from .create_studio import format_invalid


class Command(BaseCommand):
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
        email = options["email"] or self._ask("Email", no_input, "--email")
        full_name = options["full_name"] or self._ask("Full name", no_input, "--full-name")
        studio = self._studio(options["studio"] or self._ask("Studio (id or name)", no_input, "--studio"))
        password = self._password(options["password_env"], no_input)
        try:
            user = services.manager_create(email=email, full_name=full_name, password=password, studio=studio)
        except Invalid as exc:
            raise CommandError(format_invalid(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created manager {user.email} for {studio.name}."))

    def _ask(self, label: str, no_input: bool, flag: str) -> str:
        if no_input:
            raise CommandError(f"{flag} is required with --no-input.")
        return input(f"{label}: ").strip()

    def _studio(self, ref: str) -> Studio:
        query = (
            Studio.objects.filter(pk=int(ref)) if ref.isdigit() else Studio.objects.filter(name__iexact=ref)
        )
        studio = query.first()
        if studio is None:
            raise CommandError(f"No studio {ref!r}; create it first with `manage.py create_studio`.")
        return studio

    def _password(self, env_name: str | None, no_input: bool) -> str:
        if env_name:
            password = os.environ.get(env_name)
            if not password:
                raise CommandError(f"The environment variable {env_name} is empty or not set.")
            return password
        if no_input:
            raise CommandError("--password-env is required with --no-input.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password
