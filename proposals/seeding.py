"""Load the seeded programme, publications and proposals from ``fixtures/``.

Idempotent: running it again updates rows in place and creates nothing new. It never overwrites
what participants have changed: the seeded text of a proposal is refreshed only while its first
version is still the current one.
"""

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.models import Programme

from .models import Proposal, ProposalVersion, Publication, PublicationAuthor

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


def _translated(prefix: str, values: dict[str, str]) -> dict[str, str]:
    missing = [code for code in LANGUAGES if not values.get(code, "").strip()]
    if missing:
        raise ValueError(f"{prefix}: missing translation(s) {', '.join(missing)}")
    return {f"{prefix}_{code}": values[code].strip() for code in LANGUAGES}


def read_proposal_files(directory: Path = FIXTURES_DIR) -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((directory / "proposals").glob("*.json"))
    ]


@transaction.atomic
def load_seed(directory: Path = FIXTURES_DIR) -> SeedResult:
    programme_data = json.loads((directory / "programme.json").read_text(encoding="utf-8"))
    programme, _ = Programme.objects.update_or_create(
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
        publication, _ = Publication.objects.update_or_create(
            key=item["key"],
            defaults={
                "title": item["title"],
                "series": item["series"],
                "publisher": item["publisher"],
                "published_on": item["published_on"],
                "url": item["url"],
                **{f"note_{code}": item["note"][code] for code in LANGUAGES},
            },
        )
        for position, author in enumerate(item["authors"]):
            PublicationAuthor.objects.update_or_create(
                publication=publication,
                position=position,
                defaults={"name": author["name"], "affiliation": author["affiliation"]},
            )
        PublicationAuthor.objects.filter(publication=publication, position__gte=len(item["authors"])).delete()
        publications[item["key"]] = publication

    created = 0
    proposals = read_proposal_files(directory)
    for item in proposals:
        proposal, was_created = Proposal.objects.update_or_create(
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
        text = {
            **_translated("title", item["title"]),
            **_translated("summary", item["summary"]),
            **_translated("body", item["body"]),
        }
        first, _ = ProposalVersion.objects.get_or_create(proposal=proposal, number=1, defaults=text)
        if proposal.current_version_id in (None, first.pk):
            for field, value in text.items():
                setattr(first, field, value)
            first.save()
            if proposal.current_version_id is None:
                proposal.current_version = first
                proposal.save(update_fields=["current_version"])
    return SeedResult(publications=len(publications), proposals=len(proposals), created=created)
