"""Public WebSockets on the real Redis channel layer: snapshot first, then every change."""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from auctions import pricing, services
from auctions.tests.factories import make_auction, minutes
from core.realtime.fanout import local_groups
from hothour.asgi import application
from reservations import services as reservation_services

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


def connect(path: str, headers=None) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=headers if headers is not None else [ORIGIN])


async def receive(communicator: WebsocketCommunicator, wait: float = 3) -> dict:
    return json.loads(await communicator.receive_from(timeout=wait))


async def receive_event(communicator: WebsocketCommunicator, event: str, wait: float = 3) -> dict:
    """Skip other events until `event` arrives (a change may send several)."""
    while True:
        message = await receive(communicator, wait)
        if message["event"] == event:
            return message


async def test_the_channel_layer_under_test_is_redis():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "core.realtime.layers.PubSubChannelLayer"
    assert isinstance(get_channel_layer(), RedisPubSubChannelLayer)  # Channels' Redis layer, pipelined


async def test_connect_sends_a_snapshot_of_published_auctions_first():
    # given
    published = await sync_to_async(make_auction)()
    draft = await sync_to_async(make_auction)(publish=False)

    # when
    communicator = connect("/ws/auctions/")
    connected, _ = await communicator.connect()

    # then
    assert connected
    message = await receive(communicator)
    assert message["event"] == "snapshot"
    ids = [auction["id"] for auction in message["data"]]
    assert published.pk in ids
    assert draft.pk not in ids
    assert message["server_time"]
    await communicator.disconnect()


async def test_one_auction_channel_sends_its_snapshot():
    auction = await sync_to_async(make_auction)()
    communicator = connect(f"/ws/auctions/{auction.pk}/")
    await communicator.connect()

    message = await receive(communicator)

    assert message["event"] == "snapshot"
    assert message["data"]["id"] == auction.pk
    assert message["data"]["next_drop_at"] is not None
    await communicator.disconnect()


async def test_unknown_auction_closes_with_4404():
    communicator = connect("/ws/auctions/999999/")
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}


async def test_unknown_path_closes_with_4404():
    communicator = connect("/ws/nothing/here/")
    await communicator.connect()
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}


async def test_foreign_origin_is_refused():
    communicator = connect("/ws/auctions/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await communicator.connect()
    assert not connected


async def test_ping_gets_pong_with_server_time():
    communicator = connect("/ws/auctions/")
    await communicator.connect()
    await receive(communicator)  # snapshot

    await communicator.send_json_to({"event": "ping"})
    message = await receive(communicator)

    assert message["event"] == "pong"
    assert abs((timezone.now() - timezone.datetime.fromisoformat(message["server_time"])).total_seconds()) < 5
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [("not json", "invalid_json"), ('{"event": "shout"}', "unknown_event"), ("[1, 2]", "unknown_event")],
)
async def test_malformed_frames_get_an_error_event_and_the_socket_stays_open(frame, code):
    communicator = connect("/ws/auctions/")
    await communicator.connect()
    await receive(communicator)

    await communicator.send_to(text_data=frame)
    error = await receive(communicator)
    await communicator.send_json_to({"event": "ping"})
    pong = await receive(communicator)

    assert error["event"] == "error"
    assert error["data"]["code"] == code
    assert pong["event"] == "pong"
    await communicator.disconnect()


async def test_oversized_frame_gets_an_error_event():
    communicator = connect("/ws/auctions/")
    await communicator.connect()
    await receive(communicator)

    await communicator.send_to(text_data=json.dumps({"event": "ping", "pad": "x" * 10_000}))
    error = await receive(communicator)

    assert error["data"]["code"] == "frame_too_large"
    await communicator.disconnect()


async def test_price_update_arrives_when_the_tick_reaches_the_step_instant():
    # given an auction whose next drop is known
    auction = await sync_to_async(make_auction)()
    settings_ = pricing.PriceSettings.of(auction)
    drop_at = pricing.next_drop_at(settings_, timezone.now())
    communicator = connect(f"/ws/auctions/{auction.pk}/")
    await communicator.connect()
    await receive(communicator)

    # when the tick runs at that instant (the clock is passed in, not slept for)
    await sync_to_async(services.auctions_tick)(now=drop_at)

    # then
    message = await receive_event(communicator, "price_update")
    assert message["data"]["auction_id"] == auction.pk
    assert message["data"]["current_price"] == str(pricing.price_at(settings_, drop_at))
    following = pricing.next_drop_at(settings_, drop_at)
    assert message["data"]["next_drop_at"] == (following.isoformat() if following else None)
    await communicator.disconnect()


async def test_no_price_update_before_the_step_instant():
    auction = await sync_to_async(make_auction)()
    drop_at = pricing.next_drop_at(pricing.PriceSettings.of(auction), timezone.now())
    communicator = connect(f"/ws/auctions/{auction.pk}/")
    await communicator.connect()
    await receive(communicator)

    result = await sync_to_async(services.auctions_tick)(now=drop_at - timedelta(microseconds=1))

    assert result.processed == 0
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_turbo_triggered_is_broadcast_when_turbo_begins_by_itself():
    auction = await sync_to_async(make_auction)(turbo=True)
    turbo_at = pricing.turbo_from(pricing.PriceSettings.of(auction))
    communicator = connect("/ws/auctions/")
    await communicator.connect()
    await receive(communicator)

    await sync_to_async(services.auctions_tick)(now=turbo_at)

    message = await receive_event(communicator, "turbo_triggered")
    assert message["data"]["auction_id"] == auction.pk
    assert message["data"]["turbo_active"] is True
    await communicator.disconnect()


async def test_expiry_is_broadcast_as_auction_updated():
    auction = await sync_to_async(make_auction)()
    communicator = connect(f"/ws/auctions/{auction.pk}/")
    await communicator.connect()
    await receive(communicator)

    await sync_to_async(services.auctions_tick)(now=auction.end_time)

    message = await receive_event(communicator, "auction_updated")
    assert message["data"]["status"] == "EXPIRED"
    assert message["data"]["next_drop_at"] is None
    await communicator.disconnect()


async def test_grab_and_cancel_are_broadcast_without_personal_data():
    # given
    auction = await sync_to_async(make_auction)(
        scheduled_at=timezone.now() + minutes(60 * 24), end_time=timezone.now() + minutes(600)
    )
    customer = await sync_to_async(CustomerFactory.create)()
    communicator = connect("/ws/auctions/")
    await communicator.connect()
    await receive(communicator)

    # when the spot is grabbed, then cancelled by the customer (relisted)
    reservation, _ = await sync_to_async(reservation_services.reservation_create)(
        user=customer, auction_id=auction.pk
    )
    sold = await receive_event(communicator, "auction_updated")
    await sync_to_async(reservation_services.reservation_cancel_by_customer)(
        user=customer, reservation_id=reservation.pk
    )
    relisted = await receive_event(communicator, "auction_updated")

    # then
    assert sold["data"]["status"] == "SOLD"
    assert relisted["data"]["status"] == "ACTIVE"
    for message in (sold, relisted):
        raw = json.dumps(message)
        assert reservation.booking_code not in raw
        assert customer.email not in raw
        assert "user_id" not in raw
    await communicator.disconnect()


async def test_studio_cancellation_and_early_turbo_are_broadcast():
    auction = await sync_to_async(make_auction)(turbo=True)
    other = await sync_to_async(make_auction)()
    communicator = connect("/ws/auctions/")
    await communicator.connect()
    await receive(communicator)

    await sync_to_async(services.auction_turbo_start)(auction_id=auction.pk)
    turbo = await receive_event(communicator, "turbo_triggered")
    await sync_to_async(services.auction_cancel)(auction_id=other.pk)
    cancelled = await receive_event(communicator, "auction_updated")

    assert turbo["data"]["auction_id"] == auction.pk
    assert cancelled["data"] == {**cancelled["data"], "id": other.pk, "status": "CANCELLED"}
    await communicator.disconnect()


async def test_publishing_is_broadcast_as_auction_created():
    draft = await sync_to_async(make_auction)(publish=False)
    communicator = connect("/ws/auctions/")
    await communicator.connect()
    await receive(communicator)

    await sync_to_async(services.auction_publish)(auction_id=draft.pk)

    message = await receive_event(communicator, "auction_created")
    assert message["data"]["id"] == draft.pk
    await communicator.disconnect()


async def test_an_idle_connection_stays_open_longer_than_six_seconds():
    # redis-py's default 5 s socket timeout would have cut the layer's idle connection by now.
    auction = await sync_to_async(make_auction)()
    drop_at = pricing.next_drop_at(pricing.PriceSettings.of(auction), timezone.now())
    communicator = connect(f"/ws/auctions/{auction.pk}/")
    await communicator.connect()
    await receive(communicator)

    assert await communicator.receive_nothing(timeout=6.5, interval=0.5)
    await sync_to_async(services.auctions_tick)(now=drop_at)

    assert (await receive_event(communicator, "price_update"))["data"]["auction_id"] == auction.pk
    await communicator.send_json_to({"event": "ping"})
    assert (await receive_event(communicator, "pong"))["event"] == "pong"
    await communicator.disconnect()


async def _broadcast(group: str, n: int) -> None:
    text = json.dumps({"event": "price_update", "data": {"n": n}, "server_time": ""})
    await get_channel_layer().group_send(group, {"type": "broadcast", "group": group, "texts": [text]})


async def test_a_change_between_joining_and_the_snapshot_arrives_after_the_snapshot(monkeypatch):
    # given: a change is broadcast while the socket reads its snapshot (it has already joined)
    from auctions import consumers

    read_snapshot = consumers._snapshot

    async def snapshot_with_a_change_meanwhile(auction_id):
        await _broadcast("auctions", 1)
        await asyncio.sleep(0.3)  # the change reaches this process's subscriber first
        return await read_snapshot(auction_id)

    monkeypatch.setattr(consumers, "_snapshot", snapshot_with_a_change_meanwhile)
    communicator = connect("/ws/auctions/")

    # when
    await communicator.connect()

    # then
    assert (await receive(communicator))["event"] == "snapshot"
    change = await receive(communicator)
    assert change["event"] == "price_update"
    assert change["data"] == {"n": 1}
    await communicator.disconnect()


async def test_sockets_of_one_process_share_one_subscription_and_each_gets_every_change():
    # given: three sockets in this process on the same group
    sockets = [connect("/ws/auctions/") for _ in range(3)]
    for socket in sockets:
        await socket.connect()
        assert (await receive(socket))["event"] == "snapshot"
    groups = local_groups(get_channel_layer())
    assert len(groups.members["auctions"]) == 3

    # when: one change, then one socket leaves, then another change
    await _broadcast("auctions", 1)
    first = [await receive(socket) for socket in sockets]
    await sockets[0].disconnect()
    await _broadcast("auctions", 2)
    second = [await receive(socket) for socket in sockets[1:]]

    # then
    assert [message["data"] for message in first] == [{"n": 1}] * 3
    assert [message["data"] for message in second] == [{"n": 2}] * 2
    assert await sockets[1].receive_nothing(timeout=0.3)
    for socket in sockets[1:]:
        await socket.disconnect()
    # the last one out leaves the group: the process no longer listens for it
    assert "auctions" not in groups.members
