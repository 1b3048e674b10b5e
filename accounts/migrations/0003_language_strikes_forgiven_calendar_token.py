"""Email language, suspension lifting and the private calendar feed token (unique per user, filled for existing rows)."""

import secrets

from django.db import migrations, models

import accounts.models


def fill_tokens(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(calendar_token__isnull=True).only("pk"):
        user.calendar_token = secrets.token_urlsafe(32)
        user.save(update_fields=["calendar_token"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_studio_managers_group")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                choices=[("tr", "Türkçe"), ("en", "English")], default="tr", max_length=5, verbose_name="language"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="strikes_forgiven_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="no-show strikes forgiven at"),
        ),
        migrations.AddField(
            model_name="user",
            name="calendar_token",
            field=models.CharField(editable=False, max_length=43, null=True, verbose_name="calendar feed token"),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="calendar_token",
            field=models.CharField(
                default=accounts.models.new_calendar_token,
                editable=False,
                max_length=43,
                unique=True,
                verbose_name="calendar feed token",
            ),
        ),
    ]
