"""Back office for accounts: superusers manage studios and the people who run them.

A studio manager sees, read-only, only the customers who booked their studio's auctions, and
only their own studio; they can grant nothing.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_scoping import GuardedLookupsAdmin, manager_studio_id
from .models import Studio, User


class EmailAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login, authenticating with `email=`, the user model's USERNAME_FIELD.

    Django's form passes the address as `username=`, but django-axes reads the USERNAME_FIELD from
    the credentials: it would count failures against no account and let the right password in
    after the limit, answering 429 only to wrong ones (a perfect guessing oracle).
    """

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = EmailAdminAuthenticationForm


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(UserChangeForm):
    """A customer's gender decides which classes they may book: changing it takes a reason."""

    gender_change_reason = forms.CharField(
        label=_("Reason for the gender change"),
        required=False,
        max_length=200,
        help_text=_("Required when the gender changes; kept in the admin log."),
    )

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "gender" in self.changed_data and not (cleaned.get("gender_change_reason") or "").strip():
            self.add_error("gender_change_reason", _("Say why the gender changes."))
        return cleaned


@admin.register(User)
class UserAdmin(GuardedLookupsAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("email",)
    list_display = ("email", "full_name", "phone", "gender", "is_verified", "is_staff", "studio")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_verified", "gender", "studio")
    search_fields = ("email", "full_name", "phone")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "phone", "gender", "gender_change_reason", "is_verified")}),
        (_("Back office"), {"fields": ("is_active", "is_staff", "is_superuser", "studio", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    filter_horizontal = ("groups",)
    actions = ["lift_booking_suspension"]
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

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None and manager_studio_id(request) is not None:
            kwargs["form"] = UserChangeForm  # read-only for a manager: no reason to ask for
        return super().get_form(request, obj, change=change, **kwargs)

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

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "gender" in form.changed_data:
            reason = form.cleaned_data["gender_change_reason"].strip()
            self.log_change(
                request,
                obj,
                f"Gender changed from {form.initial.get('gender') or '-'} to {obj.gender or '-'}: {reason}",
            )
        if obj.is_staff and obj.studio_id is not None:
            # Linking a staff user to a studio makes them its manager, with the managers' permissions.
            services.manager_join_group(user=obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if manager_studio_id(request) is not None:
            actions.pop("lift_booking_suspension", None)
        return actions

    @admin.action(description=_("Lift booking suspension (forgive past no-shows)"), permissions=["change"])
    def lift_booking_suspension(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_forgive_strikes(user=user)
            self.log_change(request, user, "Lifted booking suspension")
        self.message_user(
            request, _("Past no-shows no longer count for %(count)s user(s).") % {"count": len(queryset)}
        )


@admin.register(Studio)
class StudioAdmin(GuardedLookupsAdmin):
    list_display = ("name", "address", "timezone")
    # A link typed without a scheme is https (Django 6's default; silences its deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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
