"""The "Studio managers" group with exactly what a manager's back office needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Studio managers"
PERMISSIONS = [
    ("auctions", "view_auction"),
    ("auctions", "add_auction"),
    ("auctions", "change_auction"),
    ("auctions", "delete_auction"),
    ("reservations", "view_reservation"),
    ("reservations", "change_reservation"),
    ("accounts", "view_user"),
    ("accounts", "view_studio"),
]


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    User = apps.get_model("accounts", "User")
    for manager in User.objects.filter(is_staff=True, studio__isnull=False):
        manager.groups.add(group)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auctions", "0001_initial"),
        ("reservations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
