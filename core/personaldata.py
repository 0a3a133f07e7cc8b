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
another kind's eraser has locked a proposal's row (a recount of its counters)."""

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


_KINDS: dict[str, Kind] = {}


def register(name: str, *, export: Exporter, erase: Eraser | None = None, early: bool = False) -> None:
    _KINDS[name] = Kind(name, export, erase, early)


def kinds() -> list[Kind]:
    """The kinds, as registered."""
    return list(_KINDS.values())


def erasers() -> list[Eraser]:
    """The kinds' erasers, in the order to run them: the ``early`` kinds' first, then the rest,
    each as registered."""
    ordered = sorted(_KINDS.values(), key=lambda kind: not kind.early)
    return [kind.erase for kind in ordered if kind.erase is not None]
