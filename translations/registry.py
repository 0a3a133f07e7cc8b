"""Which texts can be translated: each app registers its translatable fields here, from its
``AppConfig.ready`` (apps above this floor) or from this app (the proposal text below it).

A registration (``Source``) says how to read the text and its language from a row, whether the
public may see it (hidden and deleted text is never sent to a provider nor shown translated), who
may translate it (members of its programme) and where it is read. The translation store names its
sources by ``kind`` and id only, so registering is all another app does; see
``/work/coord/translations-api.md`` or the module docstring of ``translations.services``.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.utils.functional import Promise


@dataclass(frozen=True)
class Source:
    """A translatable field. Callables take the source row (loaded with ``related``)."""

    kind: str  # "comment.body": unique, at most 40 characters, never renamed once used
    model: str  # "comments.Comment"
    label: str | Promise  # shown in the review queue: "comment"
    text: Callable[[Any], str]
    language: Callable[[Any], str]
    # May the public read it (not hidden, not deleted, not under a hidden parent)? Only public text
    # is sent to a provider and shown translated.
    is_public: Callable[[Any], bool]
    # The programme whose members may translate it (None: nobody but reviewers).
    programme: Callable[[Any], Any]
    author_id: Callable[[Any], int | None]
    # Where it is read (with an anchor), for links from the review queue and notifications.
    url: Callable[[Any], str]
    related: tuple[str, ...] = ()
    # Machine-translate it into the other site languages when it is written or edited.
    machine: bool = True
    # Participants may propose translations of it (community translations, reviewed).
    community: bool = True
    # The machine's output is a draft that a reviewer edits and approves, never published as is.
    review_machine: bool = False
    # Called inside the approving transaction once a translation is published (e.g. write the text
    # into the proposal's language column): ``(translation, source_row, reviewer) -> None``.
    on_published: Callable[[Any, Any, Any], None] | None = None
    extra: dict = field(default_factory=dict)

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def load(self, pk) -> Any | None:
        """The source row, or None when it is gone."""
        model = self.model_class()
        return model._default_manager.select_related(*self.related).filter(pk=pk).first()


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    """Make ``source.kind`` translatable (idempotent for the same registration)."""
    if len(source.kind) > 40:
        raise ValueError(f"translation kind {source.kind!r} is longer than 40 characters")
    known = _sources.get(source.kind)
    if known is not None and known.model != source.model:
        raise ValueError(f"translation kind {source.kind!r} is already registered for {known.model}")
    _sources[source.kind] = source


def get(kind: str) -> Source:
    """The registration of ``kind``; ``LookupError`` for an unknown kind."""
    try:
        return _sources[kind]
    except KeyError:
        raise LookupError(f"no translatable text is registered as {kind!r}") from None


def is_registered(kind: str) -> bool:
    return kind in _sources


def kinds() -> list[str]:
    return sorted(_sources)


def text_hash(text: str) -> str:
    """The hash a translation records of the text it was made from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
