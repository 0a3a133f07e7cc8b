import re

import pytest
from django.core.management import call_command

from accounts.models import Programme
from proposals.models import Proposal, ProposalVersion, Publication, PublicationAuthor, Stage
from proposals.seeding import read_proposal_files

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KANA = re.compile(r"[\u3040-\u30ff]")

EXPECTED_SLUGS = {
    "foundational-cooperation",
    "economic-security-dialogue",
    "3plus3-ministerial-dialogue",
    "cptpp-accession-support",
    "semiconductor-public-private-framework",
    "semiconductor-design-standards",
    "ai-digital-economy-task-force",
    "hydrogen-ccs-green-finance",
    "nuclear-safety-advanced-reactors",
    "population-decline-research",
    "cultural-exchange-student-mobility",
    "youth-innovation-fund",
    "youth-leadership-programmes",
    "leaders-dialogue",
}


def test_fixture_files_cover_the_fourteen_proposals():
    assert {item["slug"] for item in read_proposal_files()} == EXPECTED_SLUGS


@pytest.mark.parametrize("item", read_proposal_files(), ids=lambda item: item["slug"])
def test_fixture_text_is_complete_in_every_language(item):
    for field in ("title", "summary", "body", "section", "quote"):
        for code in ("en", "ko", "ja"):
            assert item[field][code].strip(), f"{item['slug']}: {field}_{code} is empty"
    words = len(item["body"]["en"].split())
    assert 150 <= words <= 400, f"{item['slug']}: English body has {words} words"
    for field in ("title", "summary", "body"):
        assert HANGUL.search(item[field]["ko"]), f"{item['slug']}: {field}_ko has no Hangul"
        assert KANA.search(item[field]["ja"]), f"{item['slug']}: {field}_ja has no kana"
        assert not HANGUL.search(item[field]["ja"]), f"{item['slug']}: {field}_ja contains Hangul"


@pytest.mark.django_db
def test_seeded_proposals_have_all_three_languages(seeded):
    versions = ProposalVersion.objects.filter(proposal__current_version__isnull=False)
    assert versions.count() == 14
    for version in versions:
        for field in ("title", "summary", "body"):
            for code in ("en", "ko", "ja"):
                assert getattr(version, f"{field}_{code}").strip(), f"{version.proposal.slug}: {field}_{code}"
    for proposal in Proposal.objects.all():
        assert proposal.current_version.number == 1
        assert proposal.stage == Stage.PROPOSED
        assert proposal.publication.authors.exists()


@pytest.mark.django_db
def test_seeding_twice_creates_no_duplicates_and_changes_nothing(seeded):
    def snapshot():
        return {
            "programmes": list(Programme.objects.values_list("slug", "name_ko", "description_ja")),
            "publications": list(Publication.objects.values_list("key", "title")),
            "authors": list(PublicationAuthor.objects.values_list("publication__key", "name")),
            "proposals": list(Proposal.objects.values_list("slug", "current_version_id", "quote_ja")),
            "versions": list(ProposalVersion.objects.values_list("pk", "title_ko", "body_ja")),
        }

    before = snapshot()
    call_command("load_seed", verbosity=0)
    assert snapshot() == before
    assert Programme.objects.count() == 1
    assert Proposal.objects.count() == 14
    assert ProposalVersion.objects.count() == 14


@pytest.mark.django_db
def test_reseeding_never_overwrites_a_newer_version(seeded):
    proposal = Proposal.objects.get(slug="youth-innovation-fund")
    amended = ProposalVersion.objects.create(
        proposal=proposal,
        number=2,
        title_en="Amended",
        title_ko="수정됨",
        title_ja="修正済み",
        summary_en="s",
        summary_ko="s",
        summary_ja="s",
        body_en="b",
        body_ko="b",
        body_ja="b",
    )
    proposal.current_version = amended
    proposal.save()

    call_command("load_seed", verbosity=0)

    proposal.refresh_from_db()
    assert proposal.current_version_id == amended.pk
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2


@pytest.mark.django_db
def test_demo_accounts_are_created_once_and_refused_in_production(seeded, settings):
    call_command("create_demo_accounts", verbosity=0)
    call_command("create_demo_accounts", verbosity=0)
    from accounts.models import User

    assert User.objects.count() == 3
    assert User.objects.get(email="minji@example.com").check_password("demo-minji-2026")
    from accounts.permissions import is_moderator

    moderator = User.objects.get(email="moderator@example.com")
    assert is_moderator(moderator) and not moderator.is_superuser

    settings.PRODUCTION = True
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_demo_accounts", verbosity=0)
