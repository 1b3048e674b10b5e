"""What auctions announces to the apps built on it (they connect in their AppConfig.ready())."""

from core.hooks import Hook

# auction=Auction, now=datetime: the studio is cancelling the auction; the caller holds its row lock.
# A receiver that frees seats sets `auction.seats_sold` to the seats still held; the caller saves it.
auction_cancelling: Hook[None] = Hook("auctions.auction_cancelling")
# auctions=list[Auction]: the tick has just closed these unsold (inside its transaction).
auctions_expired: Hook[None] = Hook("auctions.auctions_expired")
