"""Model instances from hand-written SELECTs, for the two hottest reads.

The signed-in user with their membership, organisation and region (every request) and the
contract a submission locks: for each, building the query costs the ORM about ten times
the CPU that the database spends running it (bench/bench_submissions.py). Here the joins
are written by hand, but every column list and every conversion comes from the models'
own `_meta` and the database backend, as the ORM's compiler does it: a field added to a
model is loaded here too, and the tests compare each load with the ORM's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model
from django.db.models.expressions import Col


def select_list(model: type[Model], alias: str, *, using: str = "default") -> str:
    """`alias."col", ...` for the model's concrete fields, in `_meta` order."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def table(model: type[Model], *, using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


def instances(row: Sequence[Any], models: Sequence[type[Model]], *, using: str = "default") -> list[Model | None]:
    """Split a row of `select_list(model)` parts into one instance per model; `None` for
    a model whose primary key is NULL (a LEFT JOIN that found nothing)."""
    connection = connections[using]
    found: list[Model | None] = []
    start = 0
    for model in models:
        fields = model._meta.concrete_fields
        values = list(row[start : start + len(fields)])
        start += len(fields)
        pk_index = fields.index(model._meta.pk)
        if values[pk_index] is None:
            found.append(None)
            continue
        for index, (column, converters) in enumerate(_converters(model, using)):
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        found.append(model.from_db(using, [field.attname for field in fields], values))
    return found


_CONVERTERS: dict[tuple[type[Model], str], list[tuple[Col, list[Callable[..., Any]]]]] = {}


def _converters(model: type[Model], using: str) -> list[tuple[Col, list[Callable[..., Any]]]]:
    """Each concrete field's column with the backend's and the field's converters: what the
    ORM's compiler applies to every value (SQLite's text dates, booleans, decimals, UUIDs)."""
    key = (model, using)
    if key not in _CONVERTERS:
        connection = connections[using]
        columns = [field.get_col(model._meta.db_table) for field in model._meta.concrete_fields]
        _CONVERTERS[key] = [
            (column, [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)])
            for column in columns
        ]
    return _CONVERTERS[key]


def related_cache_set(instance: Model, name: str, value: Model | None) -> None:
    """Remember `value` as `instance.<name>` (a foreign key, a one-to-one or its reverse
    side), as `select_related` does: reading it makes no query, and a reverse one-to-one
    that found no row raises `DoesNotExist` as usual."""
    instance._meta.get_field(name).set_cached_value(instance, value)  # type: ignore[union-attr]
