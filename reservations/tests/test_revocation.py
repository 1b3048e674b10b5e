"""Revocation that does not wait (issue 12, item 10).

An open `/ws/me/` socket survived logout and password change until its token expired, and an
access token kept working for up to 10 minutes after logout.
"""

import json
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services as account_services
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from auctions.tests.factories import make_auction
from hothour.asgi import application

ORIGIN = (b"origin", b"http://localhost")
CLOSED_4401 = {"type": "websocket.close", "code": 4401}


async def open_me(access: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/me/?token={access}", headers=[ORIGIN])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def first_event(communicator: WebsocketCommunicator) -> str:
    return json.loads(await communicator.receive_from(timeout=3))["event"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_password_change_closes_the_users_open_sockets():
    # given
    user = await sync_to_async(CustomerFactory.create)()
    refresh = await sync_to_async(RefreshToken.for_user)(user)
    socket = await open_me(str(refresh.access_token))
    assert await first_event(socket) == "snapshot"

    # when
    await sync_to_async(account_services.password_change)(
        user=user, old_password=DEFAULT_PASSWORD, new_password="An0ther-long-pass"
    )

    # then
    assert await socket.receive_output(timeout=3) == CLOSED_4401


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_logout_closes_the_socket_and_its_token_cannot_reopen_one():
    # given
    user = await sync_to_async(CustomerFactory.create)()
    refresh = await sync_to_async(RefreshToken.for_user)(user)
    access = str(refresh.access_token)
    socket = await open_me(access)
    assert await first_event(socket) == "snapshot"

    # when
    await sync_to_async(account_services.session_logout)(user=user, refresh=refresh)

    # then
    assert await socket.receive_output(timeout=3) == CLOSED_4401
    again = await open_me(access)
    assert await again.receive_output(timeout=3) == CLOSED_4401


@pytest.mark.django_db
def test_an_access_token_stops_working_at_logout(api_client, customer):
    # given a signed-in customer, and a thief holding a copy of the access token
    pair = api_client.post(
        reverse("auth-login"), {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    thief = APIClient()
    thief.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    # when the customer logs out
    assert (
        api_client.post(reverse("auth-logout"), {"refresh": pair["refresh"]}, format="json").status_code
        == 204
    )

    # then
    grab = thief.post(reverse("reservation-list"), {"auction_id": make_auction().pk}, format="json")
    assert grab.status_code == 401
    assert grab.json()["code"] == "session_revoked"
    assert thief.get(reverse("reservation-list")).status_code == 401


@pytest.mark.django_db
def test_other_sessions_go_on_after_a_refresh(api_client, customer, monkeypatch):
    # given two devices, one logging out a few seconds ago
    monkeypatch.setattr("accounts.revocation.clock", lambda: time.time() - 3)
    phone = RefreshToken.for_user(customer)
    laptop = api_client.post(
        reverse("auth-login"), {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {laptop['access']}")
    assert (
        api_client.post(reverse("auth-logout"), {"refresh": laptop["refresh"]}, format="json").status_code
        == 204
    )

    # when the phone refreshes its session
    fresh = APIClient().post(reverse("auth-refresh"), {"refresh": str(phone)}, format="json")

    # then it carries on
    assert fresh.status_code == 200
    phone_client = APIClient()
    phone_client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh.json()['access']}")
    assert phone_client.get(reverse("reservation-list")).status_code == 200
