# Several seats per auction (issue 17). Every existing reservation holds seat 1 (there was one
# live sale per auction); each auction's `seats_sold` is counted from its live reservations; the
# one-live-per-auction constraint gives way to one live sale per seat and one per customer.

from django.db import migrations, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def count_seats_sold(apps, schema_editor):
    Auction = apps.get_model('auctions', 'Auction')
    Reservation = apps.get_model('reservations', 'Reservation')
    live = (
        Reservation.objects.filter(auction=OuterRef('pk'))
        .exclude(status='CANCELLED')
        .order_by()
        .values('auction')
        .annotate(n=Count('pk'))
        .values('n')
    )
    Auction.objects.update(seats_sold=Coalesce(Subquery(live), 0))


class Migration(migrations.Migration):

    dependencies = [
        ('auctions', '0003_auction_seats'),
        ('reservations', '0002_reservation_reminder_sent_at_notification'),
    ]

    operations = [
        migrations.AddField(
            model_name='reservation',
            name='seat_no',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='seat'),
            preserve_default=False,
        ),
        migrations.RunPython(count_seats_sold, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='reservation',
            name='reservation_one_live_per_auction',
        ),
        migrations.AddConstraint(
            model_name='reservation',
            constraint=models.UniqueConstraint(condition=~Q(('status', 'CANCELLED')), fields=('auction', 'seat_no'), name='reservation_one_live_per_seat'),
        ),
        migrations.AddConstraint(
            model_name='reservation',
            constraint=models.UniqueConstraint(condition=~Q(('status', 'CANCELLED')), fields=('auction', 'user'), name='reservation_one_live_per_customer'),
        ),
        migrations.AddConstraint(
            model_name='reservation',
            constraint=models.CheckConstraint(condition=Q(('seat_no__gte', 1)), name='reservation_seat_no_positive'),
        ),
    ]
