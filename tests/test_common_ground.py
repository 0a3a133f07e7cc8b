"""Common ground: per-nationality reaction counters on comments (exact, kept by the reaction's
own transaction), their backfill, and the pages and API that read them."""

import importlib
import random
import re

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import Nationality
from comments import services
from comments.models import Comment, CommentReaction, Reaction, group_counter
from tests.factories import CommentFactory

KR, JP, OTHER = Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER


@pytest.fixture(autouse=True)
def _no_hold(settings):
    """Accounts made here are minutes old: without this their reactions would be held for a day
    before counting toward labels (that rule is tested in test_common_ground_rules)."""
    settings.COMMON_GROUND = {**settings.COMMON_GROUND, "hold_hours": 0}


GROUP_FIELDS = [f"{kind}_{suffix}" for suffix in ("kr", "jp", "other") for kind in Reaction.values]


def stored_counts(comment: Comment) -> dict[str, int]:
    comment.refresh_from_db()
    return {field: getattr(comment, field) for field in GROUP_FIELDS}


def recounted(comment: Comment) -> dict[str, int]:
    """The per-group counters as a full scan of the reactions gives them."""
    counts = dict.fromkeys(GROUP_FIELDS, 0)
    for kind, nationality in CommentReaction.objects.filter(comment=comment).values_list(
        "kind", "nationality"
    ):
        counts[group_counter(kind, nationality)] += 1
    return counts


def assert_counters_exact(comment: Comment) -> None:
    stored = stored_counts(comment)
    assert stored == recounted(comment)
    # The per-kind totals are the sums of the groups.
    for kind in Reaction.values:
        total = sum(stored[f"{kind}_{suffix}"] for suffix in ("kr", "jp", "other"))
        assert getattr(comment, f"{kind}_count") == total


@pytest.mark.django_db
def test_reactions_are_counted_in_the_reacting_nationality(proposal, make_actor):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    korean, japanese, other = (make_actor("member", nationality=n) for n in (KR, JP, OTHER))

    services.comment_react(user=korean, comment=comment, kind="agree")
    services.comment_react(user=japanese, comment=comment, kind="disagree")
    services.comment_react(user=other, comment=comment, kind="pass")

    counts = stored_counts(comment)
    assert {field: n for field, n in counts.items() if n} == {
        "agree_kr": 1,
        "disagree_jp": 1,
        "pass_other": 1,
    }
    assert comment.group_counts(KR) == (1, 0, 0)
    assert comment.group_counts(JP) == (0, 1, 0)
    assert comment.group_counts(OTHER) == (0, 0, 1)


@pytest.mark.django_db
def test_changes_and_withdrawals_move_the_group_counters(proposal, make_actor):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    japanese = make_actor("member", nationality=JP)

    services.comment_react(user=japanese, comment=comment, kind="agree")
    services.comment_react(user=japanese, comment=comment, kind="agree")  # a double click: no change
    assert stored_counts(comment)["agree_jp"] == 1
    services.comment_react(user=japanese, comment=comment, kind="pass")
    assert stored_counts(comment)["agree_jp"] == 0
    assert stored_counts(comment)["pass_jp"] == 1
    services.comment_react(user=japanese, comment=comment, kind=None)

    assert not any(stored_counts(comment).values())
    assert_counters_exact(comment)


@pytest.mark.django_db
def test_a_reaction_keeps_the_nationality_it_was_made_with(proposal, make_actor):
    """A nationality changed later (a moderator approved it) does not move old reactions; the
    withdrawal takes the reaction out of the bucket it was counted in."""
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    user = make_actor("member", nationality=KR)
    services.comment_react(user=user, comment=comment, kind="agree")

    user.nationality = JP
    user.save(update_fields=["nationality"])
    assert stored_counts(comment)["agree_kr"] == 1

    services.comment_react(user=user, comment=comment, kind="disagree")  # re-made now, as JP
    assert {f: n for f, n in stored_counts(comment).items() if n} == {"disagree_jp": 1}
    assert_counters_exact(comment)

    user.nationality = KR
    user.save(update_fields=["nationality"])
    services.comment_react(user=user, comment=comment, kind=None)
    assert not any(stored_counts(comment).values())


@pytest.mark.django_db
def test_counters_match_a_recount_after_a_random_sequence(proposal, make_actor):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    users = [make_actor("member", nationality=(KR, JP, OTHER)[i % 3]) for i in range(9)]
    rng = random.Random(10)

    for _ in range(120):
        user = rng.choice(users)
        if rng.random() < 0.1:
            user.nationality = rng.choice((KR, JP, OTHER))
            user.save(update_fields=["nationality"])
        services.comment_react(user=user, comment=comment, kind=rng.choice([*Reaction.values, None]))

    assert_counters_exact(comment)


@pytest.mark.django_db
def test_backfill_counts_existing_reactions_by_their_nationality(proposal, make_actor):
    """The migration's backfill fills the counters from reactions written before they existed."""
    migration = importlib.import_module("comments.migrations.0004_reaction_counts_per_nationality")
    counted, silent = (CommentFactory(proposal=proposal, author=make_actor("member")) for _ in range(2))
    rows = [("agree", KR), ("agree", KR), ("disagree", JP), ("pass", JP), ("agree", OTHER), ("pass", "XX")]
    CommentReaction.objects.bulk_create(
        CommentReaction(comment=counted, user=make_actor("member"), kind=kind, nationality=nationality)
        for kind, nationality in rows
    )
    Comment.objects.filter(pk=silent.pk).update(agree_kr=7)  # a wrong value is overwritten with 0

    migration.backfill(apps, None)

    assert {f: n for f, n in stored_counts(counted).items() if n} == {
        "agree_kr": 2,
        "disagree_jp": 1,
        "pass_jp": 1,
        "agree_other": 1,
        "pass_other": 1,
    }
    assert not any(stored_counts(silent).values())


# --- the common-ground view on the proposal page -------------------------------------------------


def react_all(comment, users, kind):
    for user in users:
        services.comment_react(user=user, comment=comment, kind=kind)


def ground_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="ground-item" id="ground-(\d+)"', page)]


@pytest.fixture
def voters(make_actor):
    """Five Korean and five Japanese members of the programme."""
    return (
        [make_actor("member", nationality=KR) for _ in range(5)],
        [make_actor("member", nationality=JP) for _ in range(5)],
    )


@pytest.mark.django_db
def test_a_comment_both_sides_agree_with_moves_to_common_ground(client, proposal, make_actor, voters):
    korean, japanese = voters
    comment = CommentFactory(
        proposal=proposal, author=make_actor("member"), body="Exchange students both ways"
    )
    url = f"/en/proposals/{proposal.slug}/"

    react_all(comment, korean, "agree")
    react_all(comment, japanese[:4], "agree")  # four Japanese votes: not yet judged
    assert ground_ids(client.get(url, {"ground": "needs_votes"}).content.decode()) == [comment.pk]
    assert ground_ids(client.get(url).content.decode()) == []

    services.comment_react(user=japanese[4], comment=comment, kind="agree")

    comment.refresh_from_db()
    assert comment.ground_label == "common_ground"
    assert comment.bridging_score == pytest.approx(0.7527, abs=1e-4)  # √(L(5/5)²), L = 1/(1 + 1.6425/5)
    page = client.get(url).content.decode()
    assert ground_ids(page) == [comment.pk]
    assert "Exchange students both ways" in page
    # The figure's text equivalent: (5 + 1)/(5 + 2) = 86 %, Wilson 95 % interval of 5/5 = 57–100 %.
    assert "Korean participants: 86% support (95% interval 57–100%), 5 votes." in page
    assert "Japanese participants: 86% support (95% interval 57–100%), 5 votes." in page


@pytest.mark.django_db
def test_withdrawn_votes_move_a_comment_back(proposal, make_actor, voters):
    korean, japanese = voters
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    react_all(comment, korean + japanese, "agree")

    services.comment_react(user=japanese[0], comment=comment, kind=None)

    comment.refresh_from_db()
    assert (comment.ground_label, comment.agree_jp) == ("needs_votes", 4)


@pytest.mark.django_db
def test_tabs_sort_by_bridging_score_and_hide_hidden_and_deleted(client, proposal, make_actor, voters):
    korean, japanese = voters
    author = make_actor("member")
    weaker, stronger, hidden = (CommentFactory(proposal=proposal, author=author) for _ in range(3))
    react_all(stronger, korean + japanese, "agree")
    for comment in (weaker, hidden):
        react_all(comment, korean[:4] + japanese[:4], "agree")
        react_all(comment, korean[4:] + japanese[4:], "disagree")
    divided = CommentFactory(proposal=proposal, author=author)
    react_all(divided, korean, "agree")
    react_all(divided, japanese, "disagree")
    Comment.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    url = f"/en/proposals/{proposal.slug}/"

    page = client.get(url).content.decode()
    assert ground_ids(page) == [stronger.pk, weaker.pk]
    assert re.search(r'aria-current="page">Common ground <span class="ground-tab-count">2</span>', page)
    assert ground_ids(client.get(url, {"ground": "differences"}).content.decode()) == [divided.pk]
    assert ground_ids(client.get(url, {"ground": "unknown"}).content.decode()) == [stronger.pk, weaker.pk]


@pytest.mark.django_db
def test_tabs_are_links_and_htmx_gets_the_panel(client, proposal, make_actor, voters):
    korean, japanese = voters
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    react_all(comment, korean, "agree")
    react_all(comment, japanese, "disagree")
    page = client.get(f"/en/proposals/{proposal.slug}/").content.decode()
    fragment_url = f"/en/proposals/{proposal.slug}/comments/common-ground/?ground=differences"

    assert f'href="/en/proposals/{proposal.slug}/?ground=differences#common-ground"' in page
    assert f'hx-get="{fragment_url}"' in page

    panel = client.get(fragment_url, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    body = panel.content.decode()
    assert body.startswith('<div id="common-ground-panel"') and "<html" not in body
    assert ground_ids(body) == [comment.pk]
    # Without JavaScript the fragment URL sends the reader to the tab on the page.
    plain = client.get(fragment_url)
    assert plain.status_code == 302
    assert plain["Location"] == f"/en/proposals/{proposal.slug}/?ground=differences#common-ground"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "tab", "figure"),
    [
        ("ko", "공감대", "한국 참가자: 86% 지지"),
        ("ja", "共通の基盤", "日本の参加者：86%が支持"),
    ],
)
def test_common_ground_view_speaks_korean_and_japanese(
    client, proposal, make_actor, voters, lang, tab, figure
):
    korean, japanese = voters
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    react_all(comment, korean + japanese, "agree")

    page = client.get(f"/{lang}/proposals/{proposal.slug}/").content.decode()

    assert tab in page
    assert figure in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "ko", "ja"])
def test_the_method_page_explains_with_worked_examples(client, lang):
    page = client.get(f"/{lang}/common-ground/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "√(L_KR × L_JP)" in text
    # The worked examples are computed by the code the pages use: 8 of 10 → L = 0.602, and the flood.
    assert "0.602" in text and "0.086" in text and "0.293" in text
    assert "2026.1" in text


# --- rating posteriors -----------------------------------------------------------------------------


def rate_many(proposal, make_actor, nationality, scores, criteria=("importance", "feasibility")):
    from ratings import services as rating_services

    for score in scores:
        user = make_actor("member", nationality=nationality)
        for criterion in criteria:
            rating_services.rating_set(user=user, proposal=proposal, criterion=criterion, score=score)


@pytest.mark.django_db
def test_proposal_page_shows_posteriors_and_hides_small_groups(client, proposal, make_actor):
    rate_many(proposal, make_actor, KR, [4, 4, 4, 5, 5], criteria=["importance"])
    rate_many(proposal, make_actor, JP, [2, 3, 4, 5], criteria=["importance"])

    page = client.get(f"/en/proposals/{proposal.slug}/").content.decode()

    # KR α = (1,1,1,4,3), α₀ = 10: mean (1+2+3+16+15)/10 = 3.70.
    assert "3.70 (95% interval" in page
    # JP importance (4 raters): its comparison and its bars, and everyone's bars (all minus the
    # Korean raters would be the Japanese ones); both sides of feasibility's comparison.
    assert page.count("Not enough ratings yet") == 5
    assert "Gap (Korean − Japanese)" not in page
    assert "Supported on both sides" not in page


@pytest.mark.django_db
def test_dashboard_shortlists_proposals_supported_on_both_sides(client, programme, make_actor):
    from tests.factories import ProposalFactory

    supported = ProposalFactory(programme=programme)
    one_sided = ProposalFactory(programme=programme)
    rate_many(supported, make_actor, KR, [4, 5] * 5)
    rate_many(supported, make_actor, JP, [5, 4] * 5)
    rate_many(one_sided, make_actor, KR, [5] * 10)
    rate_many(one_sided, make_actor, JP, [2] * 10)

    response = client.get("/en/progress/")

    shortlist = response.context["dashboard"].shortlist
    assert [row.proposal for row in shortlist] == [supported]
    page = response.content.decode()
    section = page.split('id="shortlist-heading"')[1].split("</ul>")[0]
    assert supported.current_version.title_en in section
    assert one_sided.current_version.title_en not in section
    # Ten 4s and 5s each side: α = (1,1,1,6,6), mean 4.00, interval 3.43–4.57.
    assert "4.00 (95% interval 3.43–4.57)" in page


@pytest.mark.django_db
def test_ground_view_and_queue_show_comments_in_the_readers_language(client, proposal, make_actor, voters):
    from translations import registry
    from translations.models import Origin, Status, Translation

    korean, japanese = voters
    comment = CommentFactory(
        proposal=proposal, author=make_actor("member"), body="両国で共同学位を増やすべきです。", language="ja"
    )
    Translation.objects.create(
        source_kind="comment.body",
        source_id=comment.pk,
        source_language="ja",
        source_hash=registry.text_hash(comment.body),
        target_language="ko",
        text="양국에서 공동 학위를 늘려야 합니다.",
        origin=Origin.AUTHOR,
        status=Status.PUBLISHED,
    )
    react_all(comment, korean + japanese, "agree")

    page = client.get(f"/ko/proposals/{proposal.slug}/").content.decode()
    item = page.split(f'id="ground-{comment.pk}"')[1].split("</li>")[0]
    assert "양국에서 공동 학위를 늘려야 합니다." in item and 'lang="ko"' in item
    panel = client.get(
        f"/ko/proposals/{proposal.slug}/comments/common-ground/", {"ground": "common"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "양국에서 공동 학위를 늘려야 합니다." in panel

    reader = make_actor("member", nationality=KR)
    client.force_login(reader)
    queue = client.get(f"/ko/proposals/{proposal.slug}/comments/vote/").content.decode()
    assert "양국에서 공동 학위를 늘려야 합니다." in queue
