"""What each notification says, rendered in the reader's language when it is read."""

from django.utils.translation import gettext as _

from .models import Notification, NotificationKind

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
    NotificationKind.AUCTION_EXPIRED_UNSOLD: lambda d: _("%(title)s ended without a buyer.") % d,
}


def message_of(notification: Notification) -> str:
    return str(MESSAGES[NotificationKind(notification.kind)](notification.data))
