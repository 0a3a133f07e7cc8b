"""Reading participants' text in the reader's language.

A page hands the texts it is about to show to the request's ``Reader`` (``reader(request)``:
``.add(kind, objects)``, no query); the first block a template asks for (``.block(kind, obj)``,
through the ``translation_for`` tag) fetches the translations of *everything added so far* into
the reader's language in one query. So a page costs one query for its translations however many
comments, replies and rationales it shows, and none when every text is already in the reader's
language.

What a block shows:

- the reader reads contributions *in their language* (the default, ``User.contributions``) and a
  current published translation exists: the translation, labelled with its origin, and a link to
  the original (``?original=<token>``: works without JavaScript, htmx swaps just the block);
- the same reader while the machine is still at work: the original, with "translation pending";
  when the provider failed: the original, with "translation unavailable" (it is retried later);
- the reader reads contributions *as written*: the original, and a link to a translation if one
  exists (``?translated=<token>``).

A stale translation (made from an earlier text) is never shown: hashes are compared here. Hidden
and deleted text gets no translation.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import get_language

from core.languages import LANGUAGE_CODES

from . import registry
from .models import Origin, Status, Translation
from .selectors import any_of

SHOW_ORIGINAL = "original"
SHOW_TRANSLATED = "translated"
PROVIDER_LABELS = {"deepl": "DeepL", "papago": "Papago"}
# Query parameters that belong to a fragment request, not to the page a toggle link leads to.
FRAGMENT_PARAMS = ("amendment",)


def token(kind: str, pk: int) -> str:
    """How a block is named in URLs and element ids: ``comment.body-12``."""
    return f"{kind}-{pk}"


def prefers_translations(user) -> bool:
    """Does ``user`` read contributions in their own language (the default, also for visitors)?"""
    if not user.is_authenticated:
        return True
    return getattr(user, "contributions", SHOW_TRANSLATED) != SHOW_ORIGINAL


@dataclass
class Block:
    """One text as this reader sees it: ``text`` in ``language`` and what to say about it."""

    kind: str
    pk: int
    original_text: str
    original_language: str
    reader_language: str
    translation: Translation | None = None
    # The machine's work into the reader's language: "pending" or "unavailable" (or "").
    machine_state: str = ""
    showing_translation: bool = False
    toggle_url: str = ""
    # The element holding the text and its label (the toggle leads there; htmx swaps it).
    element: str = ""

    @property
    def token(self) -> str:
        return token(self.kind, self.pk)

    @property
    def element_id(self) -> str:
        return self.element or "tr-" + self.token.replace(".", "-")

    @property
    def fetch_url(self) -> str:
        """``toggle_url`` without its fragment, for htmx."""
        return self.toggle_url.split("#", 1)[0]

    @property
    def text(self) -> str:
        if self.showing_translation and self.translation is not None:
            return self.translation.text
        return self.original_text

    @property
    def language(self) -> str:
        if self.showing_translation and self.translation is not None:
            return self.translation.target_language
        return self.original_language

    @property
    def is_foreign(self) -> bool:
        """Written in another language than the reader's."""
        return self.original_language != self.reader_language

    @property
    def origin(self) -> str:
        return self.translation.origin if self.translation is not None else ""

    @property
    def provider_label(self) -> str:
        if self.translation is None:
            return ""
        return PROVIDER_LABELS.get(self.translation.provider, self.translation.provider)

    @property
    def translator_name(self) -> str:
        translator = self.translation.translator if self.translation is not None else None
        return str(translator.public_name) if translator is not None else ""

    @property
    def is_machine(self) -> bool:
        return self.origin == Origin.MACHINE

    @property
    def is_author(self) -> bool:
        return self.origin == Origin.AUTHOR

    @property
    def show_pending(self) -> bool:
        return self.translation is None and self.machine_state == "pending"

    @property
    def show_unavailable(self) -> bool:
        return self.translation is None and self.machine_state == "unavailable"


@dataclass
class Reader:
    """The translations one request shows, fetched together (see the module docstring)."""

    language: str
    translated_by_default: bool
    query: dict[str, list[str]] = field(default_factory=dict)
    path: str = ""
    _waiting: dict[str, dict[int, Any]] = field(default_factory=dict)
    _found: dict[tuple[str, int], list[Translation]] = field(default_factory=dict)
    _looked_up: set[tuple[str, int]] = field(default_factory=set)

    def add(self, kind: str, objects) -> None:
        """Texts of ``kind`` the page will show (no query). Only public text in another language
        than the reader's is looked up."""
        source = registry.get(kind)
        waiting = self._waiting.setdefault(kind, {})
        for obj in objects:
            if (kind, obj.pk) in self._looked_up or obj.pk in waiting:
                continue
            if source.language(obj) == self.language or not source.is_public(obj):
                continue
            waiting[obj.pk] = obj

    def _resolve(self) -> None:
        pairs = {kind: list(objects) for kind, objects in self._waiting.items() if objects}
        self._waiting = {}
        if not pairs:
            return
        for kind, ids in pairs.items():
            self._looked_up.update((kind, pk) for pk in ids)
        rows = Translation.objects.filter(
            any_of(pairs),
            target_language=self.language,
            status__in=[Status.PUBLISHED, Status.QUEUED, Status.UNAVAILABLE],
        ).select_related("translator")
        for row in rows:
            self._found.setdefault((row.source_kind, row.source_id), []).append(row)

    def block(self, kind: str, obj: Any, *, base: str = "", element: str = "") -> Block:
        """How ``obj``'s text of ``kind`` reads for this reader. The first call fetches what was
        added (``obj`` is added if it was not). ``base`` is the page the toggle link leads to
        (the current path by default), ``element`` the id of the element holding the block
        (``tr-<kind>-<id>`` by default)."""
        source = registry.get(kind)
        block = Block(
            kind=kind,
            pk=obj.pk,
            original_text=source.text(obj),
            original_language=source.language(obj),
            reader_language=self.language,
            element=element,
        )
        if not block.is_foreign or not source.is_public(obj):
            return block
        if (kind, obj.pk) not in self._looked_up:
            self.add(kind, [obj])
            self._resolve()
        digest = registry.text_hash(block.original_text)
        for row in self._found.get((kind, obj.pk), []):
            if row.source_hash != digest:
                continue  # made from an earlier text: never shown as current
            if row.status == Status.PUBLISHED:
                block.translation = row
            elif row.origin == Origin.MACHINE:
                block.machine_state = "pending" if row.status == Status.QUEUED else "unavailable"
        if block.translation is None:
            return block
        if self.translated_by_default:
            block.showing_translation = self.query.get(SHOW_ORIGINAL) != [block.token]
            param = SHOW_ORIGINAL if block.showing_translation else None
        else:
            block.showing_translation = self.query.get(SHOW_TRANSLATED) == [block.token]
            param = None if block.showing_translation else SHOW_TRANSLATED
        block.toggle_url = self._url(param, block.token, base=base, anchor=block.element_id)
        return block

    def _url(self, param: str | None, value: str, *, base: str, anchor: str) -> str:
        query = {
            name: values
            for name, values in self.query.items()
            if name not in (SHOW_ORIGINAL, SHOW_TRANSLATED, *FRAGMENT_PARAMS)
        }
        if param is not None:
            query[param] = [value]
        encoded = urlencode(query, doseq=True)
        return f"{base or self.path}{'?' + encoded if encoded else ''}#{anchor}"


def reader(request) -> Reader:
    """The request's reader (made once per request)."""
    found = getattr(request, "_translation_reader", None)
    if found is None:
        language = get_language() or LANGUAGE_CODES[0]
        if language not in LANGUAGE_CODES:
            language = language.split("-")[0]
        found = Reader(
            language=language,
            translated_by_default=prefers_translations(request.user),
            query={name: request.GET.getlist(name) for name in request.GET},
            path=request.path,
        )
        request._translation_reader = found
    return found
