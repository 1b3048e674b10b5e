"""The 3 a.m. commands: the tick's lag, resending an email, lifting a suspension, a studio's
bookings as CSV. Each explains itself in --help and fails with a message, not a traceback."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.tests.factories import CustomerFactory, StudioFactory
from auctions.models import Auction, TickHeartbeat
from auctions.tests.factories import make_auction
from core.models import OutboundEmail
from core.outbox import MAX_ATTEMPTS
from reservations.models import ReservationStatus
from reservations.tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db

COMMANDS = {
    "tick_status": ("auctions", "--fail-over"),
    "resend_email": ("core", "--failed"),
    "lift_suspension": ("accounts", "strikes"),
    "export_bookings": ("reservations", "--studio"),
}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def ticked_now(*, processed: int) -> None:
    TickHeartbeat.objects.update_or_create(
        pk=1, defaults={"last_tick_at": timezone.now(), "last_processed": processed}
    )


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_explains_itself_in_help(name):
    app, mentions = COMMANDS[name]

    text = load_command_class(app, name).create_parser("manage.py", name).format_help()

    assert mentions in text
    assert len(load_command_class(app, name).help) > 80


def test_tick_status_shows_the_lag_and_the_due_backlog():
    TickHeartbeat.objects.update_or_create(
        pk=1, defaults={"last_tick_at": timezone.now(), "last_processed": 3}
    )
    due = make_auction()
    Auction.objects.filter(pk=due.pk).update(next_change_at=timezone.now() - timedelta(seconds=90))

    shown = run("tick_status")

    assert "due now:     1 auctions" in shown
    assert "lag:         9" in shown  # 90.x s
    with pytest.raises(CommandError, match="The tick is behind: lag 9"):
        run("tick_status", "--fail-over", "30")


def test_tick_status_fails_over_when_the_tick_never_ran_and_passes_when_it_keeps_up():
    TickHeartbeat.objects.all().delete()  # whatever an earlier test's ticker left
    with pytest.raises(CommandError, match="never run"):
        run("tick_status", "--fail-over", "30")

    TickHeartbeat.objects.update_or_create(
        pk=1, defaults={"last_tick_at": timezone.now(), "last_processed": 0}
    )
    assert "lag:         0.0s" in run("tick_status", "--fail-over", "30")


def test_resend_email_sends_one_the_outbox_gave_up_on():
    email = OutboundEmail.objects.create(
        template="verify_email",
        to="ayse@example.com",
        context={"name": "A", "link": "l"},
        attempts=MAX_ATTEMPTS,
    )

    shown = run("resend_email", "--failed")

    email.refresh_from_db()
    assert f"#{email.pk} verify_email: sent" in shown
    assert email.sent_at is not None
    assert [m.to for m in mail.outbox] == [["ayse@example.com"]]
    assert "ayse@example.com" not in shown


def test_resend_email_never_sends_twice_and_names_unknown_ids():
    sent = OutboundEmail.objects.create(template="verify_email", to="a@example.com", sent_at=timezone.now())

    assert "already sent" in run("resend_email", str(sent.pk))
    assert mail.outbox == []
    with pytest.raises(CommandError, match="No outbox email with id 999999"):
        run("resend_email", "999999")
    with pytest.raises(CommandError, match="Give outbox email ids"):
        run("resend_email")


def test_lift_suspension_forgives_the_strikes_so_far():
    customer = CustomerFactory()
    for days in (3, 2, 1):
        ReservationFactory.create(
            user=customer,
            auction__now=timezone.now() - timedelta(days=days),
            status=ReservationStatus.NO_SHOW,
            no_show_at=timezone.now() - timedelta(days=days),
        )

    shown = run("lift_suspension", customer.email.upper())

    customer.refresh_from_db()
    assert "strikes 3 -> 0; was suspended until" in shown
    assert customer.strikes_forgiven_at is not None


def test_lift_suspension_says_what_is_wrong():
    with pytest.raises(CommandError, match="No account has that email"):
        run("lift_suspension", "nobody@example.com")
    assert "nothing to lift" in run("lift_suspension", CustomerFactory().email)


def test_export_bookings_writes_a_studio_s_bookings_as_csv(tmp_path):
    studio = StudioFactory(name="Moda Yoga", timezone="Europe/Istanbul")
    mine = ReservationFactory.create(auction__studio=studio, user__full_name="Ayşe Yılmaz")
    ReservationFactory.create()  # another studio's
    target = tmp_path / "bookings.csv"

    run("export_bookings", "--studio", "moda yoga", "--output", str(target))

    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["booking_code"] for row in rows] == [mine.booking_code]
    assert rows[0]["customer"] == "Ayşe Yılmaz"
    assert rows[0]["class_starts_at"].endswith("+03:00")


def test_export_bookings_selects_classes_by_day_and_refuses_bad_input():
    studio = StudioFactory()
    ReservationFactory.create(auction__studio=studio)
    today = timezone.localdate()

    old_days = run("export_bookings", "--studio", str(studio.pk), "--to", str(today - timedelta(days=30)))

    assert old_days.strip().splitlines() == [",".join(
        ["booking_code", "status", "class_title", "class_starts_at", "customer", "locked_price", "currency",
         "reserved_at", "checked_in_at", "cancelled_at", "cancelled_by"]
    )]  # fmt: skip
    with pytest.raises(CommandError, match="No studio 'Nowhere'"):
        run("export_bookings", "--studio", "Nowhere")
    with pytest.raises(CommandError, match="--from is after --to"):
        run("export_bookings", "--studio", str(studio.pk), "--from", "2026-02-02", "--to", "2026-01-01")
    with pytest.raises(CommandError, match="is not a day like"):
        run("export_bookings", "--studio", str(studio.pk), "--from", "yesterday")
