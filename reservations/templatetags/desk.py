"""The desk's "today" on the back office's home page (the same fragment its refresh endpoint sends)."""

import zoneinfo
from typing import Any

from django import template
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.admin_scoping import manager_studio_id
from accounts.models import Studio

from .. import selectors

register = template.Library()

FRAGMENT = "admin/reservations/reservation/desk_today.html"


def desk_zone(request: HttpRequest) -> Any:
    """Today as the manager's studio lives it; a superuser's is the server's time zone."""
    studio_id = manager_studio_id(request)
    studio = Studio.objects.filter(pk=studio_id).first() if studio_id else None
    return timezone.get_current_timezone() if studio is None else zoneinfo.ZoneInfo(studio.timezone)


def render_desk_today(request: HttpRequest) -> str:
    zone = desk_zone(request)
    now = timezone.now()
    today = selectors.desk_today(studio_id=manager_studio_id(request), zone=zone, now=now)
    context = {"today": today, "updated_at": now.astimezone(zone)}
    return render_to_string(FRAGMENT, context, request=request)


@register.simple_tag(takes_context=True)
def desk_today(context: Any) -> SafeString:
    return mark_safe(render_desk_today(context["request"]))  # noqa: S308 - a rendered template
