"""Create-once by a client token: a form or API client sends a random token with a write, and the
same token again (a double submit, a retry after a lost answer) gets the first result back.

The model holds a unique constraint on (owner, ``client_token``). Services wrap the insert in
``save_once`` (a savepoint around ``save``) or, where the INSERT itself can say the row was there
(``core.compiled.insert(..., if_new=True)``), in ``insert_once``; either turns the race of two
identical requests into "the other one won", and a resubmission into the first result."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

T = TypeVar("T")


def find(client_token: uuid.UUID | None, lookup: Callable[[], T | None]) -> T | None:
    """What an earlier call with ``client_token`` created, or None (always None without a token)."""
    return lookup() if client_token is not None else None


def save_once(
    save: Callable[[], T], *, client_token: uuid.UUID | None, lookup: Callable[[], T | None]
) -> tuple[T, bool]:
    """Run ``save`` in a savepoint and return ``(its result, True)``; when it breaks the token's
    unique constraint because a concurrent request with the same token won, return ``(that
    request's row, False)``. Any other integrity error is raised."""
    try:
        with transaction.atomic():
            return save(), True
    except IntegrityError:
        existing = find(client_token, lookup)
        if existing is None:
            raise
        return existing, False


def insert_once(
    insert: Callable[[], T | None], *, client_token: uuid.UUID | None, lookup: Callable[[], T | None]
) -> tuple[T, bool]:
    """``save_once`` for an ``insert`` that returns None instead of raising when a unique
    constraint already holds its row (``INSERT ... ON CONFLICT DO NOTHING``): the statement
    fails nothing, so no savepoint is needed (two round trips fewer). ``(that request's row,
    False)`` when the token's row was there; an ``IntegrityError`` when the insert was refused
    and no row has the token."""
    inserted = insert()
    if inserted is not None:
        return inserted, True
    existing = find(client_token, lookup)
    if existing is None:
        raise IntegrityError("the row was not inserted: a constraint refused it")
    return existing, False
