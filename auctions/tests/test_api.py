"""`GET auctions/` and `GET auctions/{id}/`: published auctions, priced at the request instant."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Gender
from accounts.tests.factories import StudioFactory
from auctions import pricing
from auctions.models import AllowedGender, Auction, AuctionStatus
from auctions.tests.factories import (
    make_auction,
    make_cancelled_auction,
    make_expired_auction,
    minutes,
)
from reservations.tests.factories import grab

pytestmark = pytest.mark.django_db

LIST = reverse("auction-list")


def detail_url(auction: Auction) -> str:
    return reverse("auction-detail", args=[auction.pk])


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_list_shows_published_auctions_only(api_client):
    # given
    published = make_auction()
    make_auction(publish=False)

    # when
    response = api_client.get(LIST)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [published.pk]


def test_list_rows_carry_the_studio_summary_class_time_and_live_fields(api_client):
    # given
    auction = make_auction()

    # when
    row = api_client.get(LIST).json()["results"][0]

    # then
    assert row["studio"] == {"id": auction.studio.pk, "name": auction.studio.name}
    assert parse_datetime(row["scheduled_at"]) == auction.scheduled_at
    assert parse_datetime(row["start_time"]) == auction.start_time
    assert parse_datetime(row["end_time"]) == auction.end_time
    assert row["status"] == AuctionStatus.ACTIVE
    assert row["current_price"] == "500.00"
    assert row["start_price"] == "500.00"
    assert row["next_price"] == "450.00"
    assert parse_datetime(row["next_drop_at"]) == auction.start_time + minutes(60)
    assert row["turbo_active"] is False
    assert "schedule" not in row


def test_list_is_paginated(api_client):
    for _ in range(3):
        make_auction()

    first = api_client.get(LIST, {"page_size": 2}).json()
    second = api_client.get(LIST, {"page_size": 2, "page": 2}).json()

    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"] is not None
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_list_prices_at_the_request_instant_not_from_the_stale_cache(api_client):
    # given: opened 70 minutes ago (one drop), its cached price still the start price
    now = timezone.now()
    auction = make_auction(now=now, start_time=now - minutes(70))
    Auction.objects.filter(pk=auction.pk).update(current_price=auction.start_price)

    # when
    before = timezone.now()
    row = api_client.get(LIST).json()["results"][0]
    detail = api_client.get(detail_url(auction)).json()
    after = timezone.now()

    # then
    settings = pricing.PriceSettings.of(auction)
    assert pricing.price_at(settings, before) == pricing.price_at(settings, after) == Decimal("450.00")
    assert row["current_price"] == detail["current_price"] == "450.00"
    assert row["next_price"] is None  # the next drop would land on the close


def test_scheduled_auction_whose_start_passed_without_a_tick_shows_active(api_client):
    # given: published while it was still to open; no tick since
    now = timezone.now()
    auction = make_auction(now=now - minutes(10), start_time=now - minutes(5))
    assert auction.status == AuctionStatus.SCHEDULED

    # when
    row = api_client.get(LIST).json()["results"][0]
    detail = api_client.get(detail_url(auction)).json()

    # then
    assert row["status"] == detail["status"] == AuctionStatus.ACTIVE
    assert ids(api_client.get(LIST, {"status": "ACTIVE"})) == [auction.pk]
    assert ids(api_client.get(LIST, {"status": "SCHEDULED"})) == []


def test_active_auction_whose_end_passed_without_a_tick_shows_expired(api_client):
    now = timezone.now()
    auction = make_auction(now=now - minutes(115), start_time=now - minutes(121))

    detail = api_client.get(detail_url(auction)).json()

    assert detail["status"] == AuctionStatus.EXPIRED
    assert detail["next_price"] is None
    assert detail["next_drop_at"] is None
    assert ids(api_client.get(LIST, {"status": "EXPIRED"})) == [auction.pk]
    assert ids(api_client.get(LIST, {"status": "ACTIVE"})) == []


def test_filter_by_status(api_client):
    # given: one auction in every published status
    now = timezone.now()
    active = make_auction()
    scheduled = make_auction(now=now, start_time=now + minutes(30))
    expired = make_expired_auction()
    cancelled = make_cancelled_auction()
    sold = make_auction()
    grab(None, sold)

    # when
    by_status = {status: ids(api_client.get(LIST, {"status": status})) for status in AuctionStatus.values}

    # then
    assert by_status == {
        AuctionStatus.DRAFT: [],
        AuctionStatus.SCHEDULED: [scheduled.pk],
        AuctionStatus.ACTIVE: [active.pk],
        AuctionStatus.SOLD: [sold.pk],
        AuctionStatus.EXPIRED: [expired.pk],
        AuctionStatus.CANCELLED: [cancelled.pk],
    }


def test_filter_by_unknown_status_is_a_validation_error(api_client):
    response = api_client.get(LIST, {"status": "SOMETHING"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "status" in response.json()["fields"]


def test_filter_by_studio(api_client):
    studio = StudioFactory()
    mine = make_auction(studio=studio)
    make_auction()

    assert ids(api_client.get(LIST, {"studio": studio.pk})) == [mine.pk]


@pytest.mark.parametrize(
    ("gender", "shown"),
    [
        (Gender.FEMALE, {AllowedGender.ANY, AllowedGender.FEMALE}),
        (Gender.MALE, {AllowedGender.ANY, AllowedGender.MALE}),
        (AllowedGender.ANY, {AllowedGender.ANY}),
    ],
)
def test_filter_by_gender_shows_that_gender_and_anyone(api_client, gender, shown):
    by_gender = {make_auction(allowed_gender=allowed).pk: allowed for allowed in AllowedGender.values}

    response = api_client.get(LIST, {"gender": gender})

    assert {by_gender[pk] for pk in ids(response)} == shown


def test_filter_by_max_price(api_client):
    now = timezone.now()
    make_auction(now=now)
    cheaper = make_auction(now=now, start_time=now - minutes(70))

    assert ids(api_client.get(LIST, {"max_price": "450"})) == [cheaper.pk]
    assert ids(api_client.get(LIST, {"max_price": "449.99"})) == []
    assert len(ids(api_client.get(LIST, {"max_price": "500.00"}))) == 2


def test_filter_by_class_date_in_the_site_time_zone(api_client):
    # given
    now = timezone.now()
    today = make_auction(now=now)
    make_auction(now=now, start_time=now + minutes(2 * 24 * 60))
    class_date = timezone.localdate(today.scheduled_at)

    # when
    response = api_client.get(LIST, {"date": class_date.isoformat()})

    # then
    assert ids(response) == [today.pk]


def _three_prices_and_ends() -> tuple[Auction, Auction, Auction]:
    """500.00 closing in 110 min, 450.00 closing in 50 min, 400.00 closing in 115 min."""
    now = timezone.now()
    full = make_auction(now=now, start_time=now - minutes(10))
    one_drop = make_auction(now=now, start_time=now - minutes(70))
    two_drops = make_auction(now=now, start_time=now - minutes(125), end_time=now + minutes(115))
    return full, one_drop, two_drops


def test_ordering_by_current_price(api_client):
    full, one_drop, two_drops = _three_prices_and_ends()

    ascending = api_client.get(LIST, {"ordering": "current_price"})
    descending = api_client.get(LIST, {"ordering": "-current_price"})

    assert ids(ascending) == [two_drops.pk, one_drop.pk, full.pk]
    assert [row["current_price"] for row in ascending.json()["results"]] == ["400.00", "450.00", "500.00"]
    assert ids(descending) == [full.pk, one_drop.pk, two_drops.pk]


def test_ordering_by_end_time(api_client):
    full, one_drop, two_drops = _three_prices_and_ends()

    assert ids(api_client.get(LIST)) == [one_drop.pk, full.pk, two_drops.pk]
    assert ids(api_client.get(LIST, {"ordering": "end_time"})) == [one_drop.pk, full.pk, two_drops.pk]
    assert ids(api_client.get(LIST, {"ordering": "-end_time"})) == [two_drops.pk, full.pk, one_drop.pk]


def test_list_query_count_does_not_grow_with_the_page(api_client, django_assert_num_queries):
    # given: five auctions of five studios, one with turbo and one sold
    make_auction(turbo=True)
    grab(None, make_auction())
    for _ in range(3):
        make_auction()
    with CaptureQueriesContext(connection) as five:
        assert len(ids(api_client.get(LIST, {"page_size": 30}))) == 5
    for _ in range(25):
        make_auction()

    # when / then
    with django_assert_num_queries(len(five)):
        assert len(ids(api_client.get(LIST, {"page_size": 30}))) == 30


def test_detail_has_the_schedule_next_drop_and_turbo_state(api_client):
    # given: the worked example of DESIGN section 2
    auction = make_auction(turbo=True)
    settings = pricing.PriceSettings.of(auction)

    # when
    response = api_client.get(detail_url(auction))

    # then
    assert response.status_code == 200
    body = response.json()
    schedule = [(parse_datetime(step["at"]), Decimal(step["price"])) for step in body["schedule"]]
    assert schedule == [(step.at, step.price) for step in pricing.schedule(settings)]
    assert schedule[0] == (auction.start_time, Decimal("500.00"))
    assert schedule[1] == (auction.start_time + minutes(60), Decimal("450.00"))
    assert schedule[2] == (auction.end_time - minutes(25), Decimal("430.00"))
    assert schedule[-1] == (auction.end_time - minutes(5), Decimal("350.00"))
    assert all(set(step) == {"at", "price"} for step in body["schedule"])
    assert body["current_price"] == "500.00"
    assert body["next_price"] == "450.00"
    assert parse_datetime(body["next_drop_at"]) == auction.start_time + minutes(60)
    assert body["turbo_enabled"] is True
    assert body["turbo_active"] is False
    assert body["turbo_started_at"] is None


def test_detail_of_a_sold_auction_shows_the_price_it_sold_at_and_no_next_drop(api_client):
    auction = make_auction()
    reservation = grab(None, auction)

    body = api_client.get(detail_url(auction)).json()

    assert body["status"] == AuctionStatus.SOLD
    assert body["current_price"] == str(reservation.locked_price)
    assert body["next_price"] is None
    assert body["next_drop_at"] is None


def test_detail_of_a_draft_is_not_found(api_client):
    draft = make_auction(publish=False)

    response = api_client.get(detail_url(draft))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detail_of_a_missing_auction_is_not_found(api_client):
    response = api_client.get(reverse("auction-detail", args=[987654]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
