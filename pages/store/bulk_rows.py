"""Writing many rows with one prepared statement: no model instances, no per-row query compiling.

For the import's largest writes (search sections, parent links), where building and compiling
thousands of ORM objects cost more than the database's own work. Values go through each field's
`get_db_prep_save`, so JSON and dates are stored exactly as the ORM would store them; no signals are sent
and no ids come back (use `bulk_create` where the ids are needed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model

_PLAIN_TYPES = {
    "CharField", "TextField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SmallIntegerField", "BigIntegerField", "BooleanField", "ForeignKey", "AutoField", "BigAutoField",
}  # fmt: skip


def _prepared(model: type[Model], names: Sequence[str], rows: Iterable[Sequence]) -> list[tuple]:
    fields = [model._meta.get_field(name) for name in names]
    plain = all(field.get_internal_type() in _PLAIN_TYPES for field in fields)
    if plain:
        return [tuple(row) for row in rows]
    return [
        tuple(field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True))
        for row in rows
    ]


def insert_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT one row per item of `rows`, each giving the values of the fields `names`, in order."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
    values = _prepared(model, names, rows)
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)


def update_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UPDATE one row per item of `rows`: the values of the fields `names`, then the primary key."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in names)
    key = quote(model._meta.pk.column)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {key} = %s"  # noqa: S608 - names from the model
    values = _prepared(model, [*names, model._meta.pk.name], rows)
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)
