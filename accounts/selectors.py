"""Account reads."""

from django.db.models import QuerySet

from .models import Studio


def studio_list() -> QuerySet[Studio]:
    return Studio.objects.order_by("name", "id")
