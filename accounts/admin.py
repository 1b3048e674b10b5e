"""Back office for accounts: superusers manage studios and the people who run them.

A studio manager sees, read-only, only the customers who booked their studio's auctions, and
only their own studio; they can grant nothing.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from .admin_scoping import manager_studio_id
from .models import Studio, User


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreateForm
    ordering = ("email",)
    list_display = ("email", "full_name", "phone", "gender", "is_verified", "is_staff", "studio")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_verified", "gender", "studio")
    search_fields = ("email", "full_name", "phone")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "phone", "gender", "is_verified")}),
        (_("Back office"), {"fields": ("is_active", "is_staff", "is_superuser", "studio", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    filter_horizontal = ("groups",)
    customer_fieldsets = ((None, {"fields": ("email", "full_name", "phone", "gender", "date_joined")}),)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        studio_id = manager_studio_id(request)
        if studio_id is None:
            return queryset
        return queryset.filter(reservations__auction__studio_id=studio_id, is_staff=False).distinct()

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if manager_studio_id(request) is not None:
            return self.customer_fieldsets
        return super().get_fieldsets(request, obj)

    def get_list_display(self, request: HttpRequest) -> Any:
        if manager_studio_id(request) is not None:
            return ("email", "full_name", "phone", "gender")
        return super().get_list_display(request)

    def get_list_filter(self, request: HttpRequest) -> Any:
        if manager_studio_id(request) is not None:
            return ("gender",)
        return super().get_list_filter(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return manager_studio_id(request) is None and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return manager_studio_id(request) is None and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return manager_studio_id(request) is None and super().has_delete_permission(request, obj)


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "timezone")
    search_fields = ("name", "address")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Studio]:
        queryset = super().get_queryset(request)
        studio_id = manager_studio_id(request)
        return queryset if studio_id is None else queryset.filter(pk=studio_id)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj
