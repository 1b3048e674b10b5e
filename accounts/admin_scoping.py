"""Back-office scoping: a studio manager sees and touches only their own studio's rows.

Superusers see everything. Another studio's object is a 404, whatever URL is typed.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from core.errors import DomainError

from .models import User


def manager_studio_id(request: HttpRequest) -> int | None:
    """The studio a non-superuser staff member runs (None for superusers)."""
    user = request.user
    if not isinstance(user, User) or user.is_superuser:
        return None
    # A staff user without a studio runs nothing: -1 matches no row.
    return user.studio_id or -1


# Fields whose value is a secret: no changelist lookup may touch them, whoever asks (a filter that
# answers "some rows" or "none" reads a secret one character at a time).
SECRET_FIELDS = frozenset({"password", "calendar_token"})
# What the admin's own list filters and date hierarchy put after a field's path in the URL.
FILTER_LOOKUPS = frozenset(
    {"exact", "iexact", "in", "isnull", "gt", "gte", "lt", "lte", "year", "month", "day", "id__exact"}
)


class GuardedLookupsAdmin(admin.ModelAdmin):
    """Changelist lookups typed into the URL: none on a secret, and for a manager only the page's.

    Django allows any lookup on a model's own fields (`?calendar_token__regex=^A`); a manager gets
    exactly the filters the page offers (`list_filter`, `date_hierarchy`; searching is `?q=`).
    """

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if SECRET_FIELDS.intersection(lookup.split(LOOKUP_SEP)):
            return False
        if manager_studio_id(request) is not None and not self._offered_filter(lookup, request):
            return False
        return bool(super().lookup_allowed(lookup, value, request))

    def _offered_filter(self, lookup: str, request: HttpRequest) -> bool:
        paths = [self.date_hierarchy] if self.date_hierarchy else []
        for item in self.get_list_filter(request):
            if isinstance(item, str):
                paths.append(item)
            elif isinstance(item, list | tuple) and isinstance(item[0], str):
                paths.append(item[0])
        return any(
            lookup == path
            or (lookup.startswith(path + LOOKUP_SEP) and lookup[len(path) + 2 :] in FILTER_LOOKUPS)
            for path in paths
        )


class StudioScopedAdmin(GuardedLookupsAdmin):
    """For models reachable from a studio through `studio_path` (e.g. "studio", "auction__studio")."""

    studio_path = "studio"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        studio_id = manager_studio_id(request)
        if studio_id is None:
            return queryset
        return queryset.filter(**{f"{self.studio_path}_id": studio_id})

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect with "does not exist"; outside your studio it simply is not there.
            raise Http404
        return obj

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        studio_id = manager_studio_id(request)
        if obj is None or studio_id is None:
            return True
        owner: Any = obj
        for part in self.studio_path.split("__"):
            owner = getattr(owner, part)
        return bool(owner.pk == studio_id)

    # "%(verb)s: %(count)s thing(s)." in each admin's own words.
    applied_message: Any = ""

    def apply_service(self, request: HttpRequest, queryset: QuerySet[Any], verb: str, run: Any) -> int:
        """Run a service on each selected row; log what it did, skip (and say why) what it refused."""
        done, skipped = 0, []
        for obj in queryset.order_by("pk"):
            try:
                run(obj)
            except DomainError as exc:
                skipped.append(f"{obj}: {exc.detail}")
                continue
            done += 1
            self.log_change(request, obj, verb)
        if done:
            self.message_user(request, str(self.applied_message) % {"verb": verb, "count": done})
        for reason in skipped:
            self.message_user(request, _("Skipped %(reason)s") % {"reason": reason}, messages.WARNING)
        return done

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)
