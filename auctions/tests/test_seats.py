"""An auction's seats: set and validated like any setting, only raised once published (a raise
relists a sold-out auction), public as `seats` and `seats_left`, filtered with `has_seats`, and
shown in the back office with the bookings of each seat."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format

from accounts.tests.admin_helpers import admin_url, logged_in, two_studios
from auctions import services
from auctions.api.serializers import AuctionSerializer
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory, auction_values, make_auction, minutes
from auctions.tests.test_admin import form_data
from core.api.exceptions import exception_handler
from core.errors import Invalid
from reservations import services as reservation_services
from reservations.models import ReservationStatus
from reservations.studio_report import studio_figures
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

LIST = reverse("auction-list")
BAD_SEATS = [0, -1, 51, 2.5, "3", None, True]


@pytest.fixture
def studios():
    return two_studios()


@pytest.fixture
def client_a(client, studios):
    return logged_in(client, studios.manager_a)


@pytest.fixture(autouse=True)
def _english():
    """Messages are read in English here (Turkish is the default; its catalogue is tested apart)."""
    with translation.override("en"):
        yield


def refused_seats(call) -> list[str]:
    with pytest.raises(Invalid) as error:
        call()
    assert set(error.value.fields) == {"seats"}
    assert all(error.value.fields["seats"])
    return error.value.fields["seats"]


# --- settings ---------------------------------------------------------------------------------------


def test_an_auction_sells_one_seat_unless_told_otherwise():
    auction = make_auction()

    assert (auction.seats, auction.seats_sold, auction.seats_left) == (1, 0, 1)


@pytest.mark.parametrize("seats", BAD_SEATS)
def test_creating_an_auction_with_bad_seats_is_a_field_error_and_writes_nothing(studio, seats):
    now = timezone.now()

    refused_seats(
        lambda: services.auction_create(studio=studio, now=now, **auction_values(now=now, seats=seats))
    )

    assert not Auction.objects.exists()


def test_a_bad_seat_count_reaches_the_api_as_a_400_with_the_seats_field(studio):
    now = timezone.now()
    with pytest.raises(Invalid) as error:
        services.auction_create(studio=studio, now=now, **auction_values(now=now, seats=0))

    response = exception_handler(error.value, {})

    assert response is not None
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert list(response.data["fields"]) == ["seats"]


def test_a_draft_may_lower_its_seats():
    draft = make_auction(publish=False, seats=8)

    assert services.auction_update(auction_id=draft.pk, seats=2).seats == 2


def test_a_published_auction_may_add_seats_but_not_remove_them():
    auction = make_auction(seats=4)

    messages = refused_seats(lambda: services.auction_update(auction_id=auction.pk, seats=3))

    assert "only be added" in messages[0]
    auction.refresh_from_db()
    assert auction.seats == 4
    assert services.auction_update(auction_id=auction.pk, seats=6).seats == 6


def test_seats_cannot_go_below_the_seats_sold():
    # given: three seats sold of five (a draft's seats are free to change; this one is published)
    auction = make_auction(seats=5)
    for _ in range(3):
        grab(None, auction)

    messages = refused_seats(lambda: services.auction_update(auction_id=auction.pk, seats=2))

    assert "3 seats are already sold" in messages[0]
    auction.refresh_from_db()
    assert (auction.seats, auction.seats_sold) == (5, 3)


def test_adding_a_seat_to_a_sold_out_auction_relists_it():
    # given: sold out
    auction = make_auction(seats=2)
    grab(None, auction)
    grab(None, auction)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD

    # when
    services.auction_update(auction_id=auction.pk, seats=3)

    # then: on sale again, and the new seat is the next one taken
    auction.refresh_from_db()
    assert (auction.status, auction.seats_left) == (AuctionStatus.ACTIVE, 1)
    assert auction.next_change_at is not None
    assert grab(None, auction).seat_no == 3


def test_seats_of_a_closed_or_cancelled_auction_are_fixed():
    expired = AuctionFactory(expired=True)
    cancelled = AuctionFactory(cancelled=True)

    for auction in (expired, cancelled):
        with pytest.raises(services.AuctionNotEditable):
            services.auction_update(auction_id=auction.pk, seats=auction.seats + 1)


def test_duplicating_keeps_the_seats():
    auction = make_auction(seats=12)

    assert services.auction_duplicate(auction_id=auction.pk).seats == 12


# --- the public API -------------------------------------------------------------------------------


def test_list_and_detail_show_seats_and_seats_left(api_client):
    auction = make_auction(seats=4)
    grab(None, auction)

    row = api_client.get(LIST).json()["results"][0]
    detail = api_client.get(reverse("auction-detail", args=[auction.pk])).json()

    assert (row["seats"], row["seats_left"]) == (4, 3)
    assert (detail["seats"], detail["seats_left"]) == (4, 3)


def test_the_websocket_object_is_the_api_object_with_seats_left():
    auction = make_auction(seats=3)
    grab(None, auction)
    auction.refresh_from_db()

    data = AuctionSerializer(auction, context={"now": timezone.now()}).data

    assert (data["seats"], data["seats_left"]) == (3, 2)


def test_has_seats_filters_auctions_with_a_seat_on_sale(api_client):
    # given
    now = timezone.now()
    partly = make_auction(seats=3)
    grab(None, partly)
    sold_out = make_auction(seats=1)
    grab(None, sold_out)
    scheduled = make_auction(seats=2, start_time=now + minutes(30))
    expired_with_seats = AuctionFactory(expired=True, seats=4)
    cancelled = AuctionFactory(cancelled=True, seats=4)

    # when
    with_seats = api_client.get(LIST, {"has_seats": "true"}).json()["results"]
    without = api_client.get(LIST, {"has_seats": "false"}).json()["results"]

    # then
    assert {row["id"] for row in with_seats} == {partly.pk, scheduled.pk}
    assert {row["id"] for row in without} == {sold_out.pk, expired_with_seats.pk, cancelled.pk}
    assert all(row["seats_left"] > 0 for row in with_seats)


def test_has_seats_refuses_a_value_that_is_not_a_boolean(api_client):
    response = api_client.get(LIST, {"has_seats": "maybe"})

    assert response.status_code == 400
    assert "has_seats" in response.json()["fields"]


# --- the back office ----------------------------------------------------------------------------------


def test_manager_adds_a_four_seat_class_and_sees_it_above_the_curve(client_a, studios):
    response = client_a.post(admin_url(Auction, "add"), form_data(seats="4"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    auction = Auction.objects.get()
    assert auction.seats == 4
    page = client_a.get(admin_url(Auction, "change", auction.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 seats" in page


@pytest.mark.parametrize("seats", ["0", "-1", "51", "abc", "2.5", ""])
def test_the_form_refuses_bad_seats_on_the_seats_field_and_saves_nothing(client_a, seats):
    response = client_a.post(admin_url(Auction, "add"), form_data(seats=seats))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["seats"], errors
    assert not Auction.objects.exists()


def test_the_form_of_a_published_auction_refuses_fewer_seats_than_sold(client_a, studios):
    # given: an open auction of studio A with two seats sold
    auction = make_auction(studio=studios.a, seats=3)
    grab(None, auction)
    grab(None, auction)
    url = admin_url(Auction, "change", auction.pk)
    assert "seats" in client_a.get(url).context["adminform"].form.fields

    # when
    response = client_a.post(url, _change_data(auction, seats="1"), HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 200
    assert "2 seats are already sold" in response.context["adminform"].form.errors["seats"][0]
    auction.refresh_from_db()
    assert auction.seats == 3


def test_the_form_of_a_sold_out_auction_adds_a_seat_and_relists_it(client_a, studios):
    auction = make_auction(studio=studios.a, seats=1)
    grab(None, auction)

    response = client_a.post(admin_url(Auction, "change", auction.pk), _change_data(auction, seats="2"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    auction.refresh_from_db()
    assert (auction.seats, auction.seats_left, auction.status) == (2, 1, AuctionStatus.ACTIVE)


def _change_data(auction: Auction, **overrides: Any) -> dict[str, Any]:
    """What the change form of an opened auction posts: its words, class time and seats."""
    local = timezone.localtime(auction.scheduled_at)
    return {
        "title": auction.title,
        "description": auction.description,
        "scheduled_at_0": local.strftime("%Y-%m-%d"),
        "scheduled_at_1": local.strftime("%H:%M:%S"),
        "seats": str(auction.seats),
        "_save": "Save",
        **overrides,
    }


def test_the_auction_page_lists_each_booked_seat_with_its_customer_price_and_status(client_a, studios):
    # given: two of three seats booked, one since cancelled
    auction = make_auction(studio=studios.a, seats=3)
    first = grab(None, auction)
    second = grab(None, auction)
    reservation_services.reservation_cancel_by_studio(reservation_id=first.pk)

    # when
    response = client_a.get(admin_url(Auction, "change", auction.pk))

    # then
    [inline] = response.context["inline_admin_formsets"]
    rows = [form.original for form in inline]
    assert [(r.seat_no, r.user_id, r.status) for r in rows] == [
        (1, first.user_id, ReservationStatus.CANCELLED),
        (2, second.user_id, ReservationStatus.PENDING_ON_SITE),
    ]
    page = response.content.decode()
    assert second.user.full_name in page
    with translation.override("tr"):  # the back office's language: 500,00
        assert number_format(second.locked_price, decimal_pos=2) in page
    # the list shows the seats left
    changelist = client_a.get(admin_url(Auction, "changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 of 3" in changelist


def test_another_studios_auction_page_shows_none_of_its_seats(client_a, studios):
    auction = make_auction(studio=studios.b, seats=2)
    grab(None, auction)

    assert client_a.get(admin_url(Auction, "change", auction.pk)).status_code == 404


# --- the figures, per seat ----------------------------------------------------------------------------


def test_figures_count_seats_sold_of_seats_offered(studios):
    # given, around `base`: a 4-seat class sold out at 400, 350, 300, 300; a 5-seat class expired
    # with one seat sold at 250 (checked in); and a cancelled 6-seat class, which offered nothing
    base = timezone.now() - timedelta(days=3)
    sold_out = AuctionFactory(studio=studios.a, sold=True, now=base, seats=4, seats_sold=4)
    for seat_no, price in enumerate(["400.00", "350.00", "300.00", "300.00"], start=1):
        ReservationFactory(auction=sold_out, seat_no=seat_no, locked_price=Decimal(price))
    expired = AuctionFactory(studio=studios.a, expired=True, now=base, seats=5, seats_sold=1)
    ReservationFactory(
        auction=expired,
        locked_price=Decimal("250.00"),
        status=ReservationStatus.COMPLETED,
        checked_in_at=base,
    )
    AuctionFactory(studio=studios.a, cancelled=True, now=base, seats=6)

    # when
    figures = studio_figures(
        studio_id=studios.a.pk, start=base - timedelta(days=1), end=base + timedelta(days=1)
    )

    # then: 5 seats sold of 9 offered
    assert (figures.sold, figures.seats_offered, figures.expired) == (5, 9, 1)
    assert figures.sell_through_percent == Decimal("55.6")
    assert figures.revenue == Decimal("250.00")
    # (20 + 30 + 40 + 40 + 50) / 5 = 36 % off the start price of 500, per seat sold
    assert figures.average_discount_percent == Decimal("36.0")


def test_the_figures_page_shows_the_seats_offered(client_a, studios):
    base = timezone.now() - timedelta(days=3)
    AuctionFactory(studio=studios.a, expired=True, now=base, seats=7)
    local = timezone.localdate(base)

    response = client_a.get(
        reverse("admin:reservations_figures"),
        {"start": str(local - timedelta(days=1)), "end": str(local + timedelta(days=1))},
    )

    assert '<td id="seats-offered">7</td>' in response.content.decode()
