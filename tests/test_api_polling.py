"""Cheap polling of the list endpoints: a weak ETag per page (If-None-Match → 304, in the same
queries as the page) and ``updated_since`` (items changed at or after a time; 400 on a bad value),
steady across cursor pages. Every response here is validated against the schema."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from amendments.models import Amendment
from comments.models import Comment
from institutions.services import ReportText, report_submit
from progress.models import Milestone
from progress.services import milestone_publish, stages_recompute
from proposals.models import Proposal, ProposalVersion
from tests.factories import (
    AmendmentFactory,
    CommentFactory,
    MilestoneFactory,
    ProposalFactory,
    ProposalVersionFactory,
)
from tests.test_api import BUDGETS, read_paths
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    assert_error_body,
    build_deliberation,
    local_cache_fixture,
    read_key_fixture,
    reader_fixture,
    report_key_fixture,
)

LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
LISTS = ["programmes", "publications", "proposals", "versions", "comments", "amendments", "milestones"]


def list_paths(proposal, data) -> dict[str, str]:
    paths = read_paths(proposal, amendment_id=data["amendments"][0].pk)
    return {name: paths[name] for name in LISTS}


def get(api, path: str, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return api.get(f"{path}?{query}" if query else path)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_page_answers_304_to_its_weak_etag_in_the_same_queries(reader, proposal, name):
    path = list_paths(proposal, build_deliberation(proposal))[name]
    with CaptureQueriesContext(connection) as full:
        first = reader.get(path + "?lang=all")
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')

    with CaptureQueriesContext(connection) as conditional:
        again = reader.get(path + "?lang=all", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # The same budget as the page itself (tests/test_api.py), a 304 included.
    assert len(full) == len(conditional) == BUDGETS[name]
    assert reader.get(path + "?lang=all", HTTP_IF_NONE_MATCH='W/"other"').status_code == 200
    # The tag follows the page: the Korean one is another page where its texts differ (comments
    # without translations read the same in every language, and are the same page).
    korean = reader.get(path + "?lang=ko")
    expected = 304 if korean.content == first.content else 200
    assert reader.get(path + "?lang=ko", HTTP_IF_NONE_MATCH=etag).status_code == expected
    if name in ("programmes", "proposals", "versions", "milestones"):
        assert expected == 200


def test_the_etag_changes_when_the_page_does(reader, proposal):
    data = build_deliberation(proposal)
    path = list_paths(proposal, data)["comments"]
    etag = reader.get(path)["ETag"]

    CommentFactory(proposal=proposal, body="A new comment")

    response = reader.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "A new comment" in response.content.decode()


@pytest.mark.parametrize(("scope", "path"), [("report", "reports/"), ("webhooks", "webhooks/")])
def test_the_institutions_own_lists_have_an_etag_too(api, scope, path):
    from tests.factories import InstitutionAPIKeyFactory

    api.key = InstitutionAPIKeyFactory(scopes=[scope]).key
    first = api.get(f"{API}{path}")
    assert api.get(f"{API}{path}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


# --- updated_since -------------------------------------------------------------------------------


def _age(queryset, **fields) -> None:
    queryset.update(**fields)


def ids(response) -> set:
    return {item["id"] for item in json.loads(response.content)["results"]}


def test_comments_written_or_edited_since(reader, proposal):
    old = CommentFactory(proposal=proposal)
    edited = CommentFactory(proposal=proposal)
    new = CommentFactory(proposal=proposal)
    _age(Comment.objects.filter(pk__in=[old.pk, edited.pk]), created_at=LONG_AGO)
    _age(Comment.objects.filter(pk=edited.pk), edited_at=timezone.now())
    since = (timezone.now() - dt.timedelta(minutes=5)).isoformat()

    response = get(
        reader, f"{API}proposals/{proposal.slug}/comments/", updated_since=since.replace("+", "%2B")
    )

    assert response.status_code == 200
    assert ids(response) == {edited.pk, new.pk}


def test_the_offset_is_honoured_and_a_time_without_one_is_utc(reader, proposal):
    comment = CommentFactory(proposal=proposal)
    _age(Comment.objects.filter(pk=comment.pk), created_at=dt.datetime(2025, 6, 1, 0, 30, tzinfo=dt.UTC))
    path = f"{API}proposals/{proposal.slug}/comments/"

    assert ids(get(reader, path, updated_since="2025-06-01T09:00:00%2B09:00")) == {comment.pk}
    assert ids(get(reader, path, updated_since="2025-06-01T10:00:00%2B09:00")) == set()
    assert ids(get(reader, path, updated_since="2025-06-01T00:30:00")) == {comment.pk}
    assert ids(get(reader, path, updated_since="2025-06-01T00:30:01Z")) == set()
    assert ids(get(reader, path, updated_since="2025-06-01")) == {comment.pk}


def test_cursor_pages_keep_the_filter(reader, proposal):
    changed = [CommentFactory(proposal=proposal) for _ in range(5)]
    CommentFactory.create_batch(3, proposal=proposal)
    Comment.objects.exclude(pk__in=[c.pk for c in changed]).update(created_at=LONG_AGO)
    path = f"{API}proposals/{proposal.slug}/comments/?page_size=2&updated_since=2025-01-01T00:00:00Z"

    seen = []
    while path:
        body = reader.get_json(path)
        seen += [item["id"] for item in body["results"]]
        path = body["next"]

    assert seen == [c.pk for c in changed]


def test_amendments_versions_and_proposals_changed_since(reader, programme):
    proposal = ProposalFactory(programme=programme)
    still = ProposalFactory(programme=programme)
    old_amendment, new_amendment = AmendmentFactory(proposal=proposal), AmendmentFactory(proposal=proposal)
    Amendment.objects.filter(pk=old_amendment.pk).update(updated_at=LONG_AGO)
    ProposalVersion.objects.update(created_at=LONG_AGO)
    Proposal.objects.update(created_at=LONG_AGO)
    newer = ProposalVersionFactory(proposal=proposal, number=2)
    Proposal.objects.filter(pk=proposal.pk).update(current_version=newer)
    since = "2025-01-01T00:00:00Z"

    amendments = get(reader, f"{API}proposals/{proposal.slug}/amendments/", updated_since=since)
    versions = get(reader, f"{API}proposals/{proposal.slug}/versions/", updated_since=since)
    proposals = get(reader, f"{API}proposals/", updated_since=since)

    assert ids(amendments) == {new_amendment.pk}
    assert [v["number"] for v in json.loads(versions.content)["results"]] == [2]
    assert [p["slug"] for p in json.loads(proposals.content)["results"]] == [proposal.slug]
    assert still.slug not in proposals.content.decode()


def test_a_stage_moved_since_brings_the_proposal_back(reader, programme):
    proposal = ProposalFactory(programme=programme)
    ProposalFactory(programme=programme)
    Proposal.objects.update(created_at=LONG_AGO)
    ProposalVersion.objects.update(created_at=LONG_AGO)
    MilestoneFactory(proposal=proposal)
    stages_recompute(proposal=proposal, actor=None)

    response = get(reader, f"{API}proposals/", updated_since="2025-01-01T00:00:00Z")

    assert [p["slug"] for p in json.loads(response.content)["results"]] == [proposal.slug]


def test_a_milestone_reported_long_ago_and_published_now_is_news(reader, proposal, make_actor, report_key):
    report, _ = report_submit(
        api_key=report_key,
        proposal=proposal,
        stage="submitted",
        jurisdiction="JP",
        date=dt.date(2025, 5, 1),
        texts={"ja": ReportText(title="国会に提出")},
        language="ja",
        evidence_url="https://example.org/diet/1",
    )
    old_published = MilestoneFactory(proposal=proposal)
    Milestone.objects.update(created_at=LONG_AGO, updated_at=LONG_AGO)
    since = "2025-01-01T00:00:00Z"
    path = f"{API}proposals/{proposal.slug}/milestones/"
    assert ids(get(reader, path, updated_since=since)) == set()

    milestone_publish(milestone=Milestone.objects.get(pk=report.milestone_id), actor=make_actor("moderator"))

    assert ids(get(reader, path, updated_since=since)) == {report.milestone_id}
    assert ids(get(reader, path)) == {report.milestone_id, old_published.pk}
    reader.key = report_key.key
    assert ids(get(reader, f"{API}reports/", updated_since=since)) == {report.pk}


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2025-13-01T00:00:00Z",
        "2025-06-01T25:00:00Z",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00%2B01:00",
        "",
    ],
)
def test_a_bad_updated_since_is_a_400_naming_it(reader, proposal, value):
    for path in (f"{API}proposals/", f"{API}proposals/{proposal.slug}/comments/"):
        response = get(reader, path, updated_since=value)
        assert response.status_code == 400, (path, value)
        assert "updated_since" in assert_error_body(response)["fields"]


@pytest.mark.parametrize("scale", [1, 10])
def test_updated_since_keeps_the_query_budgets(reader, programme, scale):
    proposal = ProposalFactory(programme=programme)
    for _ in range(scale - 1):
        ProposalFactory(programme=programme)
    paths = list_paths(proposal, build_deliberation(proposal, scale=scale))
    for name in ("proposals", "versions", "comments", "amendments", "milestones"):
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(paths[name] + "?lang=all&updated_since=2020-01-01T00:00:00Z")
        assert response.status_code == 200
        assert json.loads(response.content)["results"], name
        assert len(queries) == BUDGETS[name], name
