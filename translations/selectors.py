"""Reads of the translation store shared by pages, the API and the admin, each in one query."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from . import registry
from .models import Status, Translation


def published_for(
    *, kind: str, objects: Iterable[Any], languages: Iterable[str]
) -> dict[int, dict[str, Translation]]:
    """``{source id: {language: translation}}``: the published translations of ``objects``' text
    (of registered ``kind``) into ``languages`` that are current, i.e. made from the text the
    object holds now. Objects that are not public get none. One query (none without objects)."""
    source = registry.get(kind)
    objects = [obj for obj in objects if source.is_public(obj)]
    languages = tuple(languages)
    if not objects or not languages:
        return {}
    hashes = {obj.pk: registry.text_hash(source.text(obj)) for obj in objects}
    found: dict[int, dict[str, Translation]] = {}
    for row in published(kind=kind, ids=list(hashes), languages=languages):
        if row.source_hash == hashes.get(row.source_id):
            found.setdefault(row.source_id, {})[row.target_language] = row
    return found


def current_for(
    texts: dict[str, dict[int, str]], *, languages: Iterable[str]
) -> dict[tuple[str, int], dict[str, Translation]]:
    """``{(kind, id): {language: translation}}``: the current published translations of the texts
    ``{kind: {id: text}}`` (which the caller knows to be public) into ``languages``. One query
    for all kinds (none without texts)."""
    languages = tuple(languages)
    pairs = {kind: list(items) for kind, items in texts.items() if items}
    if not pairs or not languages:
        return {}
    found: dict[tuple[str, int], dict[str, Translation]] = {}
    rows = (
        Translation.objects.filter(any_of(pairs), target_language__in=languages, status=Status.PUBLISHED)
        .select_related("translator")
        .order_by("source_kind", "source_id", "target_language")
    )
    for row in rows:
        if registry.text_hash(texts[row.source_kind].get(row.source_id, "")) == row.source_hash:
            found.setdefault((row.source_kind, row.source_id), {})[row.target_language] = row
    return found


def published(*, kind: str, ids: list[int], languages: tuple[str, ...]) -> QuerySet[Translation]:
    """Published rows of ``kind`` for ``ids`` in ``languages`` with their translator (check the
    hash before showing one: ``published_for`` does)."""
    return (
        Translation.objects.filter(
            source_kind=kind, source_id__in=ids, target_language__in=languages, status=Status.PUBLISHED
        )
        .select_related("translator")
        .order_by("source_id", "target_language")
    )


def matching_sources(*, kind: str, q: str) -> QuerySet:
    """Ids of ``kind`` sources with a published translation containing ``q`` (for a subquery:
    ``filter(Q(body__icontains=q) | Q(pk__in=matching_sources(...)))``)."""
    return Translation.objects.filter(source_kind=kind, status=Status.PUBLISHED, text__icontains=q).values(
        "source_id"
    )


def review_queue() -> QuerySet[Translation]:
    """Translations awaiting review, oldest first."""
    return (
        Translation.objects.filter(status=Status.PENDING)
        .select_related("translator")
        .order_by("created_at", "pk")
    )


def any_of(pairs: dict[str, list[int]]) -> Q:
    """``Q`` matching rows of any ``{kind: [ids]}``."""
    condition = Q(pk__in=[])
    for kind, ids in pairs.items():
        if ids:
            condition |= Q(source_kind=kind, source_id__in=ids)
    return condition
