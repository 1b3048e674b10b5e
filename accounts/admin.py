"""Back office for accounts: superusers manage studios and the people who run them."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

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


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "timezone")
    search_fields = ("name", "address")
