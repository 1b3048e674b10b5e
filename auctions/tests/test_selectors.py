"""auctions.selectors: which auctions the public sees, and each one's status as of now in SQL."""

import pytest
from django.utils import timezone

from auctions import selectors
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory, minutes

pytestmark = pytest.mark.django_db

# Stored statuses the tick has not caught up with, the status they have now, and settled ones.
ROWS = {
    "scheduled": ({"scheduled": True}, AuctionStatus.SCHEDULED),
    "scheduled_past_its_start": ({"scheduled": True, "start_time_offset": -1}, AuctionStatus.ACTIVE),
    "active": ({}, AuctionStatus.ACTIVE),
    "active_past_its_close": ({"start_time_offset": -121}, AuctionStatus.EXPIRED),
    "scheduled_past_its_close": ({"scheduled": True, "start_time_offset": -121}, AuctionStatus.EXPIRED),
    "expired": ({"expired": True}, AuctionStatus.EXPIRED),
    "sold": ({"sold": True}, AuctionStatus.SOLD),
    "cancelled": ({"cancelled": True}, AuctionStatus.CANCELLED),
    "draft": ({"draft": True}, AuctionStatus.DRAFT),
}


def stored(now, *, start_time_offset: int | None = None, **traits) -> Auction:
    """A row as the factory writes it at `now`, then left alone by the tick (if the start moved)."""
    auction = AuctionFactory.create(now=now, **traits)
    if start_time_offset is not None:
        start = now + minutes(start_time_offset)
        Auction.objects.filter(pk=auction.pk).update(start_time=start, end_time=start + minutes(120))
    return auction


def test_status_q_finds_each_auction_by_its_status_as_of_now():
    # given
    now = timezone.now()
    rows = {name: (stored(now, **fields), status) for name, (fields, status) in ROWS.items()}

    # when
    found = {
        status: set(Auction.objects.filter(selectors.status_q(status, now)).values_list("pk", flat=True))
        for status in AuctionStatus.values
    }

    # then
    expected = {status: {a.pk for a, s in rows.values() if s == status} for status in AuctionStatus.values}
    assert found == expected


def test_published_auctions_are_every_auction_but_drafts_read_with_their_studio(django_assert_num_queries):
    now = timezone.now()
    published = [stored(now, **fields) for name, (fields, _) in ROWS.items() if name != "draft"]
    stored(now, draft=True)

    with django_assert_num_queries(1):
        listed = {a.pk: a.studio.name for a in selectors.published_auctions()}

    assert listed == {a.pk: a.studio.name for a in published}
