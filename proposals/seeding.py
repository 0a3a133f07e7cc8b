"""Load the seeded programme, publications and proposals from ``fixtures/``.

Idempotent: running it again updates rows in place and creates nothing new. It never overwrites
what participants have changed: the seeded text of a proposal (title, summary, body) is refreshed
in place only while its first version is still the current one. For a proposal that has moved
past its first version, a change in the fixtures is recorded as an editorial correction (one per
field and language) for a moderator to apply or dismiss; the versions are left as they are.

The programme, the publications and what a proposal cites (its section, quote and further sources)
are reference data, not participants' text: they are updated in place.
"""

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.db import models, transaction

from accounts.models import Programme
from core import pagestamp

from . import services
from .models import Citation, Proposal, ProposalVersion, Publication, PublicationAuthor

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# The programme's deliberation window opened after both working papers were published; moderators
# set its closing date in the admin.
PROGRAMME_STARTS_ON = dt.date(2025, 4, 1)


@dataclass(frozen=True)
class SeedResult:
    publications: int
    proposals: int
    created: int
    updated: int = 0
    corrections: int = 0


def _translated(
    prefix: str, values: dict[str, str], *, required: tuple[str, ...] = tuple(LANGUAGES)
) -> dict[str, str]:
    """``{"title_en": …, "title_ko": …}`` from ``{"en": …, "ko": …}``; languages in ``required``
    must not be blank (a blank optional one falls back to English when read)."""
    missing = [code for code in required if not values.get(code, "").strip()]
    if missing:
        raise ValueError(f"{prefix}: missing translation(s) {', '.join(missing)}")
    return {f"{prefix}_{code}": values.get(code, "").strip() for code in LANGUAGES}


def read_proposal_files(directory: Path = FIXTURES_DIR) -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((directory / "proposals").glob("*.json"))
    ]


@transaction.atomic
def load_seed(directory: Path = FIXTURES_DIR) -> SeedResult:
    programme_data = json.loads((directory / "programme.json").read_text(encoding="utf-8"))
    programme, _ = _upsert(
        Programme,
        slug=programme_data["slug"],
        defaults={
            **_translated("name", programme_data["name"]),
            **_translated("description", programme_data["description"]),
        },
        create_defaults={
            **_translated("name", programme_data["name"]),
            **_translated("description", programme_data["description"]),
            "starts_on": PROGRAMME_STARTS_ON,
            "is_open": True,
        },
    )

    publications = {}
    for item in json.loads((directory / "publications.json").read_text(encoding="utf-8")):
        publication, _ = _upsert(
            Publication,
            key=item["key"],
            defaults={
                **_translated("title", item["title"], required=("en",)),
                **_translated("series", item["series"], required=()),
                **_translated("publisher", item["publisher"], required=()),
                "published_on": item["published_on"],
                "url": item["url"],
                **_translated("note", item["note"], required=()),
            },
        )
        for position, author in enumerate(item["authors"]):
            _upsert(
                PublicationAuthor,
                publication=publication,
                position=position,
                defaults={
                    **_translated("name", author["name"], required=("en",)),
                    **_translated("affiliation", author["affiliation"], required=()),
                },
            )
        PublicationAuthor.objects.filter(publication=publication, position__gte=len(item["authors"])).delete()
        publications[item["key"]] = publication

    created = updated = corrections = 0
    proposals = read_proposal_files(directory)
    for item in proposals:
        proposal, was_created = _upsert(
            Proposal,
            slug=item["slug"],
            defaults={
                "programme": programme,
                "position": item["position"],
                "policy_area": item["policy_area"],
                "publication": publications[item["publication"]],
                **_translated("section", item["section"]),
                **_translated("quote", item["quote"]),
            },
        )
        created += was_created
        _seed_citations(proposal, item.get("citations", []), publications)
        text = {
            **_translated("title", item["title"]),
            **_translated("summary", item["summary"]),
            **_translated("body", item["body"]),
        }
        first, _ = ProposalVersion.objects.get_or_create(proposal=proposal, number=1, defaults=text)
        if proposal.current_version_id in (None, first.pk):
            changed = [field for field, value in text.items() if getattr(first, field) != value]
            if changed:
                for field in changed:
                    setattr(first, field, text[field])
                first.save()
                pagestamp.touch(proposal.pk)  # the page shows this text
                updated += not was_created
            if proposal.current_version_id is None:
                proposal.current_version = first
                proposal.save(update_fields=["current_version"])
        else:
            corrections += len(
                services.corrections_record(proposal=proposal, first_version=first, seeded=text)
            )
    return SeedResult(
        publications=len(publications),
        proposals=len(proposals),
        created=created,
        updated=updated,
        corrections=corrections,
    )


def _seed_citations(proposal: Proposal, items: list[dict], publications: dict[str, Publication]) -> None:
    for position, citation in enumerate(items):
        _upsert(
            Citation,
            proposal=proposal,
            position=position,
            defaults={
                "publication": publications[citation["publication"]],
                **_translated("section", citation["section"]),
                **_translated("quote", citation["quote"]),
            },
        )
    Citation.objects.filter(proposal=proposal, position__gte=len(items)).delete()


M = TypeVar("M", bound=models.Model)


def _upsert(
    model: type[M], *, defaults: dict, create_defaults: dict | None = None, **lookup
) -> tuple[M, bool]:
    """``update_or_create`` that saves a row only when a value differs. Seeding runs on every
    ``make run``: a row saved unchanged would still run its receivers, and a publication's, an
    author's or the programme's move every proposal's stamp (``proposals.signals``), emptying
    every cached page for nothing. A changed row is saved whole, as before (a proposal's full
    save moves its stamp)."""
    row = model._default_manager.filter(**lookup).first()
    if row is None:
        return model._default_manager.create(
            **lookup, **(defaults if create_defaults is None else create_defaults)
        ), True
    changed = [
        name for name, value in defaults.items() if getattr(row, name) != _as_stored(model, name, value)
    ]
    if changed:
        for name in changed:
            setattr(row, name, defaults[name])
        row.save()
    return row, False


def _as_stored(model: type[models.Model], name: str, value):
    """``value`` as the field holds it once loaded (a date from its ISO text); related rows as given."""
    field = model._meta.get_field(name)
    if isinstance(field, models.Field) and not field.is_relation:
        return field.to_python(value)
    return value
