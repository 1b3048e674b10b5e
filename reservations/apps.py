from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = _("Reservations")

    def ready(self) -> None:
        # The apps below announce; bookings are ours to act on (DESIGN section 1).
        from accounts import hooks as account_hooks
        from auctions import hooks as auction_hooks
        from core import outbox
        from core.api import health

        from . import calendar, notifications, selectors, services

        auction_hooks.auction_cancelling.connect(services.reservations_cancel_for_auction)
        auction_hooks.auctions_expired.connect(notifications.notify_expired_unsold)
        account_hooks.account_erasing.connect(services.reservations_cancel_before_erasure)
        account_hooks.standing_of.connect(selectors.standing_of)
        account_hooks.sessions_revoked.connect(services.sessions_close)
        outbox.attachments_for.connect(calendar.email_attachments)
        health.reports.connect(selectors.no_show_health_report)
