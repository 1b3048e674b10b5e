"""The "Studio managers" group: exactly the permissions a manager's back office needs."""

from typing import Any

MANAGERS_GROUP = "Studio managers"
MANAGER_PERMISSIONS = [
    ("auctions", "view_auction"),
    ("auctions", "add_auction"),
    ("auctions", "change_auction"),
    ("auctions", "delete_auction"),
    ("reservations", "view_reservation"),
    ("reservations", "change_reservation"),
    ("accounts", "view_user"),
    ("accounts", "view_studio"),
]


def ensure_managers_group(group_model: Any, permission_model: Any) -> Any:
    """Create the group or reset it to exactly MANAGER_PERMISSIONS (models may be historical)."""
    group, _ = group_model.objects.get_or_create(name=MANAGERS_GROUP)
    permissions = [
        permission_model.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in MANAGER_PERMISSIONS
    ]
    group.permissions.set(permissions)
    return group
