"""Plain SQL where the ORM is too slow: the grab's hot path and the tick's batch write.

Every hand-written write of the project is here; the apps say which rows and fields, not how.

The ORM compiles every query anew on each call, and one grab ran seven of them (measure with
bench/grab_bench.py). These helpers take the columns from the model's own fields and pass every value
through the field's own conversions (to the database and back), so a model change needs no edit
here. They send no model signals (the project has none) and run on PostgreSQL and SQLite alike.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Field, Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def for_update(*aliases: str) -> str:
    """The row-lock clause for this database: none on SQLite, which locks the whole file instead."""
    if not connection.features.has_select_for_update:
        return ""
    if aliases and connection.features.has_select_for_update_of:
        return " FOR UPDATE OF " + ", ".join(aliases)
    return " FOR UPDATE"


def field(model: type[Model], name: str) -> "Field[Any, Any]":
    return cast("Field[Any, Any]", model._meta.get_field(name))


def column(f: "Field[Any, Any]") -> str:
    assert f.column is not None  # noqa: S101 - concrete fields have a column
    return quote(f.column)


def param(model: type[Model], field_name: str, value: Any) -> Any:
    """A value as the database compares it with this field (SQLite keeps naive UTC datetimes)."""
    return field(model, field_name).get_db_prep_value(value, connection)


@dataclass(frozen=True)
class Columns(Generic[M]):
    """One model's columns under a table alias: the SELECT list, and rows turned back into models."""

    model: type[M]
    sql: str
    names: list[str]
    converters: list[tuple[int, Col, list[Any]]]

    def __len__(self) -> int:
        return len(self.names)

    def build(self, row: Sequence[Any], start: int = 0) -> M:
        values = list(row[start : start + len(self.names)])
        for index, column, converters in self.converters:
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(DEFAULT_DB_ALIAS, self.names, values)


def columns(model: type[M], alias: str) -> Columns[M]:
    return cast(Columns[M], _columns(model, alias, connection.vendor))


@cache
def _columns(model: type[Model], alias: str, _vendor: str) -> Columns[Model]:
    fields = model._meta.concrete_fields
    converters = []
    for index, f in enumerate(fields):
        col = f.get_col(alias)
        found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
        if found:
            converters.append((index, col, found))
    return Columns(
        model=model,
        sql=", ".join(f"{alias}.{column(f)}" for f in fields),
        names=[f.attname for f in fields],
        converters=converters,
    )


def insert(*objs: Model) -> None:
    """INSERT new instances of one model in one statement; each gets its primary key.

    What `save(force_insert=True)` / `bulk_create` would write: defaults and `auto_now_add` set.
    """
    if not objs:
        return
    meta = objs[0]._meta
    pk = meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    fields: list[Field[Any, Any]] = [f for f in meta.concrete_fields if f is not pk]
    params: list[Any] = []
    for obj in objs:
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(column(f) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([row] * len(objs))} RETURNING {column(pk)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for obj, (key,) in zip(objs, keys, strict=True):
        setattr(obj, pk.attname, key)
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def update(obj: Model, field_names: list[str]) -> None:
    """UPDATE these fields of one row, as `save(update_fields=...)` would (`auto_now` set)."""
    meta = obj._meta
    fields = [field(type(obj), name) for name in field_names]
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    assignments = ", ".join(f"{column(f)} = %s" for f in fields)
    assert meta.pk is not None  # noqa: S101 - every concrete model has one
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {column(meta.pk)} = %s"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])


def update_many(objs: Sequence[Model], field_names: list[str]) -> None:
    """UPDATE these fields of many rows of one model in one statement, values as they stand.

    On PostgreSQL one `UPDATE ... FROM (VALUES ...)`: `bulk_update` builds a CASE per field and
    row, an order of magnitude slower for the tick's thousand rows (bench/tick_bench.py).
    Elsewhere `bulk_update`. Like it, values are written as set (no `auto_now`).
    """
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, field_names)
        return
    meta = model._meta
    assert meta.pk is not None  # noqa: S101 - every concrete model has one
    fields = [cast("Field[Any, Any]", meta.pk), *(field(model, name) for name in field_names)]
    row = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields) + ")"
    params: list[Any] = []
    for obj in objs:
        params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    names = [column(f) for f in fields]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model
        f"FROM (VALUES {', '.join([row] * len(objs))}) AS v({', '.join(names)}) "
        f"WHERE t.{names[0]} = v.{names[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
