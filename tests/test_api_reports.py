"""Institutions report progress through the API: a report becomes a pending milestone that
moderators publish or decline; the institution reads its reports and their status."""

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from institutions.models import ProgressReport
from progress.models import Milestone
from tests.factories import InstitutionAPIKeyFactory, ProposalFactory
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    assert_error_body,
    local_cache_fixture,
    report_body,
    report_key_fixture,
)


@pytest.fixture
def reporter(api, report_key):
    api.key = report_key.key
    return api


def post(api, body: dict):
    return api.post(f"{API}reports/", data=json.dumps(body), content_type="application/json")


def body_for(target, /, **overrides) -> dict:
    return report_body(target, **{"description": "委員会で審議中。", **overrides})


def test_a_report_in_one_language_becomes_a_pending_milestone(reporter, proposal, report_key):
    response = post(reporter, body_for(proposal))
    assert response.status_code == 201
    body = json.loads(response.content)
    assert body["status"] == "pending"
    assert body["language"] == "ja"
    milestone = Milestone.objects.get()
    assert milestone.status == "pending"
    assert milestone.proposal == proposal
    assert milestone.institution == report_key.institution.name_ko  # a Korean institution's own name
    assert milestone.title_ja == milestone.title_en == milestone.title_ko == "国会に提出された"
    assert milestone.evidence_url == "https://example.org/diet/123"
    report = ProgressReport.objects.get()
    assert report.milestone == milestone and report.institution == report_key.institution
    assert AuditEntry.objects.filter(action="progress_report.submitted").count() == 1
    # Nothing public yet: the proposal's stage is unchanged and the timeline is empty.
    proposal.refresh_from_db()
    assert proposal.stage == "proposed"


def test_a_report_in_three_languages(reporter, proposal):
    translations = {
        "en": {"title": "Submitted to the Diet", "description": "Under review."},
        "ko": {"title": "국회 제출"},
        "ja": {"title": "国会に提出", "description": "審議中。"},
    }
    body = body_for(proposal, language=None, title=None, description=None, translations=translations)
    response = post(reporter, body)
    assert response.status_code == 201, response.content
    milestone = Milestone.objects.get()
    assert (milestone.title_en, milestone.title_ko, milestone.title_ja) == (
        "Submitted to the Diet",
        "국회 제출",
        "国会に提出",
    )
    assert milestone.description_ko == ""
    assert json.loads(response.content)["milestone"]["text"]["en"]["description"] == "Under review."


def test_the_same_client_token_returns_the_first_report(reporter, proposal):
    # With another body the token is refused (409): tests/test_api_idempotency.py.
    token = str(uuid.uuid4())
    first = post(reporter, body_for(proposal, client_token=token))
    again = post(reporter, body_for(proposal, client_token=token))
    assert (first.status_code, again.status_code) == (201, 201)
    assert json.loads(first.content)["id"] == json.loads(again.content)["id"]
    assert Milestone.objects.count() == 1


def test_another_institution_may_reuse_a_token(api, proposal):
    token = str(uuid.uuid4())
    for _ in range(2):
        api.key = InstitutionAPIKeyFactory(scopes=["report"]).key
        assert post(api, body_for(proposal, client_token=token)).status_code == 201
    assert Milestone.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "長" * 201}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"language": None}, "language"),
        ({"language": "fr"}, "language"),
        ({"stage": "finished"}, "stage"),
        ({"jurisdiction": "CN"}, "jurisdiction"),
        ({"date": "yesterday"}, "date"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"client_token": "not-a-uuid"}, "client_token"),
        ({"proposal": None}, "proposal"),
        ({"translations": {"en": {"title": "x"}}}, "translations"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_saved(reporter, proposal, overrides, field):
    response = post(reporter, body_for(proposal, **overrides))
    assert response.status_code == 400, response.content
    error = assert_error_body(response)
    assert any(name == field or name.startswith(field + ".") for name in error["fields"]), error
    assert not Milestone.objects.exists()


def test_translations_must_cover_all_three_languages(reporter, proposal):
    body = body_for(
        proposal, language=None, title=None, description=None, translations={"en": {"title": "x"}}
    )
    error = assert_error_body(post(reporter, body))
    assert set(error["fields"]) == {"translations.ko", "translations.ja"}


@pytest.mark.parametrize("days", [30, -(365 * 40)])
def test_a_date_in_the_future_or_long_ago_is_refused(reporter, proposal, days):
    date = (timezone.localdate() + dt.timedelta(days=days)).isoformat()
    error = assert_error_body(post(reporter, body_for(proposal, date=date)))
    assert error["code"] == "date_out_of_range" and "date" in error["fields"]
    assert not Milestone.objects.exists()


def test_an_unknown_or_unpublished_proposal_is_404(reporter, proposal):
    assert post(reporter, body_for(proposal, proposal="no-such-proposal")).status_code == 404
    draft = ProposalFactory(version=False)
    assert post(reporter, body_for(draft)).status_code == 404
    assert not Milestone.objects.exists()


def test_the_institution_sees_its_reports_and_their_status(reporter, proposal, report_key, make_actor):
    from progress.services import milestone_decline, milestone_publish

    ids = [json.loads(post(reporter, body_for(proposal, title=f"報告 {i}")).content)["id"] for i in range(3)]
    moderator = make_actor("moderator")
    reports = {r.pk: r for r in ProgressReport.objects.select_related("milestone__proposal")}
    milestone_publish(milestone=reports[ids[0]].milestone, actor=moderator)
    milestone_decline(milestone=reports[ids[1]].milestone, actor=moderator)
    listing = json.loads(reporter.get(f"{API}reports/").content)
    statuses = {item["id"]: item["status"] for item in listing["results"]}
    assert statuses == {ids[0]: "published", ids[1]: "declined", ids[2]: "pending"}
    assert [item["id"] for item in listing["results"]] == sorted(ids, reverse=True)
    detail = json.loads(reporter.get(f"{API}reports/{ids[0]}/").content)
    assert detail["status"] == "published"
    # Publishing moved the proposal's stage in Japan.
    proposal.refresh_from_db()
    assert proposal.stage == "submitted"


def test_an_institution_cannot_see_another_institutions_reports(api, proposal, report_key):
    api.key = report_key.key
    report_id = json.loads(post(api, body_for(proposal)).content)["id"]
    api.key = InstitutionAPIKeyFactory(scopes=["report"]).key
    assert api.get(f"{API}reports/{report_id}/").status_code == 404
    assert json.loads(api.get(f"{API}reports/").content)["results"] == []


def test_a_key_of_an_institution_made_inactive_can_no_longer_report(reporter, proposal, report_key):
    report_key.institution.active = False
    report_key.institution.save()
    assert post(reporter, body_for(proposal)).status_code == 401
    assert not Milestone.objects.exists()


def test_the_service_refuses_a_key_without_the_report_scope(proposal):
    from core.errors import PermissionRefused
    from institutions.services import ReportText, report_submit

    key = InstitutionAPIKeyFactory(scopes=["read"])
    with pytest.raises(PermissionRefused):
        report_submit(
            api_key=key,
            proposal=proposal,
            stage="submitted",
            jurisdiction="KR",
            date=dt.date(2025, 1, 1),
            texts={"en": ReportText(title="x")},
            language="en",
        )
    assert not Milestone.objects.exists()


def test_an_oversized_body_is_a_json_400(reporter, proposal):
    body = body_for(proposal, description="x" * 3_000_000)
    response = post(reporter, body)
    assert response.status_code == 400
    assert assert_error_body(response)["code"] in ("bad_request", "invalid")
    assert not Milestone.objects.exists()
