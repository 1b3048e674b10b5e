"""`manage.py lift_suspension`: let a customer suspended for no-shows book again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts import hooks, services
from accounts.models import User


class Command(BaseCommand):
    help = (
        "Lift a customer's booking suspension: the no-shows they have so far stop counting as strikes "
        "(their history is kept). Use when a no-show was the studio's mistake. Prints the strikes "
        "before and after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The customer's account email.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError("No account has that email address.")
        if user.is_staff or user.is_superuser:
            raise CommandError("That is a staff account: staff cannot book, so there is nothing to lift.")
        before = self._standing(user)
        if before["strikes"] == 0:
            self.stdout.write(f"Account #{user.pk} has no strikes; nothing to lift.")
            return
        services.user_forgive_strikes(user=user)
        after = self._standing(user)
        until = before["until"]
        was = f"was suspended until {until.date().isoformat()}" if until else "was not suspended"
        self.stdout.write(
            self.style.SUCCESS(
                f"Account #{user.pk}: strikes {before['strikes']} -> {after['strikes']}; {was}."
            )
        )

    @staticmethod
    def _standing(user: User) -> hooks.Standing:
        return hooks.standing(user=user, now=timezone.now())
