"""What auctions announces to the apps built on it (they connect in their AppConfig.ready())."""

from decimal import Decimal

from core.hooks import Hook

# auction=Auction, now=datetime: the studio is cancelling the auction; the caller holds its row lock.
# A receiver that frees seats sets `auction.seats_sold` to the seats still held; the caller saves it.
auction_cancelling: Hook[None] = Hook("auctions.auction_cancelling")
# auctions=list[Auction]: the tick has just closed these unsold (inside its transaction).
auctions_expired: Hook[None] = Hook("auctions.auctions_expired")
# auctions=list[Auction], now=datetime: the tick has just brought these auctions to `now` and
# holds their row locks; receivers act on what the new price reached (standing orders fill here).
# A receiver that books a seat saves the auction's seat count and status itself.
auctions_stepped: Hook[int] = Hook("auctions.auctions_stepped")
# auction=Auction: the demand its watchers have named, as (alert price, how many watch at it),
# highest price first; counts only, never who (the back office's demand curve).
auction_watch_demand: Hook[list[tuple[Decimal, int]]] = Hook("auctions.auction_watch_demand")
