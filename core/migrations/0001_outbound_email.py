"""OutboundEmail moves here from accounts: the state moves, the rows stay (the table is renamed)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_outbound_email"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundEmail",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("template", models.CharField(max_length=64)),
                        ("to", models.EmailField(max_length=254)),
                        ("context", models.JSONField(default=dict)),
                        ("language", models.CharField(default="tr", max_length=5)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                    ],
                    options={
                        "verbose_name": "outbound email",
                        "verbose_name_plural": "outbound emails",
                        "db_table": "accounts_outboundemail",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("sent_at__isnull", True)),
                                fields=["created_at"],
                                name="outbox_unsent_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Now under core's own name: a rename, so every row (sent or waiting) is kept.
        migrations.AlterModelTable(name="OutboundEmail", table=None),
    ]
