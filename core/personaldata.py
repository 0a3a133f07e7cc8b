"""A participant's data across the feature apps, by kind: the seam the data-rights services
(``accounts.datarights``) use without importing the features. Each app registers, from its
``AppConfig.ready``, what it holds about a person: ``export(user) -> list[dict]`` (JSON-ready,
that person's rows only) and ``erase(user, *, keep_contributions, stand_in)`` (remove that
person's rows in the caller's transaction, keeping every counter and aggregate exact; written
contributions are handed to ``stand_in``, the "withdrawn participant" account, either kept or
emptied as ``keep_contributions`` says).

Kinds are erased in the order they registered, except that kinds registered ``early`` go first:
an eraser whose locks must come before any proposal's stamp is moved (the ratings': the rater's
rows, then the aggregates, then the stamps, as every rating write takes them) must not run after
another kind's eraser has locked a proposal's row (a recount of its counters).

Kinds registered ``with_the_account`` hold rows that the database deletes with the account (a
cascade) but that are counted elsewhere (a rating in its aggregates, a reaction in its comment's
counters): their erasers also run whenever an account is deleted without an erasure (a
superuser's delete in the admin, ``accounts.signals``), so that no count outlives its rows. Such
an eraser must not use ``keep_contributions`` or ``stand_in`` (it is given neither)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any], list[dict[str, Any]]]
Eraser = Callable[..., None]


@dataclass(frozen=True)
class Kind:
    name: str
    export: Exporter
    erase: Eraser | None
    early: bool = False
    with_the_account: bool = False


_KINDS: dict[str, Kind] = {}


def register(
    name: str,
    *,
    export: Exporter,
    erase: Eraser | None = None,
    early: bool = False,
    with_the_account: bool = False,
) -> None:
    if with_the_account and erase is None:
        raise ValueError(f"{name}: a kind erased with the account needs an eraser")
    _KINDS[name] = Kind(name, export, erase, early, with_the_account)


def kinds() -> list[Kind]:
    """The kinds, as registered."""
    return list(_KINDS.values())


def erasers() -> list[Eraser]:
    """The kinds' erasers, in the order to run them: the ``early`` kinds' first, then the rest,
    each as registered."""
    return [kind.erase for kind in _in_order() if kind.erase is not None]


def account_delete_erasers() -> list[Eraser]:
    """The erasers of the kinds registered ``with_the_account``, in the order of ``erasers``."""
    return [kind.erase for kind in _in_order() if kind.with_the_account and kind.erase is not None]


def _in_order() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: not kind.early)
