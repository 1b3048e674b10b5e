"""Who may do what: every endpoint, WebSocket route and back-office page × every kind of caller.

The world of every cell (built afresh for each one, so cells never interfere):
- studio S, run by `manager`; studio T, run by `other_manager` (both in the managers group);
- auction A, ACTIVE, of S; auction D, a DRAFT of S;
- reservation R of `customer` (pending, class later today, still cancellable), on a sold auction of S;
- notification N of `customer` (unread), about R;
- `unverified` (email not confirmed), `other_customer`, `superuser`.

A cell is what the caller gets:
- an HTTP status, optionally with the error `code` (`"403 staff_cannot_book"`), or with whether
  the caller sees object X in the list (`"200 +R"` sees it, `"200 -R"` does not);
- `"302 login"`: the back office sends the caller to its login page;
- for WebSockets: `"snapshot"` (connected, the first frame is the snapshot; `+R`/`-R` as above)
  or the close code (4401 no valid token, 4404 no such auction).
Whatever the cell, only the customer may change R or N (checked after every HTTP cell).
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services as account_services
from accounts import tokens
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory, StudioFactory
from auctions.models import Auction
from auctions.tests.factories import AuctionFactory
from hothour.asgi import application
from reservations.models import Notification, NotificationKind, Reservation, ReservationStatus
from reservations.notifications import reservation_facts
from reservations.tests.factories import ReservationFactory

CALLERS = ("anonymous", "unverified", "customer", "other_customer", "manager", "other_manager", "superuser")
UNVERIF = "403 email_not_verified"
STAFF = "403 staff_cannot_book"
LOGIN = "302 login"
SNAP = "snapshot"
# Lists: does the caller see A (the auction), R (the reservation), N (the notification)?
A_IN, R_IN, R_OUT, N_IN, N_OUT = "200 +A", "200 +R", "200 -R", "200 +N", "200 -N"
SNAP_A, SNAP_R, SNAP_NOR = "snapshot +A", "snapshot +R", "snapshot -R"

# fmt: off
# Columns: anonymous, unverified, customer (owner of R and N), other customer, manager (of S),
# manager of another studio, superuser.
HTTP = [
    # under /api/v1/                           anon     unverif  customer other_c  manager  other_m  super
    ("POST   auth/register/",                  201,     201,     201,     201,     201,     201,     201),
    ("POST   auth/verify-email/",              200,     200,     200,     200,     200,     200,     200),
    ("POST   auth/verify-email/resend/",       202,     202,     202,     202,     202,     202,     202),
    ("POST   auth/login/",                     200,     200,     200,     200,     200,     200,     200),
    ("POST   auth/refresh/",                   200,     200,     200,     200,     200,     200,     200),
    ("POST   auth/logout/",                    401,     400,     204,     400,     400,     400,     400),
    ("POST   auth/password/reset/",            202,     202,     202,     202,     202,     202,     202),
    ("POST   auth/password/reset/confirm/",    204,     204,     204,     204,     204,     204,     204),
    ("POST   auth/password/change/",           401,     200,     200,     200,     200,     200,     200),
    ("GET    auth/me/",                        401,     200,     200,     200,     200,     200,     200),
    ("PATCH  auth/me/",                        401,     200,     200,     200,     200,     200,     200),
    ("DELETE auth/me/",                        401,     204,     204,     204,     204,     204,     204),
    ("POST   auth/me/calendar-token/",         401,     UNVERIF, 200,     200,     200,     200,     200),
    ("GET    studios/",                        200,     200,     200,     200,     200,     200,     200),
    ("GET    studios/{S}/",                    200,     200,     200,     200,     200,     200,     200),
    ("GET    auctions/",                       A_IN,    A_IN,    A_IN,    A_IN,    A_IN,    A_IN,    A_IN),
    ("GET    auctions/{A}/",                   200,     200,     200,     200,     200,     200,     200),
    ("GET    auctions/{D}/",                   404,     404,     404,     404,     404,     404,     404),
    ("POST   reservations/",                   401,     UNVERIF, 201,     201,     STAFF,   STAFF,   STAFF),
    ("GET    reservations/",                   401,     R_OUT,   R_IN,    R_OUT,   R_OUT,   R_OUT,   R_OUT),
    ("GET    reservations/{R}/",               401,     404,     200,     404,     404,     404,     404),
    ("POST   reservations/{R}/cancel/",        401,     404,     200,     404,     404,     404,     404),
    ("GET    reservations/{R}/calendar.ics",   401,     404,     200,     404,     404,     404,     404),
    ("GET    notifications/",                  401,     N_OUT,   N_IN,    N_OUT,   N_OUT,   N_OUT,   N_OUT),
    ("POST   notifications/{N}/read/",         401,     404,     200,     404,     404,     404,     404),
    ("POST   notifications/read-all/",         401,     200,     200,     200,     200,     200,     200),
    ("GET    calendar/{feed}/hothour.ics",     200,     200,     200,     200,     200,     200,     200),
    ("GET    calendar/not-a-feed/hothour.ics", 404,     404,     404,     404,     404,     404,     404),
    ("GET    health/",                         200,     200,     200,     200,     200,     200,     200),
    ("GET    schema/",                         200,     200,     200,     200,     200,     200,     200),
    ("GET    docs/",                           200,     200,     200,     200,     200,     200,     200),
]

WEBSOCKETS = [
    # route               anon      unverif   customer  other_c   manager   other_m   super
    ("/ws/auctions/",     SNAP_A,   SNAP_A,   SNAP_A,   SNAP_A,   SNAP_A,   SNAP_A,   SNAP_A),
    ("/ws/auctions/{A}/", SNAP,     SNAP,     SNAP,     SNAP,     SNAP,     SNAP,     SNAP),
    ("/ws/auctions/{D}/", 4404,     4404,     4404,     4404,     4404,     4404,     4404),
    ("/ws/me/",           4401,     SNAP_NOR, SNAP_R,   SNAP_NOR, SNAP_NOR, SNAP_NOR, SNAP_NOR),
]

ADMIN = [
    # under /admin/                          anon     unverif  customer other_c  manager  other_m  super
    ("auctions/auction/",                    LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     200,     200),
    ("reservations/reservation/",            LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     200,     200),
    ("accounts/user/",                       LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     200,     200),
    ("accounts/studio/",                     LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     200,     200),
    ("auctions/auction/{A}/change/",         LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     404,     200),
    ("reservations/reservation/{R}/change/", LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     404,     200),
    ("accounts/user/{customer}/change/",     LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     404,     200),
    ("accounts/studio/{S}/change/",          LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     404,     200),
    # the desk's polled fragments: each staff member gets their own studio's (reservations/tests/test_desk.py)
    ("reservations/reservation/today/",      LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     200,     200),
    ("auctions/auction/live-prices/",        LOGIN,   LOGIN,   LOGIN,   LOGIN,   200,     200,     200),
]
# fmt: on

NEW_PASSWORD = "An0ther-long-pass"


@dataclass
class World:
    users: dict[str, User]
    auction: Auction
    draft: Auction
    reservation: Reservation
    notification: Notification
    customer_refresh: str

    @property
    def refs(self) -> dict[str, Any]:
        """What the `{X}` of a path stands for."""
        return {
            "S": self.auction.studio_id,
            "A": self.auction.pk,
            "D": self.draft.pk,
            "R": self.reservation.pk,
            "N": self.notification.pk,
            "customer": self.users["customer"].pk,
            "feed": self.users["customer"].calendar_token,
        }

    def access(self, caller: str) -> str | None:
        user = self.users.get(caller)
        return None if user is None else str(RefreshToken.for_user(user).access_token)


def build_world() -> World:
    studio, other_studio = StudioFactory.create(), StudioFactory.create()
    customer = CustomerFactory.create()
    users: dict[str, User] = {
        "unverified": CustomerFactory.create(is_verified=False),
        "customer": customer,
        "other_customer": CustomerFactory.create(),
        "manager": account_services.manager_create(
            email="manager@example.com", full_name="Ayla", password=DEFAULT_PASSWORD, studio=studio
        ),
        "other_manager": account_services.manager_create(
            email="other.manager@example.com",
            full_name="Burak",
            password=DEFAULT_PASSWORD,
            studio=other_studio,
        ),
        "superuser": User.objects.create_superuser("root@example.com", DEFAULT_PASSWORD, full_name="Root"),
    }
    reservation = ReservationFactory.create(auction__studio=studio, user=customer)
    return World(
        users=users,
        auction=AuctionFactory.create(studio=studio),
        draft=AuctionFactory.create(studio=studio, draft=True),
        reservation=reservation,
        notification=Notification.objects.create(
            user=customer, kind=NotificationKind.BOOKING_CONFIRMED, data=reservation_facts(reservation)
        ),
        customer_refresh=str(RefreshToken.for_user(customer)),
    )


def _body(request_line: str, world: World) -> dict[str, Any] | None:
    """The request body of a row: valid, so that only who is calling decides the outcome."""
    customer = world.users["customer"]
    bodies: dict[str, dict[str, Any]] = {
        "POST auth/register/": {
            "email": "New.Person@Example.com",
            "password": "Moda-kadikoy-2026",
            "full_name": "Yeni Kişi",
            "phone": "0555 999 00 11",
            "gender": "FEMALE",
        },
        "POST auth/verify-email/": {"token": tokens.make_verification_token(world.users["unverified"])},
        "POST auth/verify-email/resend/": {"email": world.users["unverified"].email},
        "POST auth/login/": {"email": customer.email, "password": DEFAULT_PASSWORD},
        "POST auth/refresh/": {"refresh": world.customer_refresh},
        # The customer's own session: nobody else may end it.
        "POST auth/logout/": {"refresh": world.customer_refresh},
        "POST auth/password/reset/": {"email": customer.email},
        "POST auth/password/reset/confirm/": {
            "token": tokens.make_password_reset_token(customer),
            "new_password": NEW_PASSWORD,
        },
        "POST auth/password/change/": {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        "PATCH auth/me/": {"full_name": "Yeni Ad"},
        "DELETE auth/me/": {"password": DEFAULT_PASSWORD},
        "POST reservations/": {"auction_id": world.auction.pk},
    }
    return bodies.get(request_line)


def _cells(table: list[tuple[Any, ...]]) -> list[Any]:
    return [
        pytest.param(row[0], caller, expected, id=f"{' '.join(row[0].split())} × {caller}")
        for row in table
        for caller, expected in zip(CALLERS, row[1:], strict=True)
    ]


def _parse(expected: int | str) -> tuple[int | str, str | None]:
    """`"403 staff_cannot_book"` → (403, "staff_cannot_book"); `"200 +R"` → (200, "+R")."""
    first, _, rest = str(expected).partition(" ")
    return (int(first) if first.isdigit() else first), (rest or None)


def _sees(listed: list[dict[str, Any]], mark: str, world: World) -> bool:
    return world.refs[mark[1:]] in [item["id"] for item in listed]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.mark.parametrize(("request_line", "caller", "expected"), _cells(HTTP))
def test_each_endpoint_answers_each_caller_as_the_matrix_says(request_line, caller, expected, world):
    # given
    method, template = request_line.split()
    request_line = f"{method} {template}"
    client = APIClient()
    access = world.access(caller)
    if access is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    # Calendar apps ask for iCalendar by name.
    extra = {"HTTP_ACCEPT": "text/calendar"} if template.endswith(".ics") else {}

    # when
    response = getattr(client, method.lower())(
        f"/api/v1/{template.format(**world.refs)}", _body(request_line, world), format="json", **extra
    )

    # then
    status, detail = _parse(expected)
    assert response.status_code == status, response.content[:300]
    if detail is not None and detail[0] in "+-":
        assert _sees(response.json()["results"], detail, world) is (detail[0] == "+")
    elif detail is not None:
        assert response.json()["code"] == detail
    if caller != "customer":
        reservation, notification = world.reservation, world.notification
        reservation.refresh_from_db()
        notification.refresh_from_db()
        assert reservation.status == ReservationStatus.PENDING_ON_SITE
        assert notification.read_at is None
        assert User.objects.get(pk=world.users["customer"].pk).is_active


@pytest.mark.parametrize(("page", "caller", "expected"), _cells(ADMIN))
def test_each_back_office_page_answers_each_caller_as_the_matrix_says(page, caller, expected, world):
    client = Client()
    if caller != "anonymous":
        client.force_login(world.users[caller])

    response = client.get(f"/admin/{page.format(**world.refs)}")

    status, detail = _parse(expected)
    if detail == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == status


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("route", "caller", "expected"), _cells(WEBSOCKETS))
async def test_each_websocket_route_answers_each_caller_as_the_matrix_says(route, caller, expected):
    world = await sync_to_async(build_world)()
    access = await sync_to_async(world.access)(caller)
    query = "" if access is None else f"?token={access}"
    communicator = WebsocketCommunicator(
        application, route.format(**world.refs) + query, headers=[(b"origin", b"http://localhost")]
    )

    connected, _ = await communicator.connect()

    assert connected
    status, detail = _parse(expected)
    if status == SNAP:
        message = json.loads(await communicator.receive_from(timeout=3))
        assert message["event"] == "snapshot"
        if detail is not None:
            data = message["data"]
            listed = data["reservations"] if isinstance(data, dict) else data
            assert _sees(listed, detail, world) is (detail[0] == "+")
        await communicator.disconnect()
    else:
        assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": status}
