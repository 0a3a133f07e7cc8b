import re
from collections import Counter
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template.loader import render_to_string
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from accounts.models import Nationality
from audit.models import AuditEntry
from core.errors import DeliberationError, PermissionRefused
from ratings import services
from ratings.models import Criterion, Group, Rating, RatingAggregate
from ratings.sections import proposal_section
from tests.conftest import ROLES
from tests.factories import ProposalFactory, RatingFactory, UserFactory

IMPORTANCE, FEASIBILITY = Criterion.IMPORTANCE.value, Criterion.FEASIBILITY.value
FIELDS = ("count", "total", "n1", "n2", "n3", "n4", "n5")


def set_url(proposal, lang="en"):
    return f"/{lang}/proposals/{proposal.slug}/ratings/"


def withdraw_url(proposal, lang="en"):
    return f"/{lang}/proposals/{proposal.slug}/ratings/withdraw/"


def recomputed(proposal) -> dict[tuple[str, str], tuple[int, ...]]:
    """What the aggregates should be, counted from the Rating rows (non-empty buckets only)."""
    counts: dict[tuple[str, str], Counter] = {}
    for rating in Rating.objects.filter(proposal=proposal):
        for group in (Group.ALL.value, rating.group):
            counts.setdefault((rating.criterion, group), Counter())[rating.score] += 1
    return {
        key: (sum(c.values()), sum(s * n for s, n in c.items()), *(c[s] for s in range(1, 6)))
        for key, c in counts.items()
    }


def stored(proposal) -> dict[tuple[str, str], tuple[int, ...]]:
    """The aggregate rows as stored, leaving out buckets that are back to zero."""
    rows = RatingAggregate.objects.filter(proposal=proposal).values_list("criterion", "group", *FIELDS)
    return {(c, g): tuple(values) for c, g, *values in rows if any(values)}


def assert_aggregates_exact(proposal):
    assert stored(proposal) == recomputed(proposal)


def seed_rating(user, proposal, criterion=IMPORTANCE, score=3):
    """A rating given while the user may not otherwise rate (suspended, not a member...)."""
    with mock.patch("ratings.services.ensure_can_participate"):
        return services.rating_set(user=user, proposal=proposal, criterion=criterion, score=score)


def aggregate(proposal, criterion=IMPORTANCE, group=Group.ALL):
    return RatingAggregate.objects.get(proposal=proposal, criterion=criterion, group=group)


# --- permission matrix ---------------------------------------------------------------------------

ALLOWED = {"member", "moderator"}


@pytest.mark.django_db
@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_rate(client, proposal, make_actor, close_window, role, window_open):
    actor = make_actor(role)
    if actor:
        client.force_login(actor)
    if not window_open:
        close_window()

    response = client.post(set_url(proposal), {"criterion": IMPORTANCE, "score": "4"})

    if role in ALLOWED and window_open:
        assert response.status_code == 302
        assert Rating.objects.get(user=actor, proposal=proposal).score == 4
        assert aggregate(proposal).count == 1
    else:
        assert response.status_code == 403
        assert not Rating.objects.exists()
        assert not RatingAggregate.objects.filter(count__gt=0).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_withdraw(client, proposal, make_actor, close_window, role, window_open):
    actor = make_actor(role)
    other = RatingFactory(proposal=proposal, score=2)
    if actor:
        seed_rating(actor, proposal, score=5)
        client.force_login(actor)
    if not window_open:
        close_window()
    before = stored(proposal)

    response = client.post(withdraw_url(proposal), {"criterion": IMPORTANCE})

    if role in ALLOWED and window_open:
        assert response.status_code == 302
        assert list(Rating.objects.all()) == [other]
        assert aggregate(proposal).count == 1
    else:
        assert response.status_code == 403
        assert Rating.objects.count() == (2 if actor else 1)
        assert stored(proposal) == before
    assert_aggregates_exact(proposal)


@pytest.mark.django_db
def test_refusal_is_shown_on_the_page_with_its_status(client, proposal, make_actor, close_window):
    client.force_login(make_actor("member"))
    close_window()

    response = client.post(set_url(proposal), {"criterion": IMPORTANCE, "score": "4"})

    assert response.status_code == 403
    assert "The deliberation window for this programme is closed." in response.content.decode()


@pytest.mark.django_db
def test_services_refuse_without_permission(proposal, make_actor):
    with pytest.raises(PermissionRefused) as refused:
        services.rating_set(user=make_actor("non_member"), proposal=proposal, criterion=IMPORTANCE, score=3)
    assert refused.value.code == "not_member"
    assert not Rating.objects.exists()


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"criterion": IMPORTANCE, "score": "0"}, "Choose a score from 1 to 5."),
        ({"criterion": IMPORTANCE, "score": "6"}, "Choose a score from 1 to 5."),
        ({"criterion": IMPORTANCE, "score": "-1"}, "Choose a score from 1 to 5."),
        ({"criterion": IMPORTANCE, "score": "x"}, "Choose a score from 1 to 5."),
        ({"criterion": IMPORTANCE, "score": "3.5"}, "Choose a score from 1 to 5."),
        ({"criterion": IMPORTANCE, "score": ""}, "Choose a score from 1 to 5."),
        ({"criterion": IMPORTANCE}, "Choose a score from 1 to 5."),
        ({"criterion": "beauty", "score": "3"}, "Choose what you are rating: importance or feasibility."),
        ({"criterion": "", "score": "3"}, "Choose what you are rating: importance or feasibility."),
        ({"criterion": "x" * 500, "score": "3"}, "Choose what you are rating: importance or feasibility."),
        ({"score": "3"}, "Choose what you are rating: importance or feasibility."),
    ],
)
def test_bad_rating_is_refused_and_nothing_changes(client, proposal, make_actor, data, message):
    user = make_actor("member")
    RatingFactory(user=user, proposal=proposal, score=2)
    before = stored(proposal)
    client.force_login(user)

    response = client.post(set_url(proposal), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Rating.objects.get().score == 2
    assert stored(proposal) == before


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{"criterion": "beauty"}, {}])
def test_bad_withdrawal_is_refused_and_nothing_changes(client, proposal, make_actor, data):
    user = make_actor("member")
    RatingFactory(user=user, proposal=proposal, score=2)
    before = stored(proposal)
    client.force_login(user)

    response = client.post(withdraw_url(proposal), data)

    assert response.status_code == 400
    assert "Choose what you are rating: importance or feasibility." in response.content.decode()
    assert Rating.objects.count() == 1
    assert stored(proposal) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/en/proposals/no-such-thing/ratings/", "/en/proposals/no-such-thing/ratings/withdraw/"]
)
def test_rating_an_unknown_proposal_is_404(client, make_actor, url):
    client.force_login(make_actor("member"))

    response = client.post(url, {"criterion": IMPORTANCE, "score": "3"})

    assert response.status_code == 404
    assert not Rating.objects.exists()


@pytest.mark.django_db
def test_rating_needs_post(client, proposal, make_actor):
    client.force_login(make_actor("member"))
    assert client.get(set_url(proposal), {"criterion": IMPORTANCE, "score": "3"}).status_code == 405
    assert client.get(withdraw_url(proposal), {"criterion": IMPORTANCE}).status_code == 405
    assert not Rating.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("score", [0, 6, True, "3", None, 2.0])
def test_service_refuses_a_score_that_is_not_1_to_5(proposal, make_actor, score):
    with pytest.raises(DeliberationError) as refused:
        services.rating_set(user=make_actor("member"), proposal=proposal, criterion=IMPORTANCE, score=score)
    assert refused.value.code == "invalid_score"
    assert not Rating.objects.exists()


@pytest.mark.django_db
def test_service_refuses_an_unknown_criterion(proposal, make_actor):
    user = make_actor("member")
    with pytest.raises(DeliberationError) as refused:
        services.rating_set(user=user, proposal=proposal, criterion="beauty", score=3)
    assert refused.value.code == "unknown_criterion"
    with pytest.raises(DeliberationError):
        services.rating_withdraw(user=user, proposal=proposal, criterion="beauty")
    assert not RatingAggregate.objects.exists()


# --- aggregates stay exact -----------------------------------------------------------------------


@pytest.mark.django_db
def test_changes_and_withdrawals_keep_aggregates_exact(proposal, make_actor):
    kr = [make_actor("member", nationality=Nationality.KOREA) for _ in range(3)]
    jp = [make_actor("member", nationality=Nationality.JAPAN) for _ in range(3)]
    other = make_actor("member", nationality=Nationality.OTHER)
    steps = [
        ("set", kr[0], IMPORTANCE, 5),
        ("set", kr[1], IMPORTANCE, 4),
        ("set", jp[0], IMPORTANCE, 1),
        ("set", jp[1], FEASIBILITY, 2),
        ("set", other, IMPORTANCE, 3),
        ("set", kr[0], IMPORTANCE, 2),  # change
        ("set", kr[0], IMPORTANCE, 2),  # same again: nothing changes
        ("set", jp[0], FEASIBILITY, 5),
        ("withdraw", kr[1], IMPORTANCE, None),
        ("withdraw", kr[1], IMPORTANCE, None),  # already withdrawn: nothing changes
        ("set", kr[1], IMPORTANCE, 1),  # rate again after withdrawing
        ("set", jp[2], IMPORTANCE, 4),
        ("withdraw", other, IMPORTANCE, None),
        ("set", kr[2], FEASIBILITY, 3),
        ("set", jp[1], FEASIBILITY, 4),
    ]
    for action, user, criterion, score in steps:
        if action == "set":
            services.rating_set(user=user, proposal=proposal, criterion=criterion, score=score)
        else:
            services.rating_withdraw(user=user, proposal=proposal, criterion=criterion)
        assert_aggregates_exact(proposal)

    overall = aggregate(proposal, IMPORTANCE, Group.ALL)
    assert (overall.count, overall.total, overall.distribution) == (4, 2 + 1 + 1 + 4, [2, 1, 0, 1, 0])
    assert aggregate(proposal, IMPORTANCE, Group.OTHER).count == 0


@pytest.mark.django_db
def test_ratings_are_bucketed_by_nationality(proposal, make_actor):
    RatingFactory(proposal=proposal, user=make_actor("member", nationality=Nationality.KOREA), score=5)
    RatingFactory(proposal=proposal, user=make_actor("member", nationality=Nationality.KOREA), score=4)
    RatingFactory(proposal=proposal, user=make_actor("member", nationality=Nationality.JAPAN), score=1)
    RatingFactory(proposal=proposal, user=make_actor("member", nationality=Nationality.OTHER), score=3)

    got = {
        a.group: (a.count, a.total, a.distribution)
        for a in RatingAggregate.objects.filter(proposal=proposal, criterion=IMPORTANCE)
    }

    assert got == {
        Group.ALL: (4, 13, [1, 0, 1, 1, 1]),
        Group.KOREA: (2, 9, [0, 0, 0, 1, 1]),
        Group.JAPAN: (1, 1, [1, 0, 0, 0, 0]),
        Group.OTHER: (1, 3, [0, 0, 1, 0, 0]),
    }
    assert set(Rating.objects.values_list("group", flat=True)) == {"KR", "JP", "OTHER"}


@pytest.mark.django_db
def test_rating_follows_a_nationality_change_and_withdraws_from_its_own_bucket(proposal, make_actor):
    user = make_actor("member", nationality=Nationality.KOREA)
    RatingFactory(user=user, proposal=proposal, score=4)
    user.nationality = Nationality.JAPAN
    user.save()

    # Withdrawing takes it out of the bucket it was counted in, not the current nationality's.
    services.rating_withdraw(user=user, proposal=proposal, criterion=IMPORTANCE)
    assert aggregate(proposal, group=Group.KOREA).count == 0
    assert aggregate(proposal, group=Group.ALL).count == 0

    RatingFactory(user=user, proposal=proposal, score=4)
    user.nationality = Nationality.KOREA
    user.save()
    # Changing the score moves the rating to the rater's bucket as it is now.
    services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=2)

    assert Rating.objects.get().group == Group.KOREA
    assert aggregate(proposal, group=Group.JAPAN).count == 0
    assert aggregate(proposal, group=Group.KOREA).distribution == [0, 1, 0, 0, 0]
    assert_aggregates_exact(proposal)


@pytest.mark.django_db
def test_concurrent_first_rating_by_the_same_user_becomes_a_change(proposal, make_actor):
    """The unique constraint refuses the second insert; the service retries it as an update."""
    user = make_actor("member")
    RatingFactory(user=user, proposal=proposal, score=2)
    # The first look finds nothing, as if the other request had not committed yet.
    with mock.patch.object(services, "_locked_ratings", return_value={}):
        rating = services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=4)

    assert rating.score == 4
    assert Rating.objects.get().score == 4
    assert aggregate(proposal).distribution == [0, 0, 0, 1, 0]
    assert_aggregates_exact(proposal)


@pytest.mark.django_db
def test_double_submit_changes_nothing_the_second_time(client, proposal, make_actor):
    client.force_login(make_actor("member"))
    for _ in range(2):
        assert client.post(set_url(proposal), {"criterion": IMPORTANCE, "score": "4"}).status_code == 302

    assert Rating.objects.count() == 1
    assert aggregate(proposal).count == 1
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["rating.created"]


@pytest.mark.django_db
def test_withdrawing_nothing_moves_nothing_not_even_the_pages_stamp(client, proposal, make_actor):
    # A double submit of a withdrawal: the second finds nothing, and the page stays as cached.
    from proposals.models import Proposal

    user = make_actor("member")
    services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=4)
    client.force_login(user)
    stamps = []
    for _ in range(2):
        response = client.post(
            withdraw_url(proposal), {"criterion": IMPORTANCE}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert " checked" not in section_of(response.content.decode())
        stamps.append(Proposal.objects.get(pk=proposal.pk).activity_stamp)

    assert stamps[1] == stamps[0]
    assert not Rating.objects.exists()
    assert_aggregates_exact(proposal)
    assert AuditEntry.objects.filter(action="rating.withdrawn").count() == 1


@pytest.mark.django_db
def test_each_change_is_in_the_audit_log(proposal, make_actor):
    user = make_actor("member")
    services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=3)
    services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=5)
    services.rating_withdraw(user=user, proposal=proposal, criterion=IMPORTANCE)

    entries = AuditEntry.objects.order_by("pk")
    assert [(e.action, e.actor, e.data) for e in entries] == [
        ("rating.created", user, {"criterion": IMPORTANCE, "score": 3}),
        ("rating.changed", user, {"criterion": IMPORTANCE, "score": 5, "previous": 3}),
        ("rating.withdrawn", user, {"criterion": IMPORTANCE, "previous": 5}),
    ]


@pytest.mark.django_db
def test_criteria_are_rated_and_withdrawn_separately(client, proposal, make_actor):
    user = make_actor("member")
    client.force_login(user)
    client.post(set_url(proposal), {"criterion": IMPORTANCE, "score": "5"})
    client.post(set_url(proposal), {"criterion": FEASIBILITY, "score": "2"})

    client.post(withdraw_url(proposal), {"criterion": FEASIBILITY})

    assert dict(Rating.objects.values_list("criterion", "score")) == {IMPORTANCE: 5}
    assert aggregate(proposal, FEASIBILITY).count == 0
    assert_aggregates_exact(proposal)


# --- without JavaScript and with htmx --------------------------------------------------------------


@pytest.mark.django_db
def test_without_javascript_rating_redirects_back_with_a_message(client, proposal, make_actor):
    client.force_login(make_actor("member"))

    response = client.post(set_url(proposal), {"criterion": IMPORTANCE, "score": "4"})

    assert response.status_code == 302
    assert response["Location"] == f"/en/proposals/{proposal.slug}/#ratings"
    assert "Your rating is saved." in client.get(response["Location"]).content.decode()

    response = client.post(withdraw_url(proposal), {"criterion": IMPORTANCE}, follow=True)
    assert "Your rating is withdrawn." in response.content.decode()


@pytest.mark.django_db
def test_with_htmx_rating_returns_the_section(client, proposal, make_actor):
    client.force_login(make_actor("member"))

    response = client.post(
        set_url(proposal), {"criterion": IMPORTANCE, "score": "4"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="ratings"')
    assert "<html" not in html
    assert "Your rating is saved." in html
    assert 'name="score" value="4" required checked' in html
    # Not left behind for the next page load.
    assert "Your rating is saved." not in client.get(proposal.get_absolute_url()).content.decode()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.django_db
def test_with_htmx_each_rater_sees_only_their_own_scores_and_a_token_that_works(proposal, make_actor):
    # The controls are kept once per process (ratings.sections._controls): a copy drawn for one
    # rater must never show another's score, and each answer carries its own working CSRF token.
    from django.test import Client

    raters = {}
    for score in (4, 2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_actor("member"))
        raters[score] = client
    for _round in range(2):
        for score, client in raters.items():
            token = csrf_of(section_of(client.get(proposal.get_absolute_url()).content.decode()))
            response = client.post(
                set_url(proposal),
                {"criterion": IMPORTANCE, "score": str(score), "csrfmiddlewaretoken": token},
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 200
            html = response.content.decode()
            assert re.findall(r'value="(\d)" required checked', html) == [str(score)]
            assert f"Your score: {score}" in html
            assert "csrf-token" not in html
            # The answer's own token posts the next change (the withdraw form's, then the rating's).
            withdrawn = client.post(
                withdraw_url(proposal),
                {"criterion": IMPORTANCE, "csrfmiddlewaretoken": csrf_of(html)},
                headers={"HX-Request": "true"},
            )
            assert withdrawn.status_code == 200
            assert " checked" not in withdrawn.content.decode()
            again = client.post(
                set_url(proposal),
                {
                    "criterion": IMPORTANCE,
                    "score": str(score),
                    "csrfmiddlewaretoken": csrf_of(withdrawn.content.decode()),
                },
                headers={"HX-Request": "true"},
            )
            assert re.findall(r'value="(\d)" required checked', again.content.decode()) == [str(score)]
    assert dict(Rating.objects.filter(proposal=proposal).values_list("score", "criterion")) == {
        4: IMPORTANCE,
        2: IMPORTANCE,
    }


@pytest.mark.django_db
def test_with_htmx_the_controls_are_drawn_once_per_process(client, proposal, make_actor, settings):
    # Two raters giving the same score get the same controls: the second answer does not draw them.
    settings.DEBUG = False
    answers = []
    for rater in (make_actor("member"), make_actor("member")):
        client.force_login(rater)
        drawn = []

        def on_render(sender, template, context, drawn=drawn, **kwargs):
            drawn.append(template.name)

        template_rendered.connect(on_render)
        try:
            response = client.post(
                set_url(proposal), {"criterion": IMPORTANCE, "score": "3"}, headers={"HX-Request": "true"}
            )
        finally:
            template_rendered.disconnect(on_render)
        assert response.status_code == 200
        answers.append((section_of(response.content.decode()), drawn))

    (first, first_drawn), (second, second_drawn) = answers
    assert first_drawn.count("ratings/_controls.html") == 2  # both criteria, the first time
    assert "ratings/_controls.html" not in second_drawn
    assert 'name="score" value="3" required checked' in second
    assert csrf_of(first) != csrf_of(second)


def after(rating) -> dict[tuple[str, str], tuple[int, ...]]:
    """The aggregates the service left on the rating it returned, as ``stored`` gives them."""
    rows = rating.aggregates_after.items()
    return {key: values for key, row in rows if any(values := tuple(getattr(row, f) for f in FIELDS))}


@pytest.mark.django_db
def test_rating_set_returns_the_aggregates_and_scores_its_write_left(proposal, make_actor):
    # The view draws the section from them: they must be what the database holds afterwards.
    rate_many(proposal, make_actor, 7)
    user = make_actor("member", nationality=Nationality.KOREA)
    services.rating_set(user=user, proposal=proposal, criterion=FEASIBILITY, score=2)

    for score in (3, 5, 5, 1):  # first rating, changes, a repeat that changes nothing
        rating = services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=score)
        assert after(rating) == stored(proposal) == recomputed(proposal)
        assert rating.scores_after == {FEASIBILITY: 2, IMPORTANCE: score}
    user.nationality = Nationality.JAPAN
    user.save()
    # Moved to the rater's new group: three rows change, two of them differently.
    rating = services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=4)
    assert after(rating) == stored(proposal) == recomputed(proposal)
    # A criterion no one rated yet from this group: its rows are created, then counted.
    other = make_actor("member", nationality=Nationality.OTHER)
    rating = services.rating_set(user=other, proposal=proposal, criterion=FEASIBILITY, score=5)
    assert after(rating) == stored(proposal) == recomputed(proposal)
    assert rating.scores_after == {FEASIBILITY: 5}


def without_notice(section: str) -> str:
    """A ratings section without the write's notice, CSRF tokens made equal, spacing ignored."""
    section = re.sub(r'<p class="message[^"]*" role="(status|alert)">.*?</p>', "", section, flags=re.S)
    section = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", section)
    return " ".join(section.split())


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja"])
@pytest.mark.parametrize("before", [None, 2, 4], ids=["first", "change", "same"])
def test_with_htmx_the_section_is_the_one_the_page_then_shows(client, proposal, make_actor, lang, before):
    # The answer is drawn from what the write left, not read again: it must be the page's section.
    rate_many(proposal, make_actor, 12)
    user = make_actor("member", nationality=Nationality.JAPAN)
    services.rating_set(user=user, proposal=proposal, criterion=FEASIBILITY, score=3)
    if before is not None:
        services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=before)
    client.force_login(user)

    response = client.post(
        set_url(proposal, lang), {"criterion": IMPORTANCE, "score": "4"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    page = client.get(f"/{lang}/proposals/{proposal.slug}/").content.decode()
    assert without_notice(section_of(response.content.decode())) == without_notice(section_of(page))


def figures_of(section: str, criterion: str) -> str:
    """One criterion's figures in a ratings section: from its heading to the next form or heading."""
    start = section.index(f'id="rating-{criterion}-heading"')
    ends = [section.find(mark, start + 1) for mark in ("<form", 'id="rating-', "</section>")]
    return section[start : min([end for end in ends if end != -1] or [len(section)])]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_with_htmx_only_the_criterion_whose_numbers_changed_is_redrawn(client, proposal, make_actor, lang):
    # The figures are kept under their numbers: a write that changes importance draws importance
    # anew, and feasibility (numbers unchanged) comes from what the page kept.
    rate_many(proposal, make_actor, 12)
    user = make_actor("member", nationality=Nationality.JAPAN)
    client.force_login(user)
    before = section_of(client.get(f"/{lang}/proposals/{proposal.slug}/").content.decode())
    drawn = []

    def on_render(sender, template, context, **kwargs):
        if template.name == "ratings/_figures.html":
            drawn.append(context["summary"].criterion.value)

    template_rendered.connect(on_render)
    try:
        response = client.post(
            set_url(proposal, lang), {"criterion": IMPORTANCE, "score": "4"}, headers={"HX-Request": "true"}
        )
    finally:
        template_rendered.disconnect(on_render)

    assert response.status_code == 200
    assert drawn == [IMPORTANCE]
    answered = section_of(response.content.decode())
    assert figures_of(answered, FEASIBILITY) == figures_of(before, FEASIBILITY)
    assert figures_of(answered, IMPORTANCE) != figures_of(before, IMPORTANCE)
    assert "13" in figures_of(answered, IMPORTANCE) and "13" not in figures_of(before, IMPORTANCE)
    page = section_of(client.get(f"/{lang}/proposals/{proposal.slug}/").content.decode())
    assert without_notice(answered) == without_notice(page)


@pytest.mark.django_db
def test_with_htmx_figures_of_numbers_seen_before_are_neither_drawn_nor_read(client, proposal, make_actor):
    # Figures are kept under their numbers in the process too (ratings.sections._FIGURES): back to
    # numbers the process has drawn, the answer reads nothing from the shared cache and draws nothing.
    from django.core.cache import cache

    from ratings import sections

    rate_many(proposal, make_actor, 6)
    client.force_login(make_actor("member", nationality=Nationality.JAPAN))
    answers = {}
    for score in ("2", "5", "2"):
        drawn = []

        def on_render(sender, template, context, drawn=drawn, **kwargs):
            drawn.append(template.name)

        template_rendered.connect(on_render)
        try:
            with mock.patch.object(sections, "cache", wraps=cache) as shared:
                response = client.post(
                    set_url(proposal),
                    {"criterion": IMPORTANCE, "score": score},
                    headers={"HX-Request": "true"},
                )
        finally:
            template_rendered.disconnect(on_render)
        assert response.status_code == 200
        answers.setdefault(score, []).append(
            (section_of(response.content.decode()), shared.get_many.call_count, drawn)
        )

    (first, first_reads, first_drawn), (again, reads, drawn) = answers["2"]
    assert first_reads == 1 and "ratings/_figures.html" in first_drawn
    assert reads == 0 and "ratings/_figures.html" not in drawn
    assert without_notice(again) == without_notice(first)
    page = section_of(client.get(proposal.get_absolute_url()).content.decode())
    assert without_notice(again) == without_notice(page)
    assert_aggregates_exact(proposal)


@pytest.mark.django_db
def test_with_htmx_a_refusal_returns_the_section_with_the_message(client, proposal, make_actor):
    client.force_login(make_actor("member"))

    response = client.post(
        set_url(proposal), {"criterion": IMPORTANCE, "score": "9"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="ratings"')
    assert 'role="alert">Choose a score from 1 to 5.' in html


# --- the proposal page -----------------------------------------------------------------------------


def rate_many(proposal, make_actor, n):
    nationalities = [Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER]
    for i in range(n):
        user = make_actor("member", nationality=nationalities[i % 3])
        services.rating_set(user=user, proposal=proposal, criterion=IMPORTANCE, score=i % 5 + 1)
        services.rating_set(user=user, proposal=proposal, criterion=FEASIBILITY, score=(i + 2) % 5 + 1)


@pytest.mark.django_db
@pytest.mark.parametrize("raters", [3, 30])
@pytest.mark.parametrize(("role", "queries"), [("anonymous", 1), ("member", 2)])
def test_ratings_section_is_one_or_two_queries(
    rf, proposal, make_actor, raters, role, queries, django_assert_num_queries, settings
):
    """Drawn, the section costs the aggregates and the viewer's own scores; with the figures from
    the shared cache (ratings.sections.figures), the own scores and a read of the cache."""
    from django.core.cache import cache

    from tests.test_query_budgets import PAGE_CACHE_GET

    rate_many(proposal, make_actor, raters)
    viewer = make_actor(role)
    if viewer:
        services.rating_set(user=viewer, proposal=proposal, criterion=IMPORTANCE, score=3)
    proposal.refresh_from_db()  # its activity stamp, as the page reads it
    request = rf.get(proposal.get_absolute_url())
    request.user = viewer or AnonymousUser()

    def draw() -> str:
        context = {"proposal": proposal, **proposal_section(request, proposal, None)}
        html = render_to_string("ratings/_proposal_section.html", context, request=request)
        return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1TOKEN", html)

    settings.PROPOSAL_PAGE_CACHE = False
    with django_assert_num_queries(queries):
        html = draw()
    assert ("Withdraw my rating" in html) == bool(viewer)

    settings.PROPOSAL_PAGE_CACHE = True
    cache.clear()
    assert draw() == html
    with django_assert_num_queries(queries - 1 + PAGE_CACHE_GET):
        assert draw() == html


@pytest.mark.django_db
def test_proposal_page_queries_do_not_grow_with_raters(client, make_actor, programme):
    counts = []
    viewer = make_actor("member")
    client.force_login(viewer)
    for raters in (3, 30):
        proposal = ProposalFactory(programme=programme)
        rate_many(proposal, make_actor, raters)
        services.rating_set(user=viewer, proposal=proposal, criterion=IMPORTANCE, score=3)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(proposal.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def section_of(html: str) -> str:
    return html.split('<section id="ratings"', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja", "en"])
def test_page_shows_mean_count_and_distribution_per_group(client, proposal, make_actor, lang):
    for nationality, scores in [(Nationality.KOREA, [4, 5, 5, 4, 5]), (Nationality.JAPAN, [2, 2, 3, 2, 1])]:
        for score in scores:
            RatingFactory(proposal=proposal, user=make_actor("member", nationality=nationality), score=score)

    response = client.get(f"/{lang}/proposals/{proposal.slug}/")

    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    section = section_of(html)
    groups = section.split('<figure class="rating-group ')[1:4]  # importance: all, KR, JP
    all_, kr, jp = groups
    assert all_.startswith("rating-group-all") and "3.3 / 5" in all_  # 33 / 10
    assert kr.startswith("rating-group-kr") and "4.6 / 5" in kr  # 23 / 5
    assert jp.startswith("rating-group-jp") and "2.0 / 5" in jp
    assert '<th scope="row">5</th>' in kr and '<td class="rating-bar-count">3</td>' in kr
    count = kr.split('<span class="rating-count">')[1].split("</span>")[0]
    assert "5" in count
    # Bar widths are SVG attributes (share of the group, in percent), never style attributes.
    assert '<rect class="rating-bar-fill" width="60" height="10">' in kr
    assert '<rect class="rating-bar-fill" width="30" height="10">' in all_
    assert "style=" not in section
    # Feasibility has no ratings yet: no mean, no bars.
    feasibility = section.split('id="rating-feasibility-heading"')[1]
    assert "/ 5" not in feasibility.split("<form")[0]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja", "en"])
def test_page_withholds_a_small_group_and_what_would_give_it_away(client, proposal, make_actor, lang):
    """Fewer than 5 raters in a group: its count only. Everyone together is withheld too, or all
    minus the Korean raters shown would be the one Japanese rating (issue #10: small groups)."""
    for score in [4, 5, 5, 4, 5]:
        RatingFactory(
            proposal=proposal, user=make_actor("member", nationality=Nationality.KOREA), score=score
        )
    RatingFactory(proposal=proposal, user=make_actor("member", nationality=Nationality.JAPAN), score=1)

    section = section_of(client.get(f"/{lang}/proposals/{proposal.slug}/").content.decode())

    all_, kr, jp = section.split('<figure class="rating-group ')[1:4]
    assert "4.6 / 5" in kr and '<td class="rating-bar-count">3</td>' in kr
    for withheld in (jp, all_):
        assert "/ 5" not in withheld and "rating-bar-count" not in withheld
        assert 'class="rating-withheld"' in withheld
    assert "1" in jp.split('<span class="rating-count">')[1].split("</span>")[0]
    assert "6" in all_.split('<span class="rating-count">')[1].split("</span>")[0]
    if lang == "ko":
        assert "아직 평가가 충분하지 않습니다" in jp


@pytest.mark.django_db
def test_page_shows_the_viewers_scores_with_forms_to_change_and_withdraw(client, proposal, make_actor):
    user = make_actor("member")
    RatingFactory(user=user, proposal=proposal, criterion=FEASIBILITY, score=2)
    client.force_login(user)

    section = section_of(client.get(proposal.get_absolute_url()).content.decode())

    importance, feasibility = section.split('id="rating-feasibility-heading"')
    assert 'name="criterion" value="importance"' in importance
    assert " checked" not in importance
    assert "Withdraw my rating" not in importance
    assert 'name="score" value="2" required checked' in feasibility
    assert f'action="/en/proposals/{proposal.slug}/ratings/withdraw/"' in feasibility
    assert 'hx-post="/en/proposals/' in feasibility
    assert "csrfmiddlewaretoken" in feasibility


@pytest.mark.django_db
def test_closed_window_shows_own_scores_without_forms(client, proposal, make_actor, close_window):
    user = make_actor("member")
    RatingFactory(user=user, proposal=proposal, score=5)
    close_window()
    client.force_login(user)

    section = section_of(client.get(proposal.get_absolute_url()).content.decode())

    assert "<form" not in section
    assert "Your score: 5" in section


@pytest.mark.django_db
def test_anonymous_visitor_sees_aggregates_and_a_login_link(client, proposal, make_actor):
    for _n in range(5):  # fewer raters would be withheld (small groups)
        RatingFactory(proposal=proposal, user=make_actor("member"), score=4)

    section = section_of(client.get(proposal.get_absolute_url()).content.decode())

    assert "4.0 / 5" in section
    assert "<form" not in section
    assert f"/en/accounts/login/?next=/en/proposals/{proposal.slug}/" in section


# --- admin -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["rating", "ratingaggregate"])
def test_admin_lists_are_read_only(client, proposal, make_actor, model):
    moderator = make_actor("moderator")
    RatingFactory(proposal=proposal, user=UserFactory(), score=4)
    client.force_login(moderator)

    assert client.get(f"/en/admin/ratings/{model}/").status_code == 200
    assert client.get(f"/en/admin/ratings/{model}/add/").status_code == 403
    obj = (Rating if model == "rating" else RatingAggregate).objects.first()
    assert client.post(f"/en/admin/ratings/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert_aggregates_exact(proposal)
