"""`manage.py seed_demo`: demo data for the embedded run; safe to run again."""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.demo import DEMO_PASSWORD, seed_accounts
from auctions.demo import seed_auctions
from core.operator import OperatorCommand
from reservations.demo import seed_reservations


class Command(OperatorCommand):
    help = (
        "Create the demo studio, its manager, an admin, verified customers and auctions in every "
        "state (idempotent: what exists and is still current is left alone)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.HOTHOUR_DEMO_DATA:
            raise CommandError(
                _(
                    "seed_demo runs only in development: its accounts share a published password "
                    "(HOTHOUR_DEMO_DATA is off, as it always is in production)."
                )
            )
        accounts = seed_accounts()
        auctions = seed_auctions(accounts.studio)
        seed_reservations(accounts.studio, accounts.customers)
        self.stdout.write(self.style.SUCCESS(_("Demo studio: %(name)s") % {"name": accounts.studio.name}))
        self.stdout.write(_("Demo auctions created now: %(count)s") % {"count": len(auctions)})
        self.stdout.write(_("All demo logins use the password %(password)s") % {"password": DEMO_PASSWORD})
        self.stdout.write("  " + _("superuser (admin): %(email)s") % {"email": accounts.admin.email})
        self.stdout.write("  " + _("studio manager (admin): %(email)s") % {"email": accounts.manager.email})
        for customer in accounts.customers:
            facts = {"gender": customer.get_gender_display(), "email": customer.email}
            self.stdout.write("  " + _("customer (%(gender)s, API): %(email)s") % facts)
