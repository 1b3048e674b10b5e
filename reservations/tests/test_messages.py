"""reservations.messages: what each notification says, in the reader's language."""

import pytest
from django.utils import translation

from reservations import messages
from reservations.models import Notification, NotificationKind

FACTS = {
    "title": "Reformer pilates",
    "code": "HOT-ABC234",
    "price": "390.00",
    "customer": "Ayşe Yılmaz",
    "strikes": 3,
    "until": "2027-02-24",
}


@pytest.mark.parametrize(
    ("kind", "english"),
    [
        (NotificationKind.BOOKING_CONFIRMED, "You got Reformer pilates for 390.00. Your code: HOT-ABC234."),
        (
            NotificationKind.RESERVATION_CANCELLED_BY_STUDIO,
            "The studio cancelled your reservation HOT-ABC234 for Reformer pilates.",
        ),
        (
            NotificationKind.AUCTION_CANCELLED,
            "Reformer pilates was cancelled by the studio; you pay nothing.",
        ),
        (NotificationKind.NO_SHOW, "You were marked as a no-show for Reformer pilates."),
        (NotificationKind.BOOKING_SUSPENDED, "Booking is suspended after 3 no-shows, until 2027-02-24."),
        (
            NotificationKind.CUSTOMER_CANCELLED,
            "Ayşe Yılmaz cancelled HOT-ABC234 for Reformer pilates; the spot is back on sale.",
        ),
        (NotificationKind.AUCTION_EXPIRED_UNSOLD, "Reformer pilates ended without a buyer."),
    ],
)
def test_every_kind_has_its_english_message(kind, english):
    with translation.override("en"):
        assert messages.message_of(Notification(kind=kind, data=FACTS)) == english


def test_every_kind_of_notification_has_a_message():
    assert set(messages.MESSAGES) == set(NotificationKind)


def test_a_message_is_rendered_in_the_active_language():
    notification = Notification(kind=NotificationKind.AUCTION_EXPIRED_UNSOLD, data=FACTS)

    with translation.override("tr"):
        turkish = messages.message_of(notification)
    with translation.override("en"):
        english = messages.message_of(notification)

    assert english == "Reformer pilates ended without a buyer."
    assert turkish == "Reformer pilates alıcı bulamadan bitti."
