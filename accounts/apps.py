from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _keep_managers_group(sender: AppConfig, **kwargs: Any) -> None:
    """After every migrate (and every test flush) the group is back to exactly its permissions."""
    from django.contrib.auth.models import Group, Permission

    from .roles import ensure_managers_group

    ensure_managers_group(Group, Permission)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Registered on the last of the apps the group's permissions come from, so they exist.
        post_migrate.connect(_keep_managers_group, sender=apps.get_app_config("reservations"))
