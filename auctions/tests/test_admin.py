"""The auction back office: a manager's own studio only, every change through the services, all logged."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.utils import timezone

from accounts.tests.admin_helpers import (
    admin_url,
    log_entries,
    logged_in,
    messages_of,
    object_urls,
    run_action,
    two_studios,
)
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory, make_auction, minutes
from reservations.models import CancelledBy, ReservationStatus
from reservations.tests.factories import grab

pytestmark = pytest.mark.django_db

CHANGELIST = admin_url(Auction, "changelist")
ADD = admin_url(Auction, "add")


@pytest.fixture
def studios():
    return two_studios()


@pytest.fixture
def client_a(client, studios):
    return logged_in(client, studios.manager_a)


def _split(name: str, moment: datetime) -> dict[str, str]:
    """The admin's split date/time widget: <name>_0 the local date, <name>_1 the local time."""
    local = timezone.localtime(moment)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M:%S")}


def form_data(**overrides: Any) -> dict[str, Any]:
    """A valid add form: opens in an hour for 120 min, class an hour after; turbo 30 min before the close.

    An override of None leaves the field out (an unticked checkbox).
    """
    opens = timezone.now().replace(second=0, microsecond=0) + minutes(60)
    data: dict[str, Any] = {
        "title": "Alpha reformer evening",
        "description": "Bring grip socks.",
        "allowed_gender": "ANY",
        **_split("scheduled_at", opens + minutes(180)),
        "seats": "1",
        "start_price": "500.00",
        "floor_price": "100.00",
        "drop_amount": "50.00",
        "drop_interval_mins": "60",
        **_split("start_time", opens),
        **_split("end_time", opens + minutes(120)),
        "turbo_enabled": "on",
        "turbo_trigger_mins": "30",
        "turbo_drop_amount": "20.00",
        "turbo_interval_mins": "5",
        "_save": "Save",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def warnings_of(response) -> list[str]:
    return [text for level, text in messages_of(response) if level == messages.WARNING]


# --- what a manager sees -------------------------------------------------------------------------


def test_changelist_lists_only_the_managers_studio_auctions(client_a, studios):
    AuctionFactory(studio=studios.a, title="Alpha reformer")
    AuctionFactory(studio=studios.a, title="Alpha mat", draft=True)
    AuctionFactory(studio=studios.b, title="Bravo vinyasa")

    response = client_a.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Alpha reformer" in page
    assert "Alpha mat" in page
    assert "Bravo vinyasa" not in page
    assert response.context["cl"].result_count == 2


def test_superuser_changelist_lists_every_studios_auctions(admin_client, studios):
    AuctionFactory(studio=studios.a, title="Alpha reformer")
    AuctionFactory(studio=studios.b, title="Bravo vinyasa")

    response = admin_client.get(CHANGELIST)

    page = response.content.decode()
    assert "Alpha reformer" in page
    assert "Bravo vinyasa" in page
    assert "studio" in response.context["cl"].list_display


def test_a_managers_changelist_has_no_studio_column(client_a, studios):
    AuctionFactory(studio=studios.a)

    response = client_a.get(CHANGELIST)

    assert "studio" not in response.context["cl"].list_display
    assert "price_now" in response.context["cl"].list_display


def test_another_studios_auction_pages_are_not_found(client_a, studios):
    other = AuctionFactory(studio=studios.b, draft=True)

    for url in object_urls(other):
        assert client_a.get(url).status_code == 404, url
    # and a POST to its change form saves nothing
    assert client_a.post(object_urls(other)[0], form_data(title="Hijacked")).status_code == 404
    other.refresh_from_db()
    assert other.title != "Hijacked"


@pytest.mark.parametrize("button", ["publish", "cancel", "turbo"])
def test_another_studios_auction_buttons_are_not_found(client_a, studios, button):
    other = make_auction(studio=studios.b, publish=button != "publish", turbo=True)
    status = other.status

    response = client_a.post(admin_url(Auction, button, other.pk))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == status
    assert other.turbo_started_at is None


def test_own_auction_change_page_shows_live_price_and_curve(client_a, studios):
    auction = make_auction(studio=studios.a)

    response = client_a.get(admin_url(Auction, "change", auction.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "price-curve-chart" in page
    assert 'data-action="cancel"' in page
    assert 'data-action="publish"' not in page  # only a draft can be published


# --- adding ---------------------------------------------------------------------------------------


def test_add_form_offers_a_manager_no_studio_field(client_a):
    response = client_a.get(ADD)

    assert response.status_code == 200
    assert "studio" not in response.context["adminform"].form.fields


def test_manager_adds_a_draft_to_their_own_studio_even_if_the_post_names_another(client_a, studios):
    # when: the POST is tampered with to name studio B
    response = client_a.post(ADD, form_data(studio=studios.b.pk))

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    auction = Auction.objects.get()
    assert auction.studio == studios.a
    assert auction.status == AuctionStatus.DRAFT
    assert auction.title == "Alpha reformer evening"
    assert auction.start_price == Decimal("500.00")
    assert auction.turbo_enabled
    assert auction.turbo_drop_amount == Decimal("20.00")
    assert auction.end_time - auction.start_time == minutes(120)
    assert auction.scheduled_at - auction.end_time == minutes(60)
    assert auction.current_price == Decimal("500.00")
    # and the add is in the admin log
    [entry] = log_entries(studios.manager_a, auction)
    assert entry.action_flag == ADDITION


def test_superuser_chooses_the_studio_of_a_new_auction(admin_client, studios):
    response = admin_client.post(ADD, form_data(studio=studios.b.pk))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Auction.objects.get().studio == studios.b


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"floor_price": "500.00"}, "start_price"),  # floor == start
        ({"floor_price": "600.00"}, "start_price"),  # floor > start
        ({"drop_amount": "450.00"}, "drop_amount"),  # more than start - floor
        ({"turbo_interval_mins": "60"}, "turbo_interval_mins"),  # not more often than the normal drop
        ({"turbo_trigger_mins": "120"}, "turbo_trigger_mins"),  # would start as the auction opens
        ({"turbo_drop_amount": ""}, "turbo_drop_amount"),  # turbo on, no turbo amount
        ({"drop_interval_mins": "121"}, "drop_interval_mins"),  # longer than the auction
    ],
)
def test_form_breaking_a_pricing_rule_shows_the_error_on_that_field_and_saves_nothing(
    client_a, overrides, field
):
    response = client_a.post(ADD, form_data(**overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert not Auction.objects.exists()


def test_form_refuses_a_class_before_the_auction_closes(client_a):
    opens = timezone.now() + minutes(60)

    response = client_a.post(ADD, form_data(**_split("scheduled_at", opens + minutes(30))))

    assert response.status_code == 200
    assert "scheduled_at" in response.context["adminform"].form.errors
    assert not Auction.objects.exists()


# --- editing --------------------------------------------------------------------------------------


def test_opened_auction_keeps_prices_and_times_read_only(client_a, studios):
    auction = make_auction(studio=studios.a, title="Alpha reformer")
    url = admin_url(Auction, "change", auction.pk)

    form = client_a.get(url).context["adminform"].form
    assert {"title", "description", "scheduled_at"} <= set(form.fields)
    assert not {"start_price", "floor_price", "start_time", "end_time", "turbo_enabled"} & set(form.fields)

    # when: the POST also carries a lower start price and another studio
    data = form_data(title="Alpha reformer (new teacher)", start_price="50.00", studio=studios.b.pk)
    data.update(_split("scheduled_at", auction.scheduled_at))
    response = client_a.post(url, data)

    # then: the words change, the price does not
    assert response.status_code == 302, response.context["adminform"].form.errors
    auction.refresh_from_db()
    assert auction.title == "Alpha reformer (new teacher)"
    assert auction.start_price == Decimal("500.00")
    assert auction.studio == studios.a
    assert log_entries(studios.manager_a, auction)[-1].action_flag == CHANGE


def test_draft_edit_is_validated_and_saved_through_the_services(client_a, studios):
    draft = make_auction(studio=studios.a, publish=False, start_time=timezone.now() + minutes(60))
    url = admin_url(Auction, "change", draft.pk)
    data = form_data(
        title=draft.title,
        start_price="800.00",
        **_split("start_time", draft.start_time),
        **_split("end_time", draft.end_time),
        **_split("scheduled_at", draft.scheduled_at),
    )

    assert client_a.post(url, {**data, "floor_price": "900.00"}).status_code == 200
    draft.refresh_from_db()
    assert draft.start_price == Decimal("500.00")

    response = client_a.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.start_price == Decimal("800.00")
    assert draft.current_price == Decimal("800.00")
    assert draft.status == AuctionStatus.DRAFT


# --- actions and buttons --------------------------------------------------------------------------


def test_publish_action_publishes_drafts_and_skips_the_rest_with_a_warning(client_a, studios):
    opens_now = make_auction(studio=studios.a, publish=False, title="Alpha now")
    opens_later = make_auction(
        studio=studios.a, publish=False, title="Alpha later", start_time=timezone.now() + minutes(60)
    )
    live = make_auction(studio=studios.a, title="Alpha live")

    response = run_action(client_a, Auction, "publish", opens_now, opens_later, live)

    assert response.status_code == 302
    for auction in (opens_now, opens_later, live):
        auction.refresh_from_db()
    assert opens_now.status == AuctionStatus.ACTIVE
    assert opens_later.status == AuctionStatus.SCHEDULED
    assert live.status == AuctionStatus.ACTIVE
    [warning] = warnings_of(response)
    assert "Alpha live" in warning
    # each publication is in the admin log, the skipped one is not
    assert [e.action_flag for e in log_entries(studios.manager_a, opens_now)] == [CHANGE]
    assert [e.action_flag for e in log_entries(studios.manager_a, opens_later)] == [CHANGE]
    assert log_entries(studios.manager_a, live) == []


def test_publish_button_publishes_a_draft(client_a, studios):
    draft = make_auction(studio=studios.a, publish=False)

    response = client_a.post(admin_url(Auction, "publish", draft.pk))

    assert response.status_code == 302
    assert response["Location"] == admin_url(Auction, "change", draft.pk)
    draft.refresh_from_db()
    assert draft.status == AuctionStatus.ACTIVE
    assert len(log_entries(studios.manager_a, draft)) == 1


def test_buttons_only_take_a_post(client_a, studios):
    draft = make_auction(studio=studios.a, publish=False)

    assert client_a.get(admin_url(Auction, "publish", draft.pk)).status_code == 405
    draft.refresh_from_db()
    assert draft.status == AuctionStatus.DRAFT


def test_cancel_action_cancels_a_sold_auctions_reservation_by_the_studio(client_a, studios):
    sold = make_auction(studio=studios.a, title="Alpha sold")
    reservation = grab(None, sold)
    draft = make_auction(studio=studios.a, publish=False, title="Alpha draft")

    response = run_action(client_a, Auction, "cancel", sold, draft)

    sold.refresh_from_db()
    reservation.refresh_from_db()
    draft.refresh_from_db()
    assert sold.status == AuctionStatus.CANCELLED
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.cancelled_by == CancelledBy.STUDIO
    assert draft.status == AuctionStatus.DRAFT
    [warning] = warnings_of(response)
    assert "Alpha draft" in warning
    assert len(log_entries(studios.manager_a, sold)) == 1


def test_cancel_button_cancels_the_auction(client_a, studios):
    auction = make_auction(studio=studios.a)

    client_a.post(admin_url(Auction, "cancel", auction.pk))

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED


def test_start_turbo_action_starts_turbo_now(client_a, studios):
    auction = make_auction(studio=studios.a, turbo=True)
    no_turbo = make_auction(studio=studios.a, title="Alpha no turbo")
    before = timezone.now()

    response = run_action(client_a, Auction, "start_turbo", auction, no_turbo)

    auction.refresh_from_db()
    assert auction.turbo_started_at is not None
    assert before <= auction.turbo_started_at <= timezone.now()
    # the tick now wakes for the first turbo drop, one turbo interval from now
    assert auction.next_change_at == auction.turbo_started_at + minutes(5)
    [warning] = warnings_of(response)
    assert "Alpha no turbo" in warning


def test_turbo_button_starts_turbo(client_a, studios):
    auction = make_auction(studio=studios.a, turbo=True)

    client_a.post(admin_url(Auction, "turbo", auction.pk))

    auction.refresh_from_db()
    assert auction.turbo_started_at is not None


def test_duplicate_next_week_makes_a_draft_a_week_later(client_a, studios):
    source = make_auction(studio=studios.a, title="Alpha weekly", turbo=True)

    run_action(client_a, Auction, "duplicate_next_week", source)

    copy = Auction.objects.exclude(pk=source.pk).get()
    assert copy.studio == studios.a
    assert copy.status == AuctionStatus.DRAFT
    assert copy.title == "Alpha weekly"
    week = timedelta(days=7)
    assert copy.start_time == source.start_time + week
    assert copy.end_time == source.end_time + week
    assert copy.scheduled_at == source.scheduled_at + week
    assert (copy.start_price, copy.floor_price, copy.turbo_drop_amount) == (
        source.start_price,
        source.floor_price,
        source.turbo_drop_amount,
    )
    source.refresh_from_db()
    assert source.status == AuctionStatus.ACTIVE


@pytest.mark.parametrize("action", ["publish", "cancel", "start_turbo", "duplicate_next_week"])
def test_action_on_another_studios_auction_changes_nothing(client_a, studios, action):
    draft = make_auction(studio=studios.b, publish=False, turbo=True)
    live = make_auction(studio=studios.b, turbo=True)

    run_action(client_a, Auction, action, draft, live)

    assert Auction.objects.count() == 2
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.status == AuctionStatus.DRAFT
    assert live.status == AuctionStatus.ACTIVE
    assert live.turbo_started_at is None
    assert not LogEntry.objects.filter(user=studios.manager_a).exists()


# --- deleting -------------------------------------------------------------------------------------


def test_manager_deletes_a_draft(client_a, studios):
    draft = make_auction(studio=studios.a, publish=False)

    response = client_a.post(admin_url(Auction, "delete", draft.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Auction.objects.filter(pk=draft.pk).exists()
    assert log_entries(studios.manager_a, draft)[-1].action_flag == DELETION


@pytest.mark.parametrize("trait", ["scheduled", "expired", "cancelled"])
def test_published_auction_cannot_be_deleted(client_a, studios, trait):
    auction = AuctionFactory(studio=studios.a, **{trait: True})

    assert client_a.get(admin_url(Auction, "delete", auction.pk)).status_code == 403
    assert client_a.post(admin_url(Auction, "delete", auction.pk), {"post": "yes"}).status_code == 403
    assert Auction.objects.filter(pk=auction.pk).exists()


def test_bulk_delete_is_not_offered(client_a, studios):
    draft = AuctionFactory(studio=studios.a, draft=True)

    response = client_a.get(CHANGELIST)

    choices = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in choices
    assert {"publish", "cancel", "start_turbo", "duplicate_next_week"} <= set(choices)
    # and posting it anyway deletes nothing
    run_action(client_a, Auction, "delete_selected", draft)
    assert Auction.objects.filter(pk=draft.pk).exists()


def test_staff_member_without_a_studio_sees_no_auction(client, studios):
    AuctionFactory(studio=studios.a)
    AuctionFactory(studio=studios.b)
    studios.manager_a.studio = None
    studios.manager_a.save()

    response = logged_in(client, studios.manager_a).get(CHANGELIST)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
