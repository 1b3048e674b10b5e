"""In-app notifications: who is told what, pushed live on `/ws/me/` after commit.

Each notification stores its kind and the values its text needs; the text is rendered in the
reader's language when read, so one row serves a Turkish and an English client alike.
"""

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from accounts.models import User
from auctions import events
from auctions.models import Auction
from core import sql

from .api.serializers import NotificationSerializer
from .models import Notification, NotificationKind, Reservation

# Built once: a serializer per notification was paid on the grab and for every alert of a tick.
_NOTIFICATION_SHAPE = NotificationSerializer()


def notification_data(notification: Notification) -> dict[str, Any]:
    """A notification as its owner reads it: the API's shape, pushed on `/ws/me/` as well."""
    return dict(_NOTIFICATION_SHAPE.to_representation(notification))


def reservation_facts(reservation: Reservation) -> dict[str, Any]:
    return {
        "reservation_id": reservation.pk,
        "auction_id": reservation.auction_id,
        "title": reservation.auction.title,
        "code": reservation.booking_code,
        "price": str(reservation.locked_price),
        "scheduled_at": reservation.auction.scheduled_at.isoformat(),
    }


def notify(*, recipients: Iterable[User], kind: str, data: dict[str, Any]) -> list[Notification]:
    """Create one notification per recipient and push each to its owner after commit."""
    return notify_each([(user, kind, data) for user in recipients])


def notify_each(told: list[tuple[User, str, dict[str, Any]]]) -> list[Notification]:
    """Create a notification for each `(recipient, kind, data)`, in one insert, and push each to
    its owner after commit."""
    created = [Notification(user_id=user.pk, kind=kind, data=data) for user, kind, data in told]
    sql.insert(*created)  # the grab's hot path: no query compiler
    _push(created, {user.pk: user.language for user, _, _ in told})
    return created


def _push(created: list[Notification], languages: dict[int, str]) -> None:
    """Send each new notification to its owner, its text in their language (not the actor's)."""
    messages: list[events.Message] = []
    for n in created:
        with translation.override(languages[n.user_id]):
            messages.append(([events.user_group(n.user_id)], "notification_created", notification_data(n)))
    events.send_many(messages)


def studio_managers(studio_id: int) -> list[User]:
    """The managers of this studio only (not every admin of every studio)."""
    return list(
        User.objects.filter(studio_id=studio_id, is_staff=True, is_active=True).only("pk", "language")
    )


def notify_expired_unsold(auctions: list[Auction]) -> None:
    """The tick closed these auctions with seats unsold: tell each one's studio managers, in one insert."""
    managers: dict[int, list[User]] = {}
    notifications = []
    for auction in auctions:
        if auction.studio_id not in managers:
            managers[auction.studio_id] = studio_managers(auction.studio_id)
        data = {
            "auction_id": auction.pk,
            "title": auction.title,
            "seats": auction.seats,
            "seats_left": auction.seats_left,
        }
        notifications += [
            Notification(user_id=user.pk, kind=NotificationKind.AUCTION_EXPIRED_UNSOLD, data=data)
            for user in managers[auction.studio_id]
        ]
    languages = {user.pk: user.language for users in managers.values() for user in users}
    _push(Notification.objects.bulk_create(notifications), languages)
