"""A participant's data across the feature apps, by kind: the seam the data-rights services
(``accounts.datarights``) use without importing the features. Each app registers, from its
``AppConfig.ready``, what it holds about a person: ``export(user) -> list[dict]`` (JSON-ready,
that person's rows only) and ``erase(user, *, keep_contributions, stand_in)`` (remove that
person's rows in the caller's transaction, keeping every counter and aggregate exact; written
contributions are handed to ``stand_in``, the "withdrawn participant" account, either kept or
emptied as ``keep_contributions`` says)."""

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


_KINDS: dict[str, Kind] = {}


def register(name: str, *, export: Exporter, erase: Eraser | None = None) -> None:
    _KINDS[name] = Kind(name, export, erase)


def kinds() -> list[Kind]:
    return list(_KINDS.values())
