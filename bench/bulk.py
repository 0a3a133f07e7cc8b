"""Fast inserts for the generated data: ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), and
``bulk_create`` in batches elsewhere (SQLite, in tests).

Rows are plain dicts of ``attname -> value``; fields left out get the model field's default.
Tables whose rows others point at get explicit ids (``reserve_ids``), so the generator can link
rows without reading them back; ``reset_sequences`` then moves the id sequences past them.
"""

from collections.abc import Iterable

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model
from django.utils import timezone

BATCH_SIZE = 2000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[Model], count: int) -> int:
    """The first of ``count`` free ids of ``model`` (the caller writes them, then resets sequences).

    Assumes nothing else inserts into the table meanwhile: the generator runs alone on the bench
    database, inside one transaction.
    """
    highest = model.objects.aggregate(highest=Max("pk"))["highest"] or 0
    return highest + 1


def reset_sequences(*models: type[Model]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Writer:
    """Buffers rows of one model and writes them in batches; ``close()`` writes the rest."""

    def __init__(self, model: type[Model], *, batch_size: int = BATCH_SIZE):
        self.model = model
        self.batch_size = batch_size
        self.buffer: list[dict] = []
        self.written = 0
        self._fields = None

    def add(self, row: dict) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def extend(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.buffer:
            return
        rows, self.buffer = self.buffer, []
        if is_postgresql():
            self._copy(rows)
        else:
            self.model.objects.bulk_create([self.model(**row) for row in rows], batch_size=self.batch_size)
        self.written += len(rows)

    def close(self) -> int:
        self.flush()
        return self.written

    def _columns(self, first: dict):
        if self._fields is None:
            pk = self.model._meta.pk
            fields = [
                field
                for field in self.model._meta.concrete_fields
                if not (field is pk and field.attname not in first)
            ]
            # Defaults are taken once per batch writer (callable defaults included): rows that
            # matter set their own timestamps. COPY skips save(), so auto_now(_add) fields left
            # out get the time of the write, as save() would have given them.
            now = timezone.now()
            self._fields = [
                (
                    field,
                    now
                    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                    else field.get_default(),
                )
                for field in fields
            ]
        return self._fields

    def _copy(self, rows: list[dict]) -> None:
        fields = self._columns(rows[0])
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field, _default in fields)
        sql = f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [
                        field.get_db_prep_save(row.get(field.attname, default), connection)
                        for field, default in fields
                    ]
                )


def write(model: type[Model], rows: Iterable[dict], *, batch_size: int = BATCH_SIZE) -> int:
    writer = Writer(model, batch_size=batch_size)
    writer.extend(rows)
    return writer.close()
