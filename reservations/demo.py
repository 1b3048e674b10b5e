"""Demo reservations: one customer has grabbed the demo's "sold" auction."""

from accounts.models import Studio, User
from auctions.demo import demo_sold_auction

from . import services


def seed_reservations(studio: Studio, customer: User) -> None:
    auction = demo_sold_auction(studio)
    if auction is not None:
        services.reservation_create(user=customer, auction_id=auction.pk)
