"""`/ws/me/`: only with a valid access token; the owner's own events only."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import CustomerFactory
from auctions.tests.factories import make_auction
from hothour.asgi import application
from reservations import services

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


def connect(query: str = "", subprotocols=None) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/me/{query}", headers=[ORIGIN], subprotocols=subprotocols)


async def receive(communicator, wait: float = 3) -> dict:
    return json.loads(await communicator.receive_from(timeout=wait))


async def assert_closed_4401(communicator) -> None:
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_missing_token_closes_with_4401():
    await assert_closed_4401(connect())


async def test_garbage_token_closes_with_4401():
    await assert_closed_4401(connect("?token=not-a-jwt"))


async def test_refresh_token_is_not_an_access_token():
    user = await sync_to_async(CustomerFactory.create)()
    refresh = await sync_to_async(RefreshToken.for_user)(user)
    await assert_closed_4401(connect(f"?token={refresh}"))


async def test_expired_token_closes_with_4401():
    user = await sync_to_async(CustomerFactory.create)()
    token = await sync_to_async(AccessToken.for_user)(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    await assert_closed_4401(connect(f"?token={token}"))


async def test_token_of_a_changed_password_closes_with_4401():
    user = await sync_to_async(CustomerFactory.create)()
    token = await sync_to_async(AccessToken.for_user)(user)
    user.set_password("An0ther-pass-word")
    await sync_to_async(user.save)()
    await assert_closed_4401(connect(f"?token={token}"))


async def test_token_in_the_subprotocol_is_accepted_and_the_subprotocol_echoed():
    user = await sync_to_async(CustomerFactory.create)()
    token = await sync_to_async(AccessToken.for_user)(user)
    communicator = connect(subprotocols=["hothour.jwt", str(token)])

    connected, subprotocol = await communicator.connect()

    assert connected
    assert subprotocol == "hothour.jwt"
    snapshot = await receive(communicator)
    assert snapshot["event"] == "snapshot"
    assert snapshot["data"] == {"reservations": []}
    await communicator.disconnect()


async def test_socket_closes_when_its_token_expires():
    user = await sync_to_async(CustomerFactory.create)()
    token = await sync_to_async(AccessToken.for_user)(user)
    # Long enough to connect on a loaded machine (1 s expired before the handshake once in CI).
    token.set_exp(lifetime=timedelta(seconds=3))
    communicator = connect(f"?token={token}")
    await communicator.connect()
    assert (await receive(communicator))["event"] == "snapshot"

    assert await communicator.receive_output(timeout=6) == {"type": "websocket.close", "code": 4401}


async def test_booking_confirmed_reaches_the_winner_only():
    # given two signed-in customers
    auction = await sync_to_async(make_auction)()
    winner = await sync_to_async(CustomerFactory.create)()
    other = await sync_to_async(CustomerFactory.create)()
    winner_socket = connect(f"?token={await sync_to_async(AccessToken.for_user)(winner)}")
    other_socket = connect(f"?token={await sync_to_async(AccessToken.for_user)(other)}")
    await winner_socket.connect()
    await other_socket.connect()
    await receive(winner_socket)
    await receive(other_socket)

    # when
    reservation, _ = await sync_to_async(services.reservation_create)(user=winner, auction_id=auction.pk)

    # then
    message = await receive(winner_socket)
    assert message["event"] == "booking_confirmed"
    assert message["data"]["booking_code"] == reservation.booking_code
    assert message["data"]["locked_price"] == str(reservation.locked_price)
    assert await other_socket.receive_nothing(timeout=0.5)
    await winner_socket.disconnect()
    await other_socket.disconnect()


async def test_cancellation_is_sent_as_reservation_updated():
    auction = await sync_to_async(make_auction)(
        end_time=timezone.now() + timedelta(hours=5), scheduled_at=timezone.now() + timedelta(hours=8)
    )
    user = await sync_to_async(CustomerFactory.create)()
    reservation, _ = await sync_to_async(services.reservation_create)(user=user, auction_id=auction.pk)
    socket = connect(f"?token={await sync_to_async(AccessToken.for_user)(user)}")
    await socket.connect()
    snapshot = await receive(socket)
    assert [r["booking_code"] for r in snapshot["data"]["reservations"]] == [reservation.booking_code]

    await sync_to_async(services.reservation_cancel_by_customer)(user=user, reservation_id=reservation.pk)

    message = await receive(socket)
    assert message["event"] == "reservation_updated"
    assert message["data"]["status"] == "CANCELLED"
    await socket.disconnect()
