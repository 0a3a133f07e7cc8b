"""Querysets whose SQL Django compiles once per process, run again with new values.

Compiling a queryset (its filters, joins and column list) is most of what an ORM query of a few
rows costs in Python: on the rating write, the user's locked ratings took about 0.7 ms a request
to build, compile and load in the worker. ``Compiled`` builds its queryset once per database and
number of arguments, with a marker in place of each argument, keeps the SQL, and from then on only
sends it with the values in the markers' places and makes the instances from the rows, through the
database's converters, as iterating the queryset would (``Model.from_db``).

For plain querysets of one model, selecting its own concrete fields: filters on integer values
(keys), ``order_by``, ``select_for_update``. ``Compiled`` refuses a queryset that selects anything
else (``select_related``, ``only``/``defer``, annotations, ``values()``). ``CompiledRows`` does
the same for ``values_list()`` querysets (and unions of them) whose columns need no converting.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, overload

from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import Field, Model, Q, QuerySet, signals
from django.db.models.constants import OnConflict
from django.db.models.query import ValuesListIterable
from django.db.models.sql import InsertQuery, UpdateQuery

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


class CompiledRows:
    """``CompiledRows(lambda a, b, *c: queryset)`` for a ``values_list()`` queryset, or a union of
    them: ``compiled(1, 2, 3)`` is ``list(queryset)`` of the queryset built with those values,
    its SQL compiled once per number of arguments. The arguments are integers, each appearing in
    the query exactly once (give an argument used twice twice). Its columns must be ones the
    database answers as Python has them (keys, integers, text): a queryset whose columns need
    Django's converters (dates, decimals, JSON) is refused."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._shapes: dict[int, tuple[str, str, tuple]] = {}

    def __call__(self, *values: int) -> list[tuple]:
        shape = self._shapes.get(len(values)) or self._compile(len(values))
        using, sql, params = shape
        with connections[using].cursor() as cursor:
            cursor.execute(sql, bind(params, values))
            return [tuple(row) for row in cursor.fetchall()]

    def _compile(self, arity: int) -> tuple[str, str, tuple]:
        queryset = self.build(*markers(arity))
        using = queryset.db
        if not issubclass(queryset._iterable_class, ValuesListIterable):
            raise ValueError("CompiledRows: the queryset must be a values_list() one")
        query = queryset.query
        for part in [query, *query.combined_queries]:
            compiler = part.get_compiler(using)
            compiler.setup_query()
            if compiler.get_converters([column for column, *_ in compiler.select]):
                raise ValueError("CompiledRows: a column needs Django's converters")
        sql, compiled_params = query.get_compiler(using).as_sql()
        try:
            shape = (using, sql, places(compiled_params, arity))
        except ValueError as error:
            raise ValueError(f"CompiledRows: {error}") from None
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


# --- writes of one instance ------------------------------------------------------------------------
#
# ``insert(instance)`` and ``update(instance, fields)`` are ``instance.save()`` of a new instance and
# ``instance.save(update_fields=fields)``: the same statement, its SQL compiled by Django once per
# model, fields and database, and sent again with each instance's values, prepared by its fields
# as Django prepares them (``pre_save``, ``get_db_prep_save``). For plain models: where ``save``
# would do more (a pre_save or post_save receiver, a parent model, an expression as a value), they
# call ``save`` itself.

# By (model, database, fields, if_new): an INSERT's SQL, the fields it returns and their converters.
_INSERTS: dict[tuple, tuple[str, list, dict]] = {}
# By (model, database, fields): an UPDATE's SQL and where the key goes among its parameters.
_UPDATES: dict[tuple, tuple[str, tuple]] = {}


def _plain(model: type[Model]) -> bool:
    meta = model._meta
    return not (
        meta.parents
        or meta.proxy
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    )


@overload
def insert(instance: M, *, using: str | None = None) -> M: ...


@overload
def insert(instance: M, *, using: str | None = None, if_new: Literal[True]) -> M | None: ...


def insert(instance: M, *, using: str | None = None, if_new: bool = False) -> M | None:
    """``instance.save(force_insert=True)`` of a new instance (as ``Model.objects.create`` saves
    it); the key (unless it was set) and the other fields the database returns are set on it.
    Returns ``instance``.

    ``if_new``: None instead, and nothing inserted, when a unique constraint already holds such a
    row (``INSERT ... ON CONFLICT DO NOTHING``, SQLite's ``INSERT OR IGNORE``, which also skips
    a row that a NOT NULL or CHECK constraint refuses): no savepoint is needed to go on after it,
    as one is after an ``IntegrityError``. Where the database cannot say so in the INSERT's
    answer, or ``save`` must run, the insert runs in a savepoint and an ``IntegrityError`` is
    answered with None."""
    model = type(instance)
    meta = model._meta
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    if not _plain(model) or (if_new and not connection.features.can_return_columns_from_insert):
        return _saved(instance, using, if_new)
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    key_set = instance.pk is not None  # a key taken beforehand (core.sequences) is inserted too
    fields = [
        field
        for field in meta.local_concrete_fields
        if not field.generated and (key_set or field is not meta.auto_field)
    ]
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return _saved(instance, using, if_new)
    sql, returning, converters = _insert_shape(model, using, fields, instance, if_new)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            row = cursor.fetchone()
            if row is None:  # if_new: the row was there already
                return None
        else:
            row = (connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column),)
    if converters:
        row = _converted(row, converters, connection)
    for field, value in zip(returning or [meta.pk], row, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = using
    return instance


def _saved(instance: M, using: str, if_new: bool) -> M | None:
    """``insert`` by ``save``: in a savepoint when ``if_new``, None for an ``IntegrityError``."""
    if not if_new:
        instance.save(force_insert=True, using=using)
        return instance
    try:
        with transaction.atomic(using=using):
            instance.save(force_insert=True, using=using)
    except IntegrityError:
        return None
    return instance


def _insert_shape(
    model, using: str, fields: list, instance: Model, if_new: bool = False
) -> tuple[str, list, dict]:
    key = (model, using, tuple(field.attname for field in fields), if_new)
    shape = _INSERTS.get(key)
    if shape is None:
        connection = connections[using]
        query = InsertQuery(model, on_conflict=OnConflict.IGNORE if if_new else None)
        query.insert_values(fields, [instance])
        compiler = query.get_compiler(using)
        returning = list(model._meta.db_returning_fields)
        if not connection.features.can_return_columns_from_insert:
            returning = []
        compiler.returning_fields = returning
        [(sql, compiled_params)] = compiler.as_sql()
        if len(compiled_params) != len(fields):
            raise ValueError(f"compiled.insert: {model.__name__} needs a parameter per field")
        columns = [field.get_col(model._meta.db_table) for field in returning]
        shape = (sql, returning, compiler.get_converters(columns) if returning else {})
        _INSERTS[key] = shape
    return shape


def update(instance: Model, fields: Sequence[str]) -> None:
    """``instance.save(update_fields=fields)`` of a saved instance (``fields``: concrete fields
    other than the key). Raises ``DatabaseError`` when no row was updated, as ``save`` does."""
    model = type(instance)
    meta = model._meta
    using = instance._state.db or router.db_for_write(model, instance=instance)
    found_fields = [meta.get_field(name) for name in fields]
    chosen = [
        field
        for field in found_fields
        if isinstance(field, Field) and field.concrete and not field.primary_key
    ]
    if not _plain(model) or len(chosen) != len(found_fields):
        instance.save(update_fields=fields, using=using)
        return
    values = [field.pre_save(instance, False) for field in chosen]
    if any(hasattr(value, "resolve_expression") for value in values):
        instance.save(update_fields=fields, using=using)
        return
    connection = connections[using]
    key = (model, using, tuple(fields))
    shape = _UPDATES.get(key)
    if shape is None:
        query = UpdateQuery(model)
        query.add_update_fields([(field, None, value) for field, value in zip(chosen, values, strict=True)])
        query.add_q(Q(pk=markers(1)[0]))
        sql, compiled_params = query.get_compiler(using).as_sql()
        # The fields' values, then the key: the values are this call's, prepared below.
        found = places(compiled_params[len(chosen) :], 1)
        if len(compiled_params) != len(chosen) + len(found):
            raise ValueError(f"compiled.update: {model.__name__} needs a parameter per field")
        shape = (sql, found)
        _UPDATES[key] = shape
    sql, found = shape
    params = [field.get_db_prep_save(value, connection) for field, value in zip(chosen, values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + bind(found, [instance.pk]))
        updated = cursor.rowcount
    if updated == 0:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    instance._state.db = using
