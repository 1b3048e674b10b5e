"""The "Studio managers" group with exactly what a manager's back office needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import MANAGERS_GROUP, ensure_managers_group


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group = ensure_managers_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
    User = apps.get_model("accounts", "User")
    for manager in User.objects.filter(is_staff=True, studio__isnull=False):
        manager.groups.add(group)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MANAGERS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auctions", "0001_initial"),
        ("reservations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
