"""auctions.events: what each event carries, to which groups, and that it leaves only after commit."""

import asyncio
import json
from contextlib import suppress

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from auctions import events
from auctions.models import Auction
from auctions.tests.factories import AuctionFactory, minutes


class Rollback(Exception):
    pass


def test_groups_are_named_by_auction_and_by_user():
    assert events.auction_group(7) == "auction.7"
    assert events.user_group(3) == "user.3"


@pytest.mark.django_db
def test_price_data_is_the_live_state_at_the_given_instant():
    auction = AuctionFactory.create(turbo=True)
    at = auction.end_time - minutes(25)  # the first turbo drop

    assert events.price_data(auction, at) == {
        "auction_id": auction.pk,
        "status": "ACTIVE",
        "current_price": "430.00",
        "next_price": "410.00",
        "next_drop_at": (at + minutes(5)).isoformat(),
        "turbo_active": True,
        "turbo_started_at": None,
    }


@pytest.mark.django_db
def test_whole_auction_events_carry_the_public_auction_and_price_events_carry_price_data():
    auction: Auction = AuctionFactory.create()
    at = auction.start_time + minutes(60)

    groups, event, data = events.auction_message(auction, "auction_created", at)
    price_groups, _, price = events.auction_message(auction, "price_update", at)

    assert groups == price_groups == ["auctions", f"auction.{auction.pk}"]
    assert event == "auction_created"
    assert (data["id"], data["current_price"]) == (auction.pk, "450.00")
    assert data == events.public_auction(auction, at)
    assert price == events.price_data(auction, at)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_events_leave_after_commit_in_one_message_per_group_and_never_after_a_rollback():
    # given: a channel in one customer's group, on the real Redis layer
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.user_group(42), channel)
    groups = [events.user_group(42)]

    def roll_back_one_then_commit_two() -> None:
        with suppress(Rollback), transaction.atomic():
            events.send(groups, "booking_confirmed", {"n": 0})
            raise Rollback
        with transaction.atomic():
            events.send_many(
                [(groups, "booking_confirmed", {"n": 1}), (groups, "notification_created", {"n": 2})]
            )

    # when
    await sync_to_async(roll_back_one_then_commit_two)()

    # then
    message = await asyncio.wait_for(layer.receive(channel), timeout=3)
    frames = [json.loads(text) for text in message["texts"]]
    assert [(f["event"], f["data"]) for f in frames] == [
        ("booking_confirmed", {"n": 1}),
        ("notification_created", {"n": 2}),
    ]
    assert frames[0]["server_time"] == frames[1]["server_time"]
