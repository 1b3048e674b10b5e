"""In-app notifications: who is told what, in whose language, listed, read, and pushed on /ws/me/."""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Studio, User
from accounts.tests.factories import CustomerFactory, ManagerFactory, StudioFactory, UserFactory
from auctions import services as auction_services
from auctions.models import Auction
from auctions.tests.factories import AuctionFactory, make_auction, minutes
from conftest import authenticate
from hothour.asgi import application
from reservations import notifications, services
from reservations.models import Notification, NotificationKind
from reservations.tests.factories import ReservationFactory, grab

LIST = reverse("notification-list")
READ_ALL = reverse("notification-read-all")


def read_url(notification: Notification) -> str:
    return reverse("notification-read", args=[notification.pk])


@dataclass(frozen=True)
class People:
    studio: Studio
    managers: list[User]
    other_studio: Studio
    other_manager: User
    superuser: User
    customer: User
    other_customer: User


@pytest.fixture
def people(db) -> People:
    """A studio with two managers (and a former one), another studio, a superuser, two customers."""
    studio, other_studio = StudioFactory.create(), StudioFactory.create()
    ManagerFactory.create(studio=studio, is_active=False)
    return People(
        studio=studio,
        managers=ManagerFactory.create_batch(2, studio=studio),
        other_studio=other_studio,
        other_manager=ManagerFactory.create(studio=other_studio),
        superuser=UserFactory.create(is_staff=True, is_superuser=True, phone=None, gender=""),
        customer=CustomerFactory.create(),
        other_customer=CustomerFactory.create(),
    )


def notified() -> dict[int, list[str]]:
    """Everyone who has a notification, with the kinds they got in order."""
    kinds: dict[int, list[str]] = defaultdict(list)
    for user_id, kind in Notification.objects.order_by("id").values_list("user_id", "kind"):
        kinds[user_id].append(kind)
    return dict(kinds)


def cancellable_auction(studio: Studio) -> Auction:
    """Open now; the class tomorrow, well before the cancellation cutoff."""
    now = timezone.now()
    return make_auction(
        studio=studio, now=now, start_time=now - minutes(70), scheduled_at=now + timedelta(days=1)
    )


# --- who is told ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_confirmed_goes_to_the_customer_only(people):
    # when
    reservation = grab(people.customer, make_auction(studio=people.studio))

    # then
    assert notified() == {people.customer.pk: [NotificationKind.BOOKING_CONFIRMED]}
    assert Notification.objects.get().data == {
        "reservation_id": reservation.pk,
        "auction_id": reservation.auction_id,
        "title": reservation.auction.title,
        "code": reservation.booking_code,
        "price": str(reservation.locked_price),
        "scheduled_at": reservation.auction.scheduled_at.isoformat(),
    }


@pytest.mark.django_db
def test_customer_cancellation_is_told_to_that_studios_managers_only(people):
    # given
    reservation = grab(people.customer, cancellable_auction(people.studio))

    # when
    services.reservation_cancel_by_customer(user=people.customer, reservation_id=reservation.pk)

    # then: not the other studio's manager, not the superuser, not the customers
    assert notified() == {
        people.customer.pk: [NotificationKind.BOOKING_CONFIRMED],
        people.managers[0].pk: [NotificationKind.CUSTOMER_CANCELLED],
        people.managers[1].pk: [NotificationKind.CUSTOMER_CANCELLED],
    }
    told = Notification.objects.filter(kind=NotificationKind.CUSTOMER_CANCELLED).first()
    assert told is not None
    assert told.data["customer"] == people.customer.full_name
    assert told.data["code"] == reservation.booking_code


@pytest.mark.django_db
def test_studio_cancellation_is_told_to_the_customer_only(people):
    reservation = grab(people.customer, make_auction(studio=people.studio))

    services.reservation_cancel_by_studio(reservation_id=reservation.pk)

    assert notified() == {
        people.customer.pk: [
            NotificationKind.BOOKING_CONFIRMED,
            NotificationKind.RESERVATION_CANCELLED_BY_STUDIO,
        ]
    }


@pytest.mark.django_db
def test_cancelling_a_sold_auction_is_told_to_its_customer_only(people):
    reservation = grab(people.customer, make_auction(studio=people.studio))

    auction_services.auction_cancel(auction_id=reservation.auction_id)

    assert notified() == {
        people.customer.pk: [NotificationKind.BOOKING_CONFIRMED, NotificationKind.AUCTION_CANCELLED]
    }


@pytest.mark.django_db
def test_cancelling_an_unsold_auction_tells_nobody(people):
    auction = make_auction(studio=people.studio)

    auction_services.auction_cancel(auction_id=auction.pk)

    assert notified() == {}


@pytest.mark.django_db
def test_no_show_is_told_to_the_customer_only(people):
    reservation = ReservationFactory.create(
        user=people.customer,
        auction__studio=people.studio,
        auction__now=timezone.now() - timedelta(days=1),
    )

    services.reservation_mark_no_show(reservation_id=reservation.pk)

    assert notified() == {people.customer.pk: [NotificationKind.NO_SHOW]}
    assert Notification.objects.get().data["code"] == reservation.booking_code


@pytest.mark.django_db
def test_auction_ending_unsold_is_told_to_its_own_studios_managers_only(people):
    # given: one unsold auction per studio and a sold one, all closing before `later`
    now = timezone.now()
    unsold = make_auction(studio=people.studio, now=now)
    other_unsold = make_auction(studio=people.other_studio, now=now)
    grab(people.other_customer, make_auction(studio=people.studio, now=now))
    Notification.objects.all().delete()
    later = now + timedelta(hours=3)

    # when
    auction_services.auctions_tick(now=later)

    # then
    unsold_kind = NotificationKind.AUCTION_EXPIRED_UNSOLD
    assert notified() == {
        people.managers[0].pk: [unsold_kind],
        people.managers[1].pk: [unsold_kind],
        people.other_manager.pk: [unsold_kind],
    }
    titles = dict(Notification.objects.values_list("user_id", "data__title"))
    assert titles[people.managers[0].pk] == titles[people.managers[1].pk] == unsold.title
    assert titles[people.other_manager.pk] == other_unsold.title


@pytest.mark.django_db
def test_auction_ending_unsold_is_told_once(people):
    auction = make_auction(studio=people.studio)
    later = auction.end_time + timedelta(minutes=1)
    auction_services.auctions_tick(now=later)

    auction_services.auctions_tick(now=later + timedelta(hours=1))

    assert Notification.objects.count() == len(people.managers)


# --- what they read -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_messages_are_in_english_for_an_english_reader(customer, customer_client):
    reservation = grab(customer, make_auction())

    response = customer_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["kind"] == "BOOKING_CONFIRMED"
    assert row["message"] == (
        f"You got {reservation.auction.title} for {reservation.locked_price}. "
        f"Your code: {reservation.booking_code}."
    )


@pytest.mark.django_db
def test_messages_are_in_turkish_for_a_turkish_reader(customer, customer_client):
    reservation = grab(customer, make_auction())

    response = customer_client.get(LIST, HTTP_ACCEPT_LANGUAGE="tr")

    assert response.json()["results"][0]["message"] == (
        f"{reservation.auction.title} dersini {reservation.locked_price} fiyatla kaptınız. "
        f"Kodunuz: {reservation.booking_code}."
    )


@pytest.mark.django_db
def test_one_notification_reads_in_each_readers_language(customer, customer_client):
    services.reservation_cancel_by_studio(reservation_id=grab(customer, make_auction()).pk)

    english = customer_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["message"]
    turkish = customer_client.get(LIST, HTTP_ACCEPT_LANGUAGE="tr").json()["results"][0]["message"]

    code = Notification.objects.filter(user=customer).first().data["code"]
    title = Notification.objects.filter(user=customer).first().data["title"]
    assert english == f"The studio cancelled your reservation {code} for {title}."
    assert turkish == f"Stüdyo, {title} için {code} rezervasyonunuzu iptal etti."


# --- the list and marking read --------------------------------------------------------------------


def notify_many(user: User, count: int) -> list[Notification]:
    created = []
    for i in range(count):
        created += notifications.notify(
            recipients=[user], kind=NotificationKind.NO_SHOW, data={"title": f"Class {i}"}
        )
    return created


@pytest.mark.django_db
def test_list_is_paginated_newest_first_with_the_unread_count_of_all_pages(customer, customer_client):
    # given: 25 notifications (a page holds 20), one read, and someone else's
    mine = notify_many(customer, 25)
    services.notification_mark_read(user=customer, notification_id=mine[0].pk)
    notify_many(CustomerFactory.create(), 3)

    # when
    first = customer_client.get(LIST).json()
    second = customer_client.get(LIST, {"page": 2}).json()

    # then
    assert first["count"] == second["count"] == 25
    assert first["previous"] is None
    assert first["next"] is not None
    assert [row["id"] for row in first["results"] + second["results"]] == [n.pk for n in reversed(mine)]
    assert first["unread_count"] == second["unread_count"] == 24


@pytest.mark.django_db
def test_list_requires_authentication(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_reading_one_marks_it_read_once(customer, customer_client):
    first, second = notify_many(customer, 2)

    response = customer_client.post(read_url(first))
    again = customer_client.post(read_url(first))

    assert response.status_code == 200
    assert response.json()["id"] == first.pk
    assert response.json()["read_at"] is not None
    assert again.json()["read_at"] == response.json()["read_at"]
    assert customer_client.get(LIST).json()["unread_count"] == 1
    second.refresh_from_db()
    assert second.read_at is None


@pytest.mark.django_db
def test_reading_someone_elses_notification_is_not_found(customer_client):
    (theirs,) = notify_many(CustomerFactory.create(), 1)

    response = customer_client.post(read_url(theirs))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_read_all_marks_only_the_callers_own(customer, customer_client):
    notify_many(customer, 3)
    services.notification_mark_read(user=customer, notification_id=Notification.objects.first().pk)
    theirs = notify_many(CustomerFactory.create(), 2)

    response = customer_client.post(READ_ALL)

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert customer_client.get(LIST).json()["unread_count"] == 0
    assert Notification.objects.filter(pk__in=[n.pk for n in theirs], read_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_a_manager_reads_their_own_notifications(people, api_client):
    reservation = grab(people.customer, cancellable_auction(people.studio))
    services.reservation_cancel_by_customer(user=people.customer, reservation_id=reservation.pk)

    response = authenticate(api_client, people.managers[0]).get(LIST, HTTP_ACCEPT_LANGUAGE="en")

    (row,) = response.json()["results"]
    assert row["kind"] == "CUSTOMER_CANCELLED"
    assert people.customer.full_name in row["message"]
    assert response.json()["unread_count"] == 1


# --- pushed live ----------------------------------------------------------------------------------


async def signed_in(user: User) -> WebsocketCommunicator:
    """`user` on /ws/me/, past the snapshot."""
    token = await sync_to_async(AccessToken.for_user)(user)
    socket = WebsocketCommunicator(
        application, f"/ws/me/?token={token}", headers=[(b"origin", b"http://localhost")]
    )
    assert (await socket.connect())[0]
    assert json.loads(await socket.receive_from(timeout=3))["event"] == "snapshot"
    return socket


async def receive_event(socket: WebsocketCommunicator, event: str) -> dict:
    """The next message of `event`, skipping others (a grab also sends `booking_confirmed`)."""
    for _ in range(5):
        message = json.loads(await socket.receive_from(timeout=3))
        if message["event"] == event:
            return message
    raise AssertionError(f"no {event} received")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_notification_created_is_pushed_to_its_owner_only():
    # given: the customer and someone else, both signed in on /ws/me/
    auction = await sync_to_async(AuctionFactory.create)()
    owner = await sync_to_async(CustomerFactory.create)(language="en")
    other = await sync_to_async(CustomerFactory.create)()
    owner_socket, other_socket = await signed_in(owner), await signed_in(other)

    # when
    reservation, _ = await sync_to_async(services.reservation_create)(user=owner, auction_id=auction.pk)

    # then
    message = await receive_event(owner_socket, "notification_created")
    stored = await sync_to_async(Notification.objects.get)(user=owner)
    assert message["data"]["id"] == stored.pk
    assert message["data"]["kind"] == "BOOKING_CONFIRMED"
    assert message["data"]["data"]["code"] == reservation.booking_code
    assert message["data"]["message"] == (
        f"You got {auction.title} for {reservation.locked_price}. Your code: {reservation.booking_code}."
    )
    assert message["data"]["read_at"] is None
    assert await other_socket.receive_nothing(timeout=0.5)
    await owner_socket.disconnect()
    await other_socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_pushed_message_is_in_the_readers_language_not_the_actors():
    # given: a Turkish-speaking manager signed in, and a customer booked through an English app
    studio = await sync_to_async(StudioFactory.create)()
    manager = await sync_to_async(ManagerFactory.create)(studio=studio, language="tr")
    customer = await sync_to_async(CustomerFactory.create)(full_name="Jane Doe", language="en")
    auction = await sync_to_async(AuctionFactory.create)(
        studio=studio, title="Reformer pilates", scheduled_at=timezone.now() + timedelta(days=1)
    )
    reservation = await sync_to_async(grab)(customer, auction)
    socket = await signed_in(manager)

    # when: the customer cancels, their request speaking English
    def cancel_in_english() -> None:
        with translation.override("en"):
            services.reservation_cancel_by_customer(user=customer, reservation_id=reservation.pk)

    await sync_to_async(cancel_in_english)()

    # then
    message = await receive_event(socket, "notification_created")
    assert message["data"]["message"] == (
        f"Jane Doe, Reformer pilates için {reservation.booking_code} rezervasyonunu iptal etti; "
        "yer yeniden satışta."
    )
    await socket.disconnect()
