"""Every row lock the reservations app takes (after the auction's lock; see auctions.lock_objects)."""

from accounts.models import User

from .models import Reservation, ReservationStatus


def reservation_lock(reservation_id: int) -> Reservation | None:
    return Reservation.objects.select_for_update(of=("self",)).filter(pk=reservation_id).first()


def reservations_lock_live_for_auction(auction_id: int) -> list[Reservation]:
    return list(
        Reservation.objects.select_for_update()
        .filter(auction_id=auction_id)
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by("pk")
    )


def user_lock(user_id: int) -> bool:
    """Serialises one customer's grabs, so the live-reservation cap holds under concurrency."""
    return (
        User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first() is not None
    )
