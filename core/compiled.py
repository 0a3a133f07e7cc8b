"""Querysets whose SQL Django compiles once per process, run again with new values.

Compiling a queryset (its filters, joins and column list) is most of what an ORM query of a few
rows costs in Python: on the rating write, the user's locked ratings took about 0.7 ms a request
to build, compile and load in the worker. ``Compiled`` builds its queryset once per database and
number of arguments, with a marker in place of each argument, keeps the SQL, and from then on only
sends it with the values in the markers' places and makes the instances from the rows, through the
database's converters, as iterating the queryset would (``Model.from_db``).

For plain querysets of one model, selecting its own concrete fields: filters on integer values
(keys), ``order_by``, ``select_for_update``. ``Compiled`` refuses a queryset that selects anything
else (``select_related``, ``only``/``defer``, annotations, ``values()``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

# Markers stand for the arguments while a query is compiled; no real key is negative.
_FIRST_MARKER = -987_654_321


def markers(count: int) -> list[int]:
    """Values to compile a query with in place of ``count`` integer arguments (``places``)."""
    return [_FIRST_MARKER - index for index in range(count)]


def places(compiled_params, count: int) -> tuple:
    """Where the ``count`` arguments go in the parameters a query compiled with ``markers(count)``
    got: ``("arg", index)`` for an argument, ``("const", value)`` for a constant of the query.
    Raises if an argument does not appear exactly once, as it was given."""
    stand_ins = markers(count)
    found = tuple(
        ("arg", stand_ins.index(value)) if value in stand_ins else ("const", value)
        for value in compiled_params
    )
    if sorted(index for kind, index in found if kind == "arg") != list(range(count)):
        raise ValueError("each argument must appear in the query once, as it is")
    return found


def bind(found: tuple, values: Sequence) -> list:
    """The parameters to send: ``values`` in the places ``places`` found."""
    return [values[value] if kind == "arg" else value for kind, value in found]


@dataclass(frozen=True)
class _Shape:
    model: type[Model]
    using: str
    sql: str
    params: tuple  # ("arg", index) or ("const", value)
    fields: list[str]
    converters: dict


class Compiled(Generic[M]):
    """``Compiled(lambda a, b: Model.objects.filter(x=a, y=b).order_by(...))``; then
    ``compiled(1, 2)`` is ``list(Model.objects.filter(x=1, y=2).order_by(...))``. The arguments
    are integers, each used by the builder as it is."""

    def __init__(self, build: Callable[..., QuerySet[M]]):
        self.build = build
        self._shapes: dict[int, _Shape] = {}

    def __call__(self, *values: int) -> list[M]:
        shape = self._shapes.get(len(values)) or self._compile(len(values))
        connection = connections[shape.using]
        params = bind(shape.params, values)
        with connection.cursor() as cursor:
            cursor.execute(shape.sql, params)
            rows = cursor.fetchall()
        if shape.converters:
            rows = [_converted(row, shape.converters, connection) for row in rows]
        model: type[M] = shape.model  # type: ignore[assignment]  # built by self.build
        return [model.from_db(shape.using, shape.fields, row) for row in rows]

    def _compile(self, arity: int) -> _Shape:
        queryset = self.build(*markers(arity))
        using = queryset.db
        compiler = queryset.query.get_compiler(using)
        sql, compiled_params = compiler.as_sql()
        model = queryset.model
        fields = [field.attname for field in model._meta.concrete_fields]
        selected = [
            getattr(getattr(column, "target", None), "attname", None) for column, *_ in compiler.select
        ]
        if (
            selected != fields
            or compiler.klass_info is None
            or compiler.klass_info.get("related_klass_infos")
        ):
            raise ValueError(
                f"Compiled: the {model.__name__} queryset must select the model's own fields only"
            )
        try:
            params = places(compiled_params, arity)
        except ValueError as error:
            raise ValueError(f"Compiled: {error}") from None
        shape = _Shape(
            model=model,
            using=using,
            sql=sql,
            params=params,
            fields=fields,
            converters=compiler.get_converters([column for column, *_ in compiler.select]),
        )
        self._shapes[arity] = shape
        return shape


def _converted(row: tuple, converters: dict, connection) -> list:
    values = list(row)
    for position, (functions, expression) in converters.items():
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values
