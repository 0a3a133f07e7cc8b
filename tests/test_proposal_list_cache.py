"""The proposal list's body is cached per language (and search) under the proposals' stamps: the
next view after any write it shows (a new version, a stage, a new proposal) shows the change."""

import datetime as dt

import pytest
from django.core.cache import cache

from progress.models import Jurisdiction, Stage
from progress.services import stages_recompute
from proposals.services import translated_field_names, version_create
from tests.factories import MilestoneFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shared_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "list"}
    }
    cache.clear()


def _texts(version, **changes) -> dict:
    return {**{name: getattr(version, name) for name in translated_field_names()}, **changes}


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_a_new_version_shows_on_the_next_view(client, proposal, make_actor, lang):
    before = client.get(f"/{lang}/proposals/").content.decode()
    assert proposal.current_version.title in before
    version_create(
        proposal=proposal,
        texts=_texts(
            proposal.current_version, **{f"title_{lang}": "새 제목 新しい題", "title_en": "New title"}
        ),
        change_note="Retitled.",
        stale_translations=[],
        created_by=make_actor("moderator"),
    )
    after = client.get(f"/{lang}/proposals/").content.decode()
    assert "새 제목 新しい題" in after


def test_a_stage_change_shows_on_the_next_view(client, proposal):
    client.get("/en/proposals/")
    MilestoneFactory(
        proposal=proposal, jurisdiction=Jurisdiction.KOREA, stage=Stage.PILOTED, date=dt.date(2025, 1, 1)
    )
    stages_recompute(proposal=proposal, actor=None)
    proposal.refresh_from_db()
    html = client.get("/en/proposals/").content.decode()
    assert f"stage-{proposal.stage}" in html
    assert proposal.stage == Stage.PILOTED


def test_a_new_proposal_shows_on_the_next_view(client, proposal, programme):
    client.get("/en/proposals/")
    other = ProposalFactory(programme=programme)
    assert other.current_version.title in client.get("/en/proposals/").content.decode()


def test_the_cached_list_is_per_language_and_per_search(client, proposal):
    assert 'lang="ko"' in client.get("/ko/proposals/").content.decode()
    assert 'lang="ja"' in client.get("/ja/proposals/").content.decode()
    searched = client.get("/en/proposals/", {"q": "zzz-nothing-matches"}).content.decode()
    assert proposal.current_version.title not in searched
    assert proposal.current_version.title in client.get("/en/proposals/").content.decode()


@pytest.mark.django_db
def test_the_list_stamp_is_the_count_the_sum_of_stamps_and_the_last_key():
    """proposals.selectors.list_stamp sends its aggregate as SQL written once: it answers what
    the ORM's aggregate answers, and moves with a new proposal and with any stamp."""
    from django.db.models import Count, Max, Sum

    from core import pagestamp
    from proposals.models import Proposal
    from proposals.selectors import list_stamp

    def expected() -> str:
        row = Proposal.objects.aggregate(n=Count("pk"), total=Sum("activity_stamp"), last=Max("pk"))
        return f"{row['n']}.{row['total'] or 0}.{row['last'] or 0}"

    assert list_stamp() == expected() == "0.0.0"
    first, second = ProposalFactory(), ProposalFactory()
    seen = {list_stamp()}
    assert list_stamp() == expected()
    pagestamp.touch(first.pk)
    pagestamp.touch(second.pk)
    assert list_stamp() == expected() and list_stamp() not in seen
    seen.add(list_stamp())
    ProposalFactory()
    assert list_stamp() == expected() and list_stamp() not in seen
