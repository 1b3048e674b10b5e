# Several seats per auction (issue 17). Existing auctions sell one seat; the reservations app's
# migration counts the seats they have sold.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('auctions', '0002_tick_heartbeat'),
    ]

    operations = [
        migrations.AddField(
            model_name='auction',
            name='seats',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='seats'),
        ),
        migrations.AddField(
            model_name='auction',
            name='seats_sold',
            field=models.PositiveSmallIntegerField(default=0, editable=False, verbose_name='seats sold'),
        ),
        migrations.AddConstraint(
            model_name='auction',
            constraint=models.CheckConstraint(condition=models.Q(('seats__gte', 1), ('seats__lte', 50)), name='auction_seats_range'),
        ),
        migrations.AddConstraint(
            model_name='auction',
            constraint=models.CheckConstraint(condition=models.Q(('seats_sold__gte', 0), ('seats_sold__lte', models.F('seats'))), name='auction_seats_sold_range'),
        ),
    ]
