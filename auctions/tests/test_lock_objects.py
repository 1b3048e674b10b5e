"""auctions.lock_objects: which auction rows each lock takes, in key order, and that PostgreSQL holds
them until the transaction ends (seen from another connection)."""

from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import Studio
from auctions import lock_objects
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory, minutes
from core.tests.locks import held_elsewhere, lockable_elsewhere


def values(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.django_db
def test_auction_lock_reads_the_auction_and_its_studio_in_one_statement(django_assert_num_queries):
    auction = AuctionFactory.create(turbo=True)

    with transaction.atomic(), django_assert_num_queries(1):
        locked = lock_objects.auction_lock(auction.pk)
        assert locked is not None
        studio = locked.studio

    assert values(locked) == values(Auction.objects.get(pk=auction.pk))
    assert values(studio) == values(auction.studio)


@pytest.mark.django_db
def test_auction_lock_of_a_missing_auction_is_none():
    with transaction.atomic():
        assert lock_objects.auction_lock(404) is None


@pytest.mark.django_db(transaction=True)
def test_auction_lock_holds_the_auction_row_not_its_studio_until_the_transaction_ends():
    auction = AuctionFactory.create()

    with transaction.atomic():
        lock_objects.auction_lock(auction.pk)
        assert not lockable_elsewhere(Auction, auction.pk)
        assert lockable_elsewhere(Studio, auction.studio_id)

    assert lockable_elsewhere(Auction, auction.pk)


def due_auctions(now, count: int) -> list[Auction]:
    return [AuctionFactory.create(next_change_at=now - minutes(n)) for n in range(count)]


@pytest.mark.django_db
def test_auctions_lock_due_takes_due_ticking_auctions_in_key_order_up_to_the_limit():
    # given: four due (one due this very instant), and some the tick has nothing to do for
    now = timezone.now()
    due = due_auctions(now, 4)
    AuctionFactory.create(next_change_at=now + minutes(1))
    AuctionFactory.create(status=AuctionStatus.SOLD, next_change_at=now - minutes(1))
    AuctionFactory.create(expired=True, next_change_at=None)

    # when
    with transaction.atomic():
        first_batch = [a.pk for a in lock_objects.auctions_lock_due(now=now, limit=3)]
        everything_due = [a.pk for a in lock_objects.auctions_lock_due(now=now, limit=10)]

    # then
    assert first_batch == [a.pk for a in due[:3]]
    assert everything_due == [a.pk for a in due]


@pytest.mark.django_db(transaction=True)
def test_auctions_lock_due_skips_auctions_another_tick_holds_and_leaves_studios_unlocked():
    now = timezone.now()
    held, free = due_auctions(now, 2)

    with held_elsewhere(Auction, held.pk), transaction.atomic():
        taken = list(lock_objects.auctions_lock_due(now=now, limit=10))

        assert [a.pk for a in taken] == [free.pk]
        assert taken[0].studio.name == free.studio.name
        assert not lockable_elsewhere(Auction, free.pk)
        assert lockable_elsewhere(Studio, free.studio_id)
