"""Helpers of the back-office tests: two studios, each run by a manager of the "Studio managers" group."""

from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Studio, User
from accounts.tests.factories import DEFAULT_PASSWORD, StudioFactory


@dataclass(frozen=True)
class TwoStudios:
    a: Studio
    b: Studio
    manager_a: User
    manager_b: User


def two_studios() -> TwoStudios:
    """Studios A and B, each with a manager made the way the back office makes them (in the group)."""
    a, b = StudioFactory.create(name="Alpha Pilates"), StudioFactory.create(name="Bravo Yoga")
    return TwoStudios(
        a=a,
        b=b,
        manager_a=services.manager_create(
            email="manager.a@example.com", full_name="Ayla Alpha", password=DEFAULT_PASSWORD, studio=a
        ),
        manager_b=services.manager_create(
            email="manager.b@example.com", full_name="Burak Bravo", password=DEFAULT_PASSWORD, studio=b
        ),
    )


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def admin_url(model: Any, view: str, *args: Any) -> str:
    """`admin_url(Auction, "change", pk)` -> /admin/auctions/auction/<pk>/change/."""
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def object_urls(obj: Any) -> list[str]:
    """Every admin page of one object: a manager of another studio must get a 404 on each."""
    return [admin_url(type(obj), view, obj.pk) for view in ("change", "history", "delete")]


def run_action(client: Client, model: Any, action: str, *objects: Any) -> Any:
    """POST the changelist's action form with `objects` ticked, as the browser does."""
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects], "index": 0},
    )


def messages_of(response: Any) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def log_entries(user: User, obj: Any) -> list[LogEntry]:
    return list(LogEntry.objects.filter(user=user, object_id=str(obj.pk)).order_by("pk"))
