"""`manage.py seed_demo`: demo data for the embedded run; safe to run again."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, seed_accounts
from auctions.demo import seed_auctions
from reservations.demo import seed_reservations


class Command(BaseCommand):
    help = (
        "Create the demo studio, its manager, an admin, verified customers and auctions in every "
        "state (idempotent: what exists and is still current is left alone)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.HOTHOUR_DEMO_DATA:
            raise CommandError(
                "seed_demo runs only in development: its accounts share a published password "
                "(HOTHOUR_DEMO_DATA is off, as it always is in production)."
            )
        accounts = seed_accounts()
        auctions = seed_auctions(accounts.studio)
        seed_reservations(accounts.studio, accounts.customers)
        self.stdout.write(self.style.SUCCESS(f"Demo studio: {accounts.studio.name}"))
        self.stdout.write(f"Demo auctions created now: {len(auctions)}")
        self.stdout.write(f"All demo logins use the password {DEMO_PASSWORD}")
        self.stdout.write(f"  superuser (admin):       {accounts.admin.email}")
        self.stdout.write(f"  studio manager (admin):  {accounts.manager.email}")
        for customer in accounts.customers:
            self.stdout.write(f"  customer ({customer.gender.lower():6}, API): {customer.email}")
