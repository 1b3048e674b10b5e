"""A customer's own reservations: listing, cancelling (which relists the spot), and status guards."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from auctions import lifecycle, pricing
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import make_auction, minutes
from conftest import authenticate
from reservations import services
from reservations.models import CancelledBy, Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

LIST = reverse("reservation-list")


def detail_url(reservation: Reservation) -> str:
    return reverse("reservation-detail", args=[reservation.pk])


def cancel_url(reservation: Reservation) -> str:
    return reverse("reservation-cancel", args=[reservation.pk])


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def cancellable_auction(**overrides) -> Auction:
    """Open since 70 minutes (price 450.00, next drop on the close); the class well past the cutoff."""
    now = timezone.now()
    start = now - minutes(70)
    return make_auction(now=now, start_time=start, scheduled_at=start + minutes(120 + 24 * 60), **overrides)


def test_list_shows_only_the_callers_reservations(customer, customer_client):
    mine = [grab(customer, make_auction()), grab(customer, make_auction())]
    grab(None, make_auction())

    response = customer_client.get(LIST)

    assert response.json()["count"] == 2
    assert sorted(ids(response)) == sorted(r.pk for r in mine)


def test_list_splits_upcoming_and_past_classes(customer, customer_client):
    # given: a class in a few hours, one tomorrow, and one that took place yesterday
    later = grab(customer, make_auction())
    tomorrow = grab(customer, cancellable_auction())
    yesterday = ReservationFactory(
        user=customer, status=ReservationStatus.COMPLETED, auction__start_time=timezone.now() - minutes(1500)
    )

    # when
    upcoming = customer_client.get(LIST, {"when": "upcoming"})
    past = customer_client.get(LIST, {"when": "past"})
    everything = customer_client.get(LIST)

    # then
    assert ids(upcoming) == [later.pk, tomorrow.pk]
    assert ids(past) == [yesterday.pk]
    assert sorted(ids(everything)) == sorted([later.pk, tomorrow.pk, yesterday.pk])


def test_list_with_an_unknown_when_is_a_validation_error(customer_client):
    response = customer_client.get(LIST, {"when": "someday"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["when"]


def test_list_requires_authentication(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_detail_of_ones_own_reservation_shows_the_booking_code(customer, customer_client):
    reservation = grab(customer, make_auction())

    response = customer_client.get(detail_url(reservation))

    assert response.status_code == 200
    assert response.json()["booking_code"] == reservation.booking_code


def test_detail_of_another_customers_reservation_is_not_found(customer_client):
    theirs = grab(None, make_auction())

    response = customer_client.get(detail_url(theirs))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_cancel_within_the_cutoff_relists_the_spot_on_its_curve(customer, customer_client, api_client):
    # given
    auction = cancellable_auction()
    reservation = grab(customer, auction)

    # when
    response = customer_client.post(cancel_url(reservation))

    # then: the reservation is cancelled by its customer
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == ReservationStatus.CANCELLED
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.cancelled_by == CancelledBy.CUSTOMER
    assert reservation.cancelled_at is not None
    # and the spot is back on sale at the price of its curve, not the start price
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.current_price == Decimal("450.00")
    assert auction.next_change_at == auction.end_time
    # and someone else can grab it
    regrab = authenticate(api_client, CustomerFactory()).post(LIST, {"auction_id": auction.pk}, format="json")
    assert regrab.status_code == 201, regrab.json()
    assert regrab.json()["locked_price"] == "450.00"
    assert regrab.json()["booking_code"] != reservation.booking_code
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD


def test_cancel_after_the_cutoff_is_refused(settings, customer, customer_client):
    # given: the class starts right at the close, under two hours from now
    assert settings.HOTHOUR_CANCEL_CUTOFF_MINUTES == 120
    now = timezone.now()
    auction = make_auction(now=now, scheduled_at=now + minutes(110))
    reservation = grab(customer, auction)

    # when
    response = customer_client.post(cancel_url(reservation))

    # then
    assert response.status_code == 403
    assert response.json()["code"] == "cancellation_closed"
    reservation.refresh_from_db()
    auction.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING_ON_SITE
    assert auction.status == AuctionStatus.SOLD


def test_cancel_is_open_until_exactly_the_cutoff(settings, customer):
    auction = cancellable_auction()
    cutoff = auction.scheduled_at - minutes(settings.HOTHOUR_CANCEL_CUTOFF_MINUTES)
    reservation = grab(customer, auction)

    with pytest.raises(services.CancellationClosed):
        services.reservation_cancel_by_customer(
            user=customer, reservation_id=reservation.pk, now=cutoff + minutes(1) / 60_000_000
        )
    cancelled = services.reservation_cancel_by_customer(
        user=customer, reservation_id=reservation.pk, now=cutoff
    )

    assert cancelled.status == ReservationStatus.CANCELLED


def test_cancel_twice_is_refused(customer, customer_client):
    reservation = grab(customer, cancellable_auction())
    assert customer_client.post(cancel_url(reservation)).status_code == 200

    response = customer_client.post(cancel_url(reservation))

    assert response.status_code == 409
    assert response.json()["code"] == "reservation_not_cancellable"


def test_cancel_of_another_customers_reservation_is_not_found(customer_client):
    theirs = grab(None, cancellable_auction())

    response = customer_client.post(cancel_url(theirs))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == ReservationStatus.PENDING_ON_SITE


def test_cancel_after_the_auction_window_expires_the_spot(customer):
    # given: sold, and the class is far enough away to cancel after the auction closed
    auction = cancellable_auction()
    reservation = grab(customer, auction)
    after_close = auction.end_time + minutes(1)

    # when
    services.reservation_cancel_by_customer(user=customer, reservation_id=reservation.pk, now=after_close)

    # then
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.EXPIRED
    assert auction.next_change_at is None
    assert auction.current_price == pricing.price_at(pricing.PriceSettings.of(auction), after_close)


def test_a_checked_in_reservation_cannot_be_cancelled(customer, customer_client):
    # given
    reservation = grab(customer, cancellable_auction())
    services.reservation_check_in(reservation_id=reservation.pk)

    # when
    response = customer_client.post(cancel_url(reservation))

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "reservation_not_cancellable"
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert Auction.objects.get(pk=reservation.auction_id).status == AuctionStatus.SOLD
    with pytest.raises(services.ReservationNotCancellable):
        services.reservation_cancel_by_studio(reservation_id=reservation.pk)


def test_a_cancelled_reservation_cannot_be_checked_in(customer):
    reservation = grab(customer, cancellable_auction())
    services.reservation_cancel_by_customer(user=customer, reservation_id=reservation.pk)

    with pytest.raises(services.ReservationWrongStatus) as error:
        services.reservation_check_in(reservation_id=reservation.pk)

    assert error.value.code == "reservation_wrong_status"
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.checked_in_at is None


def test_studio_cancelling_a_reservation_relists_the_spot(customer):
    auction = cancellable_auction()
    reservation = grab(customer, auction)

    services.reservation_cancel_by_studio(reservation_id=reservation.pk)

    reservation.refresh_from_db()
    auction.refresh_from_db()
    assert reservation.cancelled_by == CancelledBy.STUDIO
    assert auction.status == AuctionStatus.ACTIVE
    settings = pricing.PriceSettings.of(auction)
    assert auction.next_change_at == lifecycle.next_change_at(auction.status, settings, timezone.now())


def test_no_show_only_after_the_class_started(customer):
    auction = make_auction()
    reservation = grab(customer, auction)

    with pytest.raises(services.ReservationWrongStatus):
        services.reservation_mark_no_show(reservation_id=reservation.pk)
    services.reservation_mark_no_show(reservation_id=reservation.pk, now=auction.scheduled_at)

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.NO_SHOW
    with pytest.raises(services.ReservationNotCancellable):
        services.reservation_cancel_by_customer(user=customer, reservation_id=reservation.pk)


def test_booking_codes_never_appear_in_auction_responses(api_client, customer):
    # given: a sold auction, and a relisted one whose earlier code was cancelled
    sold = grab(customer, make_auction())
    relisted = grab(customer, cancellable_auction())
    services.reservation_cancel_by_customer(user=customer, reservation_id=relisted.pk)

    # when
    responses = [
        api_client.get(reverse("auction-list")),
        api_client.get(reverse("auction-list"), {"status": "SOLD"}),
        api_client.get(reverse("auction-detail", args=[sold.auction_id])),
        api_client.get(reverse("auction-detail", args=[relisted.auction_id])),
        authenticate(api_client, customer).get(reverse("auction-list")),
    ]

    # then
    for response in responses:
        assert response.status_code == 200
        text = response.content.decode()
        assert sold.booking_code not in text
        assert relisted.booking_code not in text
        assert customer.email not in text
        assert "booking_code" not in text
