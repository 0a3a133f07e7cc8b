"""The dashboard reads per-proposal counters the services keep (visible comments, accepted
amendments; raters by nationality from the rating aggregates) instead of counting every comment.
Each write that changes one is followed by a recount from the rows: they must agree, always."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db.models import Count

from accounts.datarights import account_erase
from accounts.models import Nationality
from amendments.models import Amendment, AmendmentState
from amendments.services import amendment_accept
from comments.models import Comment
from comments.services import comment_create, comment_delete
from moderation.services import item_hide, item_restore, report_create, reports_dismiss
from proposals.models import Proposal
from ratings.services import rating_set
from tests.factories import AmendmentFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def recounted() -> dict[int, tuple[int, int]]:
    """``{proposal id: (visible comments, accepted amendments)}`` counted from the rows."""
    comments = dict(
        Comment.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True)
        .values("proposal_id")
        .annotate(n=Count("pk"))
        .values_list("proposal_id", "n")
    )
    accepted = dict(
        Amendment.objects.filter(state=AmendmentState.ACCEPTED)
        .values("proposal_id")
        .annotate(n=Count("pk"))
        .values_list("proposal_id", "n")
    )
    return {
        pk: (comments.get(pk, 0), accepted.get(pk, 0)) for pk in Proposal.objects.values_list("pk", flat=True)
    }


def kept() -> dict[int, tuple[int, int]]:
    return {
        pk: (comments, accepted)
        for pk, comments, accepted in Proposal.objects.values_list(
            "pk", "comment_count", "accepted_amendment_count"
        )
    }


@pytest.fixture(autouse=True)
def _shared_cache(settings):
    # The dashboard's body is cached under the proposals' stamps: each view below must show the
    # write before it (a memory cache, cleared per test).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dash"}
    }
    from django.core.cache import cache

    cache.clear()


def assert_exact(client, expected_comments: int | None = None, proposal=None) -> None:
    assert kept() == recounted()
    if proposal is not None:
        rows = {row.proposal.pk: row for row in client.get("/en/progress/").context["dashboard"].rows}
        assert rows[proposal.pk].comments == expected_comments


@pytest.fixture
def people(make_actor):
    return {
        "minji": make_actor("member", nationality=Nationality.KOREA),
        "sora": make_actor("member", nationality=Nationality.JAPAN),
        "jun": make_actor("member", nationality=Nationality.KOREA),
        "aoi": make_actor("member", nationality=Nationality.JAPAN),
        "moderator": make_actor("moderator"),
    }


def _comment(author, proposal, body="A comment.", **extra) -> Comment:
    return comment_create(author=author, proposal=proposal, body=body, language="ko", **extra)


def test_counters_stay_exact_through_creates_deletes_hides_and_erasure(client, proposal, programme, people):
    other = ProposalFactory(programme=programme)
    minji, sora, jun, aoi, moderator = (people[k] for k in ("minji", "sora", "jun", "aoi", "moderator"))
    assert_exact(client, 0, proposal)

    first = _comment(minji, proposal)
    reply = _comment(sora, proposal, parent=first)
    _comment(jun, proposal)
    on_other = _comment(aoi, other)
    amendment_comment = _comment(aoi, proposal, amendment=AmendmentFactory(proposal=proposal))
    assert_exact(client, 4, proposal)

    comment_delete(user=sora, comment=reply)
    comment_delete(user=sora, comment=reply)  # twice: harmless, and counted once
    assert_exact(client, 3, proposal)

    item_hide(moderator=moderator, comment=first, category="other", note="Off topic.")
    assert_exact(client, 2, proposal)
    item_restore(moderator=moderator, comment=first, reason="On reflection, fine.")
    assert_exact(client, 3, proposal)

    # Reported widely (three people from both countries): hidden automatically, then the reports
    # are dismissed and it is shown again.
    for reporter in (sora, jun, minji):
        report_create(reporter=reporter, comment=amendment_comment, reason="spam")
    assert Comment.objects.get(pk=amendment_comment.pk).hidden_at is not None
    assert_exact(client, 2, proposal)
    reports_dismiss(moderator=moderator, comment=amendment_comment)
    assert_exact(client, 3, proposal)

    # A hidden comment that its author then deletes is not counted twice.
    item_hide(moderator=moderator, comment=first, category="other", note="Off topic.")
    comment_delete(user=minji, comment=Comment.objects.get(pk=first.pk))
    assert_exact(client, 2, proposal)

    # Erasure: kept contributions stay counted, deleted ones go.
    account_erase(user=jun, actor=jun, keep_contributions=True)
    assert_exact(client, 2, proposal)
    account_erase(user=aoi, actor=aoi, keep_contributions=False)
    assert_exact(client, 1, proposal)  # jun's, kept under the withdrawn participant
    assert Comment.objects.get(pk=on_other.pk).deleted_at is not None
    assert kept()[other.pk] == (0, 0)


def test_an_accepted_amendment_is_counted_and_nothing_else_is(client, proposal, people):
    accepted = AmendmentFactory(proposal=proposal, author=people["minji"])
    AmendmentFactory(proposal=proposal, author=people["sora"], field="title")
    amendment_accept(moderator=people["moderator"], amendment=accepted, reason="Clearer.")
    assert kept()[proposal.pk] == (0, 1)
    assert_exact(client)
    row = next(
        r for r in client.get("/en/progress/").context["dashboard"].rows if r.proposal.pk == proposal.pk
    )
    assert row.amendments_accepted == 1


def test_raters_by_nationality_come_from_the_rating_aggregates(client, proposal, people):
    rating_set(user=people["minji"], proposal=proposal, criterion="importance", score=4)
    rating_set(user=people["sora"], proposal=proposal, criterion="importance", score=5)
    rating_set(user=people["aoi"], proposal=proposal, criterion="importance", score=2)
    row = next(
        r for r in client.get("/en/progress/").context["dashboard"].rows if r.proposal.pk == proposal.pk
    )
    assert (row.raters_kr, row.raters_jp) == (1, 2)


def test_an_admin_save_of_a_proposal_loaded_earlier_does_not_write_back_old_counters(proposal, people):
    stale = Proposal.objects.get(pk=proposal.pk)
    _comment(people["minji"], proposal)
    stale.save()
    assert kept()[proposal.pk] == (1, 0)


def test_the_migration_fills_the_counters_from_the_rows(proposal, people):
    _comment(people["minji"], proposal)
    _comment(people["sora"], proposal)
    Proposal.objects.update(comment_count=0, accepted_amendment_count=0)
    migration = importlib.import_module("proposals.migrations.0009_dashboard_counters")
    migration.backfill(django_apps, None)
    assert kept() == recounted()
    assert kept()[proposal.pk] == (2, 0)


def _figures_in_html(client, proposal, lang="en") -> list[str]:
    """The comments, Korean raters, Japanese raters and accepted amendments cells of the
    proposal's row, as the (cached) page shows them."""
    import re

    html = client.get(f"/{lang}/progress/").content.decode()
    row = re.search(
        rf'<tr>\s*<th[^>]*>\s*<a href="/{lang}/proposals/{proposal.slug}/progress/".*?</tr>', html, re.S
    )
    assert row, html
    return re.findall(r"<td>(\d+)</td>", row.group(0))[-4:]


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_the_cached_dashboard_shows_each_write_on_the_next_view(client, proposal, people, lang):
    assert _figures_in_html(client, proposal, lang) == ["0", "0", "0", "0"]
    comment = _comment(people["minji"], proposal)
    assert _figures_in_html(client, proposal, lang) == ["1", "0", "0", "0"]
    rating_set(user=people["sora"], proposal=proposal, criterion="importance", score=5)
    assert _figures_in_html(client, proposal, lang) == ["1", "0", "1", "0"]
    item_hide(moderator=people["moderator"], comment=comment, category="other", note="Off topic.")
    assert _figures_in_html(client, proposal, lang) == ["0", "0", "1", "0"]
    amendment_accept(
        moderator=people["moderator"], amendment=AmendmentFactory(proposal=proposal), reason="Yes."
    )
    assert _figures_in_html(client, proposal, lang) == ["0", "0", "1", "1"]
