"""The benchmark's data generator (``manage.py bench_seed``), its ceiling view and the checks the
runner makes after the load (``make bench`` itself needs PostgreSQL, gunicorn and wrk: it is run
by hand, and tests/test_query_budgets.py holds the query budgets of the routes it loads)."""

import importlib
import os
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import RequestFactory
from django.urls import Resolver404, clear_url_caches, resolve

from accounts.models import Membership, User
from accounts.permissions import participation_refusal
from amendments.models import Amendment, AmendmentState, AmendmentVote
from bench import checks, load, rediscache, report, runner, seed
from bench.management.commands import bench_seed
from bench.views import hello
from comments.models import Comment
from moderation.models import Report
from proposals.models import Proposal, ProposalVersion
from ratings.models import Rating, RatingAggregate
from ratings.services import rating_set

VOLUME = seed.Volume(
    participants=40, comments=500, ratings=300, amendments=30, reports=12, milestones=45, thread_comments=200
)


@pytest.fixture
def generated(seeded):
    """The seeded proposals plus the benchmark's data at a small volume; returns the marker data."""
    return seed.seed(VOLUME)


def seed_command(**options) -> str:
    from io import StringIO

    out = StringIO()
    volume = dict(VOLUME.__dict__)
    # The bench app is installed only in the bench profile (DJANGO_ENV=bench), so its command is
    # not found by name here: run the command itself.
    call_command(bench_seed.Command(), stdout=out, **{**volume, **options})
    return out.getvalue()


def table_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Comment,
            Rating,
            RatingAggregate,
            Amendment,
            AmendmentVote,
            Report,
            ProposalVersion,
        )
    }


# --- bench_seed ----------------------------------------------------------------------------------


def test_bench_seed_writes_the_volume_asked_for(seeded):
    users_before = User.objects.count()

    seed_command()

    assert User.objects.count() - users_before == VOLUME.participants + 3 + seed.WRITERS
    assert Comment.objects.count() == VOLUME.comments
    assert Amendment.objects.count() == VOLUME.amendments
    assert Report.objects.count() == VOLUME.reports
    from progress.models import Milestone

    assert Milestone.objects.count() == VOLUME.milestones
    # The writers' ratings of the hot proposal (changed during the run) come on top.
    assert VOLUME.ratings <= Rating.objects.count() <= VOLUME.ratings + seed.WRITERS


def test_bench_seed_a_second_time_changes_nothing(seeded):
    seed_command()
    before = table_counts()

    output = seed_command()

    assert "Already seeded" in output
    assert table_counts() == before


def test_bench_seed_needs_the_seeded_proposals(db):
    with pytest.raises(CommandError, match="load_seed"):
        seed_command()
    assert Comment.objects.count() == 0


def test_bench_seed_refuses_the_production_profile(seeded, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed_command()
    assert Comment.objects.count() == 0


def test_volume_scales_everything_but_the_measured_thread():
    tenth = seed.Volume.scaled(0.1)
    assert tenth.participants == 2_000 and tenth.comments == 20_000 and tenth.ratings == 30_000
    assert tenth.thread_comments == 5_000
    assert seed.Volume.scaled(0.01).thread_comments == 2_000  # never more than all comments
    assert seed.Volume.scaled(1, comments=10).comments == 10


# --- consistency of what it writes ---------------------------------------------------------------


def test_threads_are_consistent(generated):
    comments = {c.pk: c for c in Comment.objects.all()}
    children = Counter(c.parent_id for c in comments.values() if c.parent_id)
    for comment in comments.values():
        if comment.parent_id is None:
            assert comment.depth == 0 and comment.root_id == comment.pk
        else:
            parent = comments[comment.parent_id]
            assert comment.depth == parent.depth + 1 <= 2
            assert comment.root_id == parent.root_id
            assert comment.created_at >= parent.created_at
            assert (comment.proposal_id, comment.amendment_id) == (parent.proposal_id, parent.amendment_id)
        assert comment.reply_count == children[comment.pk]


def test_the_measured_thread_has_its_size_and_three_languages(generated):
    hot = Proposal.objects.get(slug=seed.HOT_PROPOSAL)
    thread = Comment.objects.filter(proposal=hot, amendment=None)
    assert thread.count() == VOLUME.thread_comments
    assert set(Comment.objects.values_list("language", flat=True)) == {"ko", "ja", "en"}
    assert Comment.objects.filter(amendment_id=generated["bench_amendment"]).exists()


def test_rating_aggregates_equal_a_recount_of_the_ratings(generated):
    stored = {
        (row["proposal_id"], row["criterion"], row["group"]): {
            name: row[name] for name in seed.AGGREGATE_FIELDS
        }
        for row in RatingAggregate.objects.values("proposal_id", "criterion", "group", *seed.AGGREGATE_FIELDS)
    }
    assert stored == seed.rating_totals(list(Proposal.objects.values_list("pk", flat=True)))
    assert stored  # something was counted


def test_rating_aggregates_stay_exact_when_the_services_change_a_generated_rating(generated):
    writer = User.objects.get(email=generated["writers"][0])
    hot = Proposal.objects.select_related("programme").get(slug=seed.HOT_PROPOSAL)

    rating_set(user=writer, proposal=hot, criterion="importance", score=5)

    stored = {
        (row["proposal_id"], row["criterion"], row["group"]): {
            name: row[name] for name in seed.AGGREGATE_FIELDS
        }
        for row in RatingAggregate.objects.filter(proposal=hot).values(
            "proposal_id", "criterion", "group", *seed.AGGREGATE_FIELDS
        )
    }
    assert stored == seed.rating_totals([hot.pk])


def test_amendments_versions_and_votes_are_consistent(generated):
    assert set(Amendment.objects.values_list("state", flat=True)) >= {
        AmendmentState.OPEN,
        AmendmentState.REJECTED,
    }
    for amendment in Amendment.objects.select_related("proposal", "base_version", "result_version"):
        current = amendment.proposal.current_version_id
        votes = Counter(
            (value, nationality) for value, nationality in amendment.votes.values_list("value", "nationality")
        )
        assert amendment.support_count == sum(n for (v, _), n in votes.items() if v == "support")
        assert amendment.oppose_count == sum(n for (v, _), n in votes.items() if v == "oppose")
        assert amendment.support_kr == votes[("support", "KR")]
        assert amendment.oppose_jp == votes[("oppose", "JP")]
        if amendment.state == AmendmentState.ACCEPTED:
            assert amendment.result_version.number == amendment.base_version.number + 1
            assert getattr(amendment.result_version, amendment.field_name) == amendment.new_text
        if amendment.state == AmendmentState.OPEN:
            assert amendment.base_version_id == current
            assert getattr(amendment.base_version, amendment.field_name) == amendment.original_text
        if amendment.state == AmendmentState.OUTDATED:
            assert amendment.base_version_id != current
    for proposal in Proposal.objects.annotate(highest=Count("versions")):
        assert proposal.current_version.number == proposal.highest


def test_stages_follow_the_latest_published_milestones(generated):
    from progress.models import JurisdictionStage, Milestone

    latest, overall = {}, {}
    for milestone in Milestone.objects.filter(status="published").order_by("date", "pk"):
        latest[(milestone.proposal_id, milestone.jurisdiction)] = milestone
        overall[milestone.proposal_id] = milestone
    rows = {(row.proposal_id, row.jurisdiction): row for row in JurisdictionStage.objects.all()}
    assert rows.keys() == latest.keys()
    for key, row in rows.items():
        assert (row.stage, row.milestone_id) == (latest[key].stage, latest[key].pk)
    for proposal in Proposal.objects.filter(pk__in=overall):
        assert proposal.stage == overall[proposal.pk].stage


def test_reports_are_below_the_automatic_hide_threshold_unless_actioned(generated):
    assert not Report.objects.filter(comment=None, amendment=None).exists()
    for actioned in Report.objects.filter(status="actioned").select_related("comment"):
        assert actioned.comment.hidden_at is not None
    open_per_target = Counter(Report.objects.filter(status="open").values_list("comment_id", "amendment_id"))
    assert max(open_per_target.values()) < getattr(settings, "MODERATION_REPORT_THRESHOLD", 3)


def test_bench_accounts_can_log_in_and_take_part(client, generated):
    hot = Proposal.objects.select_related("programme").get(slug=seed.HOT_PROPOSAL)
    for email in [generated["reader"], generated["probe"], *generated["writers"]]:
        user = User.objects.get(email=email)
        assert client.login(email=email, password=seed.PASSWORD)
        assert participation_refusal(user, hot.programme) is None
    participants = User.objects.filter(email__endswith=f"@{seed.DOMAIN}")
    assert EmailAddress.objects.filter(user__in=participants, verified=True, primary=True).count() == (
        participants.count()
    )
    assert Membership.objects.filter(user__in=participants).count() >= 0.9 * participants.count()


# --- the ceiling view ----------------------------------------------------------------------------


def test_hello_answers_without_touching_the_database():
    # No database fixture: pytest-django fails the test if the view touches the database.
    response = hello(RequestFactory().get("/bench/hello"))
    assert response.status_code == 200
    assert response.content == b"hello"


def test_the_bench_app_is_installed_only_in_the_bench_profile():
    import subprocess
    import sys

    from django.apps import apps
    from django.core.management import get_commands

    assert not apps.is_installed("bench")
    assert "bench_seed" not in get_commands()
    code = "import django; django.setup(); from django.apps import apps; print(apps.is_installed('bench'))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "deliberation.settings", "DJANGO_ENV": "bench"}
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"


def test_hello_is_routed_only_in_the_bench_profile(settings):
    import deliberation.urls

    with pytest.raises(Resolver404):
        resolve("/bench/hello")
    settings.ENVIRONMENT = "bench"
    try:
        importlib.reload(deliberation.urls)
        clear_url_caches()
        assert resolve("/bench/hello").func is hello
    finally:
        settings.ENVIRONMENT = "development"
        importlib.reload(deliberation.urls)
        clear_url_caches()
    with pytest.raises(Resolver404):
        resolve("/bench/hello")


# --- the runner's checks -------------------------------------------------------------------------


def test_the_runner_refuses_outside_the_bench_profile(settings):
    with pytest.raises(runner.BenchError, match="DJANGO_ENV=bench"):
        runner.check_environment(runner.Config())
    settings.ENVIRONMENT = "bench"
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        with pytest.raises(runner.BenchError, match="PostgreSQL"):
            runner.check_environment(runner.Config())


def _sessions(emails) -> list:
    return [load.Session(email, "", "", User.objects.get(email=email).pk) for email in emails]


def _comment(session, nonce: str, thread: int, sequence: int):
    hot = Proposal.objects.get(slug=seed.HOT_PROPOSAL)
    token = f"{nonce}-{thread:04x}-4000-8000-{sequence:012x}"
    Comment.objects.create(
        proposal=hot, author_id=session.user_id, body="x", language="ja", client_token=token
    )


def test_comment_check_is_exact_when_every_2xx_made_one_row(generated):
    sessions = _sessions(generated["writers"][:2])
    result = load.Result(route=None, nonce="abcd1234")
    # Thread 1: three answered, and a fourth in flight at the stop that the server completed.
    result.threads = [
        {"index": 1, "sent": 4, "ok": 3, "other": 0},
        {"index": 2, "sent": 2, "ok": 2, "other": 0},
    ]
    for sequence in (1, 2, 3, 4):
        _comment(sessions[0], "abcd1234", 1, sequence)
    for sequence in (1, 2):
        _comment(sessions[1], "abcd1234", 2, sequence)
    _comment(sessions[1], "0000beef", 2, 3)  # the warm-up's: another nonce, not counted

    (line,) = checks.verify_comments(result, sessions)

    assert "6 rows created for 5 answered 2xx + 1 request(s) in flight" in line
    assert line.endswith("exact.")


def test_comment_check_reports_a_2xx_that_made_no_row(generated):
    sessions = _sessions(generated["writers"][:1])
    result = load.Result(route=None, nonce="abcd1234")
    result.threads = [{"index": 1, "sent": 3, "ok": 3, "other": 0}]
    for sequence in (1, 3):
        _comment(sessions[0], "abcd1234", 1, sequence)

    (line,) = checks.verify_comments(result, sessions)

    assert "MISMATCH" in line and "3 answered 2xx but 2 comments" in line


def test_rating_check_is_exact_after_changes_through_the_service(generated):
    sessions = _sessions(generated["writers"][:2])
    hot = Proposal.objects.select_related("programme").get(slug=seed.HOT_PROPOSAL)
    before = checks.current_scores([s.user_id for s in sessions], hot.pk)
    audit_from = load.audit_mark()
    result = load.Result(route=None)
    result.threads = []
    for index, session in enumerate(sessions, start=1):
        user = User.objects.get(pk=session.user_id)
        for sequence in (1, 2, 3):
            score = (before[user.pk] - 1 + sequence) % 5 + 1
            rating_set(user=user, proposal=hot, criterion="importance", score=score)
        result.threads.append({"index": index, "sent": 3, "ok": 3, "other": 0})

    (line,) = checks.verify_ratings(result, sessions, before, audit_from)

    assert "6 changes recorded for 6 answered 2xx" in line and line.endswith("exact.")

    RatingAggregate.objects.filter(proposal=hot, group="ALL", criterion="importance").update(count=0)
    (line,) = checks.verify_ratings(result, sessions, before, audit_from)
    assert "aggregates differ" in line


def test_results_keep_the_hand_written_analysis(tmp_path):
    path = tmp_path / "RESULTS.md"
    route = load.Route("hello", "Ceiling", "/bench/hello", "anonymous")
    result = load.Result(route=route, rps=3000.0, ratio=1.0)
    data = {"counts": {}, "volume": VOLUME.__dict__, "hot_proposal": seed.HOT_PROPOSAL}
    arguments = {
        "facts": {"date": "today"},
        "data": data,
        "results": [result],
        "ceiling": 3000.0,
        "missing": [],
        "checks": [],
        "profiles": {},
    }
    report.write_results(path, **arguments)
    path.write_text(path.read_text().replace("(to be written)", "Page links grow with the thread."))

    report.write_results(path, **arguments)

    text = path.read_text()
    assert "Page links grow with the thread." in text
    assert text.count(report.ANALYSIS_MARKER) == 1
    assert "| Ceiling<br>`GET /bench/hello` | anonymous | 3,000.0 |" in text


# --- Redis, as production has it ------------------------------------------------------------------


def _redis_settings(settings, url: str) -> None:
    settings.REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


def test_the_runner_refuses_a_cache_that_is_not_redis(settings):
    settings.REDIS_URL = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(runner.BenchError, match="REDIS_URL"), rediscache.RedisForBench(log=lambda _m: None):
        pass


def test_unreachable_redis_without_a_server_to_start_is_a_clear_error(settings, monkeypatch):
    _redis_settings(settings, f"redis://127.0.0.1:{load.free_port()}/0")
    monkeypatch.setattr(rediscache.shutil, "which", lambda _name: None)
    with (
        pytest.raises(runner.BenchError, match="Redis is not reachable"),
        rediscache.RedisForBench(log=print),
    ):
        pass


@pytest.mark.skipif(rediscache.shutil.which("redis-server") is None, reason="needs redis-server")
def test_a_local_redis_is_started_for_the_run_and_stopped_after(settings, tmp_path):
    port = load.free_port()
    url = f"redis://127.0.0.1:{port}/0"
    _redis_settings(settings, url)
    settings.VAR_DIR = tmp_path
    with rediscache.RedisForBench(log=lambda _m: None) as redis:
        assert rediscache._answers(url)
        assert f"127.0.0.1:{port} db 0, started by make bench for the run" in redis.describe()
    assert not rediscache._answers(url)


def test_results_show_every_target_of_the_issue():
    """Issue #11's table: each route's target is printed, met or missed, in RESULTS.md's table."""
    routes = {
        route.key: route
        for route in [
            load.Route("hello", "Ceiling", "/bench/hello", "anonymous"),
            load.Route("page1_anon", "p1", "/", "anonymous", min_ratio=0.30),
            load.Route("page50_anon", "p50", "/?page=50", "anonymous", same_cost_as="page1_anon"),
            load.Route("api_list", "api", "/api/", "api", min_ratio=0.15, max_queries=6),
        ]
    }
    results = [
        load.Result(route=routes["hello"], rps=3000.0),
        load.Result(route=routes["page1_anon"], rps=1000.0, queries=3),
        load.Result(route=routes["page50_anon"], rps=700.0, queries=3, non_2xx=2),
        load.Result(route=routes["api_list"], rps=600.0, queries=7),
    ]
    report.judge(results, 3000.0)
    verdicts = {result.route.key: result.verdicts for result in results}
    assert verdicts["page1_anon"] == ["met: ≥ 30% of ceiling", "met: 0 errors, 0 non-2xx"]
    assert "MISSED: 0 errors (got 0 errors, 2 non-2xx)" in verdicts["page50_anon"]
    assert "MISSED: same cost as page 1 ± 20 % (req/s -30%)" in verdicts["page50_anon"]
    assert verdicts["api_list"][:2] == ["met: ≥ 15% of ceiling", "MISSED: ≤ 6 queries"]


def test_compared_routes_are_measured_together_in_alternating_turns():
    first = load.Route("page1", "p1", "/", "anonymous")
    fiftieth = load.Route("page50", "p50", "/?page=50", "anonymous", same_cost_as="page1")
    alone = load.Route("list", "list", "/list", "anonymous")
    assert runner.measurement_groups([alone, first, fiftieth]) == [[alone], [first, fiftieth]]
    # Asked for alone (bench_run --only page50), page 50 is measured alone.
    assert runner.measurement_groups([fiftieth]) == [[fiftieth]]
    # Ten seconds each, in turns of two, the order reversed each round: A B B A A B B A A B.
    order = load.turn_order(["page1", "page50"], 10)
    assert [key for key, _ in order] == ["page1", "page50", "page50", "page1"] * 2 + ["page1", "page50"]
    assert {key: sum(s for k, s in order if k == key) for key in ("page1", "page50")} == {
        "page1": 10,
        "page50": 10,
    }
    assert load.turn_order(["a", "b"], 5) == [("a", 2), ("b", 2), ("b", 2), ("a", 2), ("a", 1), ("b", 1)]


def test_a_result_made_of_turns_counts_every_request_over_the_time_of_all_turns():
    route = load.Route("page1", "p1", "/", "anonymous")

    def raw(requests, seconds, p50, p99, other=0):
        return {
            "requests": requests,
            "duration_us": seconds * 1_000_000,
            "errors": {"connect": 0, "read": 1, "write": 0, "status": other, "timeout": 0},
            "latency_us": {"p50": p50, "p90": 0, "p99": p99, "max": 0, "mean": 0},
            "threads": [{"sent": requests, "ok": requests - other, "other": other}],
        }

    result = load.combine(
        route, [raw(2000, 2, 900, 3000), raw(1000, 2, 1500, 9000, other=1), raw(1500, 1, 1000, 2000)], turns=3
    )
    assert result.rps == 4500 / 5
    assert result.requests == 4500
    assert (result.p50_ms, result.p99_ms) == (1.0, 9.0)
    assert (result.errors, result.non_2xx, result.turns) == (3, 1, 3)


def test_the_routes_carry_the_issues_targets(generated):
    from institutions.models import InstitutionAPIKey

    routes, _missing = runner.build_routes(generated)
    targets = {route.key: (route.min_ratio, route.max_queries) for route in routes}
    assert targets["list_member"] == (0.10, None)
    assert targets["page1_anon"] == (0.30, None)
    assert targets["page1_member"] == (0.05, 12)
    assert targets["api_list"] == (0.15, 6)
    assert targets["api_comments"] == (0.08, 6)
    assert targets["progress"] == (0.10, None)
    assert targets["write_comment"][0] == targets["write_rating"][0] == 0.05
    compared = {route.key: route.same_cost_as for route in routes if route.same_cost_as}
    assert compared == {"page50_anon": "page1_anon", "page50_member": "page1_member"}
    assert InstitutionAPIKey.objects.filter(name="bench").exists()


@pytest.mark.django_db(transaction=True)
def test_a_bench_login_carries_no_message_into_the_run(live_server):
    """wrk replays the login's cookies on every request: they must be a browser's after the page the
    login leads to, which shows "Successfully signed in" once and clears it. Otherwise every
    logged-in request of the run shows that message again (and is drawn whole, pages.frames)."""
    from bench.load import login
    from tests.factories import UserFactory

    user = UserFactory(email="bench-reader@example.org")
    session = login(live_server.url, user.email, "correct horse battery staple")
    names = [pair.split("=", 1)[0] for pair in session.cookie.split(";")]
    assert "sessionid" in names
    assert "messages" not in names
    assert session.user_id == user.pk
