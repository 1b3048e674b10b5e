"""Who is asking, for the API views of every app."""

from rest_framework.request import Request

from accounts.models import User


def request_user(request: Request) -> User:
    """The signed-in user of a view guarded by `IsAuthenticated`."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by IsAuthenticated
    return user
