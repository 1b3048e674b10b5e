"""What accounts announces to the apps built on it (they connect in their AppConfig.ready())."""

from datetime import datetime
from typing import Any, TypedDict

from core.hooks import Hook


class Standing(TypedDict):
    """A customer's booking standing, as shown on `auth/me/`."""

    strikes: int
    until: datetime | None


# user=User, now=datetime → Standing; no receiver means a clean record.
standing_of: Hook[Standing] = Hook("accounts.standing_of")


def standing(*, user: Any, now: datetime) -> Standing:
    """The customer's standing as the app that keeps bookings answers it (a clean record if none)."""
    answers = standing_of.call(user=user, now=now)
    return answers[0] if answers else Standing(strikes=0, until=None)


# user=User: an account is about to be erased (inside the deletion's transaction).
account_erasing: Hook[None] = Hook("accounts.account_erasing")
# user=User: the user's sessions were revoked (logout, password change or reset, deletion);
# called inside the transaction, so what it sends should go after commit.
sessions_revoked: Hook[None] = Hook("accounts.sessions_revoked")
