"""The price schedule is bounded (DESIGN section 4): at most 500 points in any response.

A 30-day window of 1-minute drops of 0.01 made the public, unthrottled `GET auctions/{id}/` take
about a second and 2.7 MB per request, and years of window took minutes.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions import pricing
from auctions.models import Auction
from auctions.tests.factories import AuctionFactory, make_auction, minutes
from core.errors import Invalid

pytestmark = pytest.mark.django_db

PENNY_DROPS = {"drop_amount": Decimal("0.01"), "drop_interval_mins": 1}


def _refused(**values) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as refused:
        make_auction(**values)
    return refused.value.fields


def test_validation_refuses_more_than_500_price_steps():
    now = timezone.now()

    fields = _refused(now=now, start_time=now, end_time=now + timedelta(days=2), **PENNY_DROPS)

    assert "drop_interval_mins" in fields


def test_turbo_steps_count_towards_the_bound():
    # given 8 normal steps, and a turbo that a manager may start at the opening: 600 steps of 0.10
    now = timezone.now()

    fields = _refused(
        now=now,
        start_time=now,
        end_time=now + minutes(600),
        start_price=Decimal("500.00"),
        floor_price=Decimal("100.00"),
        turbo_enabled=True,
        turbo_trigger_mins=30,
        turbo_drop_amount=Decimal("0.10"),
        turbo_interval_mins=1,
    )

    assert "turbo_interval_mins" in fields


def test_validation_refuses_a_window_longer_than_30_days():
    now = timezone.now()

    fields = _refused(now=now, start_time=now, end_time=now + timedelta(days=31), drop_interval_mins=24 * 60)

    assert "end_time" in fields


def test_a_long_window_that_reaches_its_floor_in_few_steps_is_accepted():
    # 30 days of hourly drops (720) reach the floor after 8 of them: 9 points
    now = timezone.now()

    auction = make_auction(now=now, start_time=now, end_time=now + timedelta(days=30))

    assert len(pricing.schedule(pricing.PriceSettings.of(auction))) == 9


@pytest.fixture
def unbounded_auction() -> Auction:
    """Made before the bound existed: 30 days of 1-minute drops of 0.01, 40,001 points in all."""
    now = timezone.now()
    return AuctionFactory.create(
        start_time=now - minutes(10), end_time=now + timedelta(days=30), **PENNY_DROPS
    )


def test_an_older_unbounded_auction_answers_its_first_500_points(api_client, unbounded_auction):
    response = api_client.get(reverse("auction-detail", args=[unbounded_auction.pk]))

    assert response.status_code == 200
    schedule = response.json()["schedule"]
    assert len(schedule) == 500
    assert schedule[0]["price"] == "500.00"
    assert schedule[-1]["price"] == "495.01"


def test_the_admin_preview_shows_at_most_500_points(admin_client, unbounded_auction):
    response = admin_client.get(reverse("admin:auctions_auction_change", args=[unbounded_auction.pk]))

    assert response.status_code == 200
    assert response.content.decode().count("<tr><td>") == 500
