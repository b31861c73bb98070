"""Writing many rows at once with one prepared statement run for every row.

Django's bulk_create and bulk_update build the SQL text value by value (bulk_update as a CASE
expression per field and row), which costs tens of microseconds a row; the publishing engine writes
thousands of rows a second. Only the model's own table and column names go into the SQL text;
every value is a parameter, prepared by its field as the ORM would.

A statement's values are worked out when it is built and sent when it runs, so a caller can build
it before taking a transaction (on SQLite, the one write lock every other writer waits for).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import Field

# Fields whose Python value is already what the database takes (exact types: subclasses such as an
# encrypted text field prepare their values and go through the field).
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BigIntegerField,
    models.BooleanField,
    models.ForeignKey,
)


@dataclass
class Statement:
    """One SQL statement and the parameters of each row it is run for."""

    sql: str
    params: list[list[Any]]

    def run(self) -> None:
        if self.params:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.params)


def _preparer(field: Field[Any, Any], *, add: bool, as_is: bool = False) -> Callable[[Any], Any]:
    """A function from a row to the value this field puts in the SQL parameters."""
    attname = field.attname
    if as_is or (type(field) in _AS_IS and not getattr(field, "auto_now", False)):
        return lambda row: getattr(row, attname)
    if add and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        return lambda row: field.get_db_prep_save(field.pre_save(row, True), connection)
    if type(field) is models.DateTimeField:  # a batch's rows mostly share their times: convert each once
        seen: dict[Any, Any] = {}

        def prepare_time(row: Any) -> Any:
            value = getattr(row, attname)
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            return seen[value]

        return prepare_time
    return lambda row: field.get_db_prep_save(getattr(row, attname), connection)


def _insert_fields(model: type[models.Model]) -> list[Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def insert_columns(model: type[models.Model]) -> list[str]:
    """The attribute names of the columns an INSERT of `model` writes, in the statement's order."""
    return [f.attname for f in _insert_fields(model)]


def insert_statement(
    model: type[models.Model], rows: Sequence[Any], *, prepared: Collection[str] = ()
) -> Statement:
    """INSERT the rows in order (their ids are not read back). A row is a model instance, or any
    object with the model's attribute names (`organization_id` for a foreign key). Attributes named
    in `prepared` already hold the database's form of their value and are sent as they are."""
    fields = _insert_fields(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    prepare = [_preparer(f, add=True, as_is=f.attname in prepared) for f in fields]
    return Statement(sql, [[p(row) for p in prepare] for row in rows])


def update_statement(model: type[models.Model], fields: Sequence[str], rows: Sequence[Any]) -> Statement:
    """UPDATE each row's `fields` to the values the row object holds."""
    columns: list[Field[Any, Any]] = [model._meta.get_field(name) for name in fields]  # type: ignore[misc]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(c.column))} = %s" for c in columns)
    pk = quote(str(model._meta.pk.column))
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    prepare = [_preparer(c, add=False) for c in columns]
    return Statement(sql, [[p(row) for p in prepare] + [row.pk] for row in rows])


def insert_rows(model: type[models.Model], rows: Sequence[Any]) -> None:
    insert_statement(model, rows).run()


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Any]) -> None:
    update_statement(model, fields, rows).run()
