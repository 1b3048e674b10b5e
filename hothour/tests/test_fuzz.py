"""Property-based fuzzing of the whole OpenAPI schema with schemathesis, in process over WSGI.

The schema is read from the running app (`/api/v1/schema/`) and every operation in it is fuzzed
as three callers: anonymous, a verified customer and a studio manager (Bearer access tokens).
Each generated request (schema-valid and schema-violating ones, from schemathesis' examples,
coverage and fuzzing phases) must get:
- never a 5xx;
- a status code the schema documents for the operation, with the documented content type,
  headers and a body that matches the documented schema;
- a 401 when an operation that requires a token is called without one or with a bad one.
Two of schemathesis' checks are left out on purpose:
- `positive_data_acceptance`: a schema-valid body may still break a business rule the schema
  cannot express (an unknown email, a weak password), which is a documented 400;
- `negative_data_rejection`: the API is lenient where DRF is, by design, and the schema cannot
  say so: a number is taken for a string field (`{"email": 0}`), an empty optional query value
  means "not given" (`?date=`), an unusable `page_size` falls back to the default, and unknown
  query parameters are ignored. Schema-violating requests are still sent and held to every
  check above (no 5xx, a documented status and body).

Generated ids and secrets are sometimes swapped for real ones (`_aim`), so requests reach past
404 into the seeded studios, auctions in every state, reservations, notifications and watches.

Logout, password change and account deletion would end the caller's session mid-run, so for
those three operations the token-holding caller is re-created for every example (and given its
real refresh token or password in part of the examples, so the success paths are fuzzed too).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import tokens
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory, ManagerFactory, StudioFactory
from auctions.models import AllowedGender
from auctions.tests.factories import AuctionFactory
from hothour.wsgi import application
from reservations.models import Notification, NotificationKind, ReservationStatus, Watch, WatchStatus
from reservations.notifications import reservation_facts
from reservations.tests.factories import ReservationFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)

CALLERS = ["anonymous", "customer", "manager"]
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
# These end the caller's session: a fresh caller per example (see the module docstring).
SESSION_ENDING = {
    ("POST", "/api/v1/auth/logout/"),
    ("POST", "/api/v1/auth/password/change/"),
    ("DELETE", "/api/v1/auth/me/"),
}
# Statuses seen per (operation, caller), printed at the end of the module (run with -s to see).
TALLY: dict[tuple[str, str], Counter[int | str]] = {}
# DELETE auth/me/ takes the password in its body, which OpenAPI 3.0 (and drf-spectacular) leave
# out of the schema for DELETE, so schemathesis sends none: every other example sends the right one.
_DELETE_TURNS = count()


@dataclass
class World:
    """Seeded data, and the real ids and secrets `_aim` may swap in."""

    customer: User
    manager: User
    ids: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    examples = sum(sum(counter.values()) for counter in TALLY.values())
    operations = len({operation for operation, _caller in TALLY})
    print(f"\nfuzzed {operations} operations × {len(CALLERS)} callers, {examples} examples")
    for (operation, caller), counter in sorted(TALLY.items()):
        print(f"  {operation:<48} {caller:<9} {dict(sorted(counter.items(), key=str))}")


@pytest.fixture
def _one_connection():
    """Keep the test's transaction across requests.

    The WSGI handler closes "old" database connections at the start and end of every request,
    which inside a test's transaction would roll the seeded data back; Django's own test client
    unhooks the same signal handler for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings, _one_connection) -> World:
    # The throttles read their rates per request: lift them, so the fuzz is not refused with 429
    # after a few examples (429 stays documented and is tested in accounts/tests).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(
            settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/m"
        ),
    }
    now = timezone.now()
    studio, other_studio = StudioFactory.create(), StudioFactory.create()
    customer, someone_else = CustomerFactory.create(), CustomerFactory.create()
    manager = ManagerFactory.create(studio=studio)
    ManagerFactory.create(studio=other_studio)

    auctions = [
        AuctionFactory.create(studio=studio),
        AuctionFactory.create(studio=studio, turbo=True),
        AuctionFactory.create(studio=studio, allowed_gender=AllowedGender.MALE),
        AuctionFactory.create(studio=studio, scheduled=True),
        AuctionFactory.create(studio=studio, draft=True),
        AuctionFactory.create(studio=studio, expired=True),
        AuctionFactory.create(studio=studio, cancelled=True),
        AuctionFactory.create(studio=other_studio),
    ]
    reservations = [
        ReservationFactory.create(auction__studio=studio, user=customer),
        ReservationFactory.create(
            auction__studio=studio,
            user=customer,
            status=ReservationStatus.CANCELLED,
            cancelled_at=now,
            cancelled_by="CUSTOMER",
        ),
        ReservationFactory.create(
            auction__studio=studio, user=customer, status=ReservationStatus.COMPLETED, checked_in_at=now
        ),
        ReservationFactory.create(auction__studio=other_studio, user=someone_else),
    ]
    auctions += [reservation.auction for reservation in reservations]
    facts = [reservation_facts(reservation) for reservation in reservations]
    notifications = [
        Notification.objects.create(user=customer, kind=NotificationKind.BOOKING_CONFIRMED, data=facts[0]),
        Notification.objects.create(
            user=customer, kind=NotificationKind.NO_SHOW, data=facts[2], read_at=now - timedelta(hours=1)
        ),
        Notification.objects.create(
            user=someone_else, kind=NotificationKind.BOOKING_CONFIRMED, data=facts[3]
        ),
    ]
    watches = [
        Watch.objects.create(user=customer, auction=auctions[0], alert_price=auctions[0].floor_price),
        Watch.objects.create(
            user=customer,
            auction=auctions[1],
            alert_price=auctions[1].floor_price,
            auto_grab=True,
            status=WatchStatus.FIRED,
            fired_at=now,
        ),
        Watch.objects.create(user=someone_else, auction=auctions[0], alert_price=auctions[0].floor_price),
    ]
    return World(
        customer=customer,
        manager=manager,
        ids={
            "auctions": [auction.pk for auction in auctions],
            "studios": [studio.pk, other_studio.pk],
            "reservations": [reservation.pk for reservation in reservations],
            "notifications": [notification.pk for notification in notifications],
            "watches": [watch.pk for watch in watches],
        },
    )


def _caller(world: World, caller: str, case: Any) -> User | None:
    if caller == "anonymous":
        return None
    if (case.method, case.path) in SESSION_ENDING:
        return (
            CustomerFactory.create()
            if caller == "customer"
            else ManagerFactory.create(studio=world.manager.studio)
        )
    return world.customer if caller == "customer" else world.manager


def _pick(pool: list[Any], generated: int) -> Any | None:
    """A real value for three generated values in four; the fourth stays as generated."""
    return None if generated % 4 == 3 else pool[generated % len(pool)]


def _aim(case: Any, world: World, user: User | None) -> None:
    """Swap some generated ids and secrets for real ones (schema-valid examples only)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    path = case.path
    params = case.path_parameters or {}
    generated = params.get("id")
    if isinstance(generated, int) and generated >= 0:
        pool = next(ids for name, ids in world.ids.items() if f"/{name}/" in path)
        params["id"] = _pick(pool, generated) or generated
    if isinstance(params.get("token"), str) and len(params["token"]) % 2 == 0:
        owner = _pick([world.customer, world.manager], len(params["token"]))
        if owner is not None:
            params["token"] = User.objects.get(pk=owner.pk).calendar_token

    body = case.body
    if not isinstance(body, dict):
        return
    if isinstance(body.get("auction_id"), int):
        body["auction_id"] = _pick(world.ids["auctions"], body["auction_id"]) or body["auction_id"]
    if path.endswith("/auth/login/") and len(str(body.get("password"))) % 2 == 0:
        body.update(email=world.customer.email.upper(), password=DEFAULT_PASSWORD)
    if path.endswith("/auth/verify-email/") and len(str(body.get("token"))) % 2 == 0:
        body["token"] = tokens.make_verification_token(world.customer)
    if path.endswith("/auth/password/reset/confirm/") and len(str(body.get("token"))) % 2 == 0:
        body["token"] = tokens.make_password_reset_token(CustomerFactory.create())
    if user is None:
        return
    if "refresh" in body and len(str(body["refresh"])) % 2 == 0:
        body["refresh"] = str(RefreshToken.for_user(user))
    for secret in ("password", "old_password"):
        if (
            secret in body
            and path.endswith(("/auth/me/", "/auth/password/change/"))
            and len(str(body[secret])) % 2 == 0
        ):
            body[secret] = DEFAULT_PASSWORD


def _delete_account_body(case: Any, user: User | None) -> dict[str, Any]:
    if (case.method, case.path) != ("DELETE", "/api/v1/auth/me/") or user is None:
        return {}
    return {"json": {"password": DEFAULT_PASSWORD if next(_DELETE_TURNS) % 2 else "not-the-password"}}


@schema.parametrize()
@pytest.mark.parametrize("caller", CALLERS)
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_answers_as_documented(case, caller, world):
    user = _caller(world, caller, case)
    _aim(case, world, user)
    headers = {} if user is None else {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}

    response = case.call_and_validate(headers=headers, checks=CHECKS, **_delete_account_body(case, user))

    # Keyed by the operation; a request sent with another method (schemathesis probes them) says so.
    sent = (
        response.status_code
        if case.method == case.operation.method.upper()
        else f"{case.method} {response.status_code}"
    )
    TALLY.setdefault((case.operation.label, caller), Counter())[sent] += 1
