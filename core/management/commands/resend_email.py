"""`manage.py resend_email`: send again an email the outbox gave up on (or one still waiting)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import outbox
from core.models import OutboundEmail


class Command(BaseCommand):
    help = (
        "Send outbox emails now: the ones given by id, or with --failed every one the outbox gave up on "
        f"after {outbox.MAX_ATTEMPTS} attempts. Each gets a fresh set of attempts; an email already "
        "sent is never sent twice. Find ids in the admin (Platform > outbound emails) or with --list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email_ids", nargs="*", type=int, metavar="ID", help="Outbox email ids.")
        parser.add_argument("--failed", action="store_true", help="Every email the outbox gave up on.")
        parser.add_argument("--list", action="store_true", help="Only list unsent emails; send nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        unsent = OutboundEmail.objects.filter(sent_at__isnull=True).order_by("pk")
        if options["list"]:
            for email in unsent:
                self.stdout.write(
                    f"#{email.pk} {email.template} attempts={email.attempts} {email.last_error}"
                )
            return
        ids: list[int] = options["email_ids"]
        if options["failed"]:
            ids += list(unsent.filter(attempts__gte=outbox.MAX_ATTEMPTS).values_list("pk", flat=True))
        elif not ids:
            raise CommandError("Give outbox email ids, or --failed for every email the outbox gave up on.")
        found = {email.pk: email for email in OutboundEmail.objects.filter(pk__in=ids)}
        unknown = [str(pk) for pk in ids if pk not in found]
        if unknown:
            raise CommandError(f"No outbox email with id {', '.join(unknown)}.")
        failed = 0
        for pk in ids:
            failed += not self._resend(found[pk])
        if failed:
            raise CommandError(f"{failed} of {len(ids)} emails could not be sent; see the messages above.")

    def _resend(self, email: OutboundEmail) -> bool:
        if email.sent_at is not None:
            self.stdout.write(f"#{email.pk} {email.template}: already sent at {email.sent_at.isoformat()}")
            return True
        OutboundEmail.objects.filter(pk=email.pk).update(attempts=0, claimed_until=None)
        try:
            sent = outbox.deliver(email.pk)
        except outbox.RETRYABLE as exc:
            self.stderr.write(
                f"#{email.pk} {email.template}: the mail server refused it: {exc.__class__.__name__}"
            )
            return False
        self.stdout.write(f"#{email.pk} {email.template}: " + ("sent" if sent else "being sent by a worker"))
        return True
