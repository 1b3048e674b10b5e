"""core.sql on PostgreSQL: what the plain-SQL helpers write and read is what the ORM would."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Studio
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory
from core import sql
from core.models import OutboundEmail

pytestmark = pytest.mark.django_db

SENT_AT = datetime(2027, 1, 15, 23, 30, tzinfo=UTC)


def values(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def stored(obj: Model) -> dict[str, Any]:
    """The row of `obj` as the ORM reads it back."""
    return values(type(obj)._default_manager.get(pk=obj.pk))


def email(**fields: Any) -> OutboundEmail:
    return OutboundEmail(**{"template": "verify_email", "to": "jane@example.com", "context": {}, **fields})


def test_insert_writes_every_object_in_one_statement_and_sets_their_primary_keys():
    # given: JSON, a nullable datetime and defaults to convert
    emails = [email(context={"name": "Jane", "steps": [1, 2]}, language="en"), email(sent_at=SENT_AT)]

    # when
    with CaptureQueriesContext(connection) as queries:
        sql.insert(*emails)

    # then
    assert len(queries) == 1
    assert all(e.pk is not None and not e._state.adding for e in emails)
    assert emails[0].pk != emails[1].pk
    assert [stored(e) for e in emails] == [values(e) for e in emails]


def test_insert_sets_auto_now_fields_as_save_would():
    auction = AuctionFactory.build(studio=Studio.objects.create(name="Moda", address="Kadıköy"))
    assert auction.updated_at is None

    sql.insert(auction)

    assert auction.updated_at is not None
    assert stored(auction) == values(auction)


def test_update_writes_only_the_named_fields_of_that_one_row():
    # given
    changed, untouched = email(), email()
    sql.insert(changed, untouched)
    changed.context, changed.attempts, changed.last_error = {"name": "Ali"}, 3, "left unsaved"

    # when
    sql.update(changed, ["context", "attempts"])

    # then
    row = stored(changed)
    assert (row["context"], row["attempts"], row["last_error"]) == ({"name": "Ali"}, 3, "")
    assert stored(untouched) == values(untouched)


def test_update_sets_auto_now_fields_as_save_would():
    auction = AuctionFactory.create()
    long_ago = timezone.now() - timedelta(days=30)
    Auction.objects.filter(pk=auction.pk).update(updated_at=long_ago)

    auction.title = "Barre burn"
    sql.update(auction, ["title", "updated_at"])

    row = stored(auction)
    assert row["title"] == "Barre burn"
    assert row["updated_at"] > long_ago


def test_update_many_writes_every_row_in_one_statement():
    # given: each row with values of its own, a NULL among them
    emails = [email() for _ in range(3)]
    sql.insert(*emails)
    for n, e in enumerate(emails):
        e.context, e.attempts, e.last_error = {"n": n}, n, f"error {n}"
        e.sent_at = SENT_AT + timedelta(days=n) if n else None

    # when
    with CaptureQueriesContext(connection) as queries:
        sql.update_many(emails, ["context", "sent_at", "attempts", "last_error"])

    # then
    assert len(queries) == 1
    assert [stored(e) for e in emails] == [values(e) for e in emails]


def test_update_many_writes_values_as_they_stand_without_auto_now():
    # given: the tick's fields, its own instant as `updated_at`
    auctions = AuctionFactory.create_batch(2)
    ticked_at = timezone.now() - timedelta(minutes=5)
    for auction, price in zip(auctions, ["350.50", "100.00"], strict=True):
        auction.status, auction.current_price = AuctionStatus.EXPIRED, Decimal(price)
        auction.next_change_at, auction.updated_at = None, ticked_at

    # when
    sql.update_many(auctions, ["status", "current_price", "next_change_at", "updated_at"])

    # then
    assert [stored(a) for a in auctions] == [values(a) for a in auctions]


def test_nothing_to_insert_or_update_runs_no_statement():
    with CaptureQueriesContext(connection) as queries:
        sql.insert()
        sql.update_many([], ["attempts"])

    assert len(queries) == 0


def test_columns_read_joined_rows_back_into_models_through_the_field_conversions():
    # given
    auction = AuctionFactory.create(turbo=True)
    email_row = email(context={"ics_reservation_id": 7}, sent_at=SENT_AT)
    sql.insert(email_row)
    a, s, e = sql.columns(Auction, "a"), sql.columns(Studio, "s"), sql.columns(OutboundEmail, "e")

    # when
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {a.sql}, {s.sql}, {e.sql} FROM {sql.quote(Auction._meta.db_table)} a "  # noqa: S608
            f"JOIN {sql.quote(Studio._meta.db_table)} s ON s.id = a.studio_id, "
            f"{sql.quote(OutboundEmail._meta.db_table)} e WHERE a.id = %s AND e.id = %s",
            [auction.pk, email_row.pk],
        )
        row = cursor.fetchone()
    built = [a.build(row), s.build(row, len(a)), e.build(row, len(a) + len(s))]

    # then
    assert [values(obj) for obj in built] == [stored(auction), stored(auction.studio), stored(email_row)]
    assert built[2].context == {"ics_reservation_id": 7}
    assert not any(obj._state.adding for obj in built)


def test_the_row_lock_clause_and_parameters_on_postgresql():
    assert sql.for_update() == " FOR UPDATE"
    assert sql.for_update("a", "s") == " FOR UPDATE OF a, s"
    assert sql.param(Auction, "scheduled_at", SENT_AT) == SENT_AT
