"""What each notification says, rendered in the reader's language when it is read."""

from typing import Any

from django.utils.translation import gettext as _

from .models import Notification, NotificationKind


def _expired(d: dict[str, Any]) -> str:
    # Older notifications carry no seats: they were of one-seat auctions that sold nothing.
    if d.get("seats_left", 1) < d.get("seats", 1):
        return (
            _("%(title)s closed with %(seats_left)s of %(seats)s seats unsold; the seats sold stay booked.")
            % d
        )
    return _("%(title)s ended without a buyer.") % d


MESSAGES = {
    NotificationKind.BOOKING_CONFIRMED: lambda d: (
        _("You got %(title)s for %(price)s. Your code: %(code)s.") % d
    ),
    NotificationKind.RESERVATION_CANCELLED_BY_STUDIO: lambda d: (
        _("The studio cancelled your reservation %(code)s for %(title)s.") % d
    ),
    NotificationKind.AUCTION_CANCELLED: lambda d: (
        _("%(title)s was cancelled by the studio; you pay nothing.") % d
    ),
    NotificationKind.NO_SHOW: lambda d: _("You were marked as a no-show for %(title)s.") % d,
    NotificationKind.BOOKING_SUSPENDED: lambda d: (
        _("Booking is suspended after %(strikes)s no-shows, until %(until)s.") % d
    ),
    NotificationKind.CUSTOMER_CANCELLED: lambda d: (
        _("%(customer)s cancelled %(code)s for %(title)s; the spot is back on sale.") % d
    ),
    NotificationKind.AUCTION_EXPIRED_UNSOLD: _expired,
}


def message_of(notification: Notification) -> str:
    return str(MESSAGES[NotificationKind(notification.kind)](notification.data))
