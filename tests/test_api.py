"""The partner institutions' API: keys and scopes on every endpoint, what it reads, privacy, errors,
the schema, query budgets and Korean/Japanese search. Every API response in these tests is
validated against the generated OpenAPI schema by the ``api`` client (tests/test_api_support.py)."""

import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from institutions import keys
from institutions.models import InstitutionAPIKey
from tests.factories import (
    AmendmentFactory,
    CommentFactory,
    InstitutionAPIKeyFactory,
    MilestoneFactory,
    ProposalFactory,
    RatingFactory,
    UserFactory,
)
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    PRIVATE_MARKERS,
    api_fixture,
    assert_error_body,
    build_deliberation,
    local_cache_fixture,
    read_key_fixture,
    reader_fixture,
    report_key_fixture,
    schema_dict,
)

# --- Endpoints --------------------------------------------------------------------------------------


def read_paths(proposal, *, amendment_id: int, version: int = 1) -> dict[str, str]:
    slug = proposal.slug
    return {
        "programmes": f"{API}programmes/",
        "programme": f"{API}programmes/{proposal.programme.slug}/",
        "publications": f"{API}publications/",
        "publication": f"{API}publications/{proposal.publication.key}/",
        "proposals": f"{API}proposals/",
        "proposal": f"{API}proposals/{slug}/",
        "versions": f"{API}proposals/{slug}/versions/",
        "version": f"{API}proposals/{slug}/versions/{version}/",
        "comments": f"{API}proposals/{slug}/comments/",
        "amendments": f"{API}proposals/{slug}/amendments/",
        "amendment": f"{API}proposals/{slug}/amendments/{amendment_id}/",
        "ratings": f"{API}proposals/{slug}/ratings/",
        "milestones": f"{API}proposals/{slug}/milestones/",
        "export_json": f"{API}proposals/{slug}/export.json",
        "export_csv": f"{API}proposals/{slug}/export.csv",
    }


@pytest.fixture
def small(proposal):
    data = build_deliberation(proposal, scale=1)
    return proposal, data


def _report_body(proposal, **overrides) -> dict:
    return {
        "proposal": proposal.slug,
        "stage": "submitted",
        "jurisdiction": "KR",
        "date": "2025-06-01",
        "language": "ko",
        "title": "국회에 제출됨",
        "description": "위원회 심사 중.",
        "evidence_url": "https://example.org/evidence",
        **overrides,
    }


# --- Keys and scopes: the matrix -----------------------------------------------------------------

KEY_STATES = [
    "none",
    "other_scheme",
    "malformed",
    "unknown",
    "wrong_secret",
    "revoked",
    "expired",
    "inactive",
]


def _key_header(state: str, good: InstitutionAPIKey) -> dict:
    if state == "none":
        return {}
    if state == "other_scheme":
        return {"HTTP_AUTHORIZATION": "Bearer abc.def"}
    if state == "malformed":
        return {"HTTP_AUTHORIZATION": "Api-Key not-a-key"}
    if state == "unknown":
        return {"HTTP_AUTHORIZATION": "Api-Key ZZZZZZZZ.0123456789abcdef0123456789abcdef"}
    if state == "wrong_secret":
        return {"HTTP_AUTHORIZATION": f"Api-Key {good.prefix}.0123456789abcdef0123456789abcdef"}
    key = InstitutionAPIKeyFactory(scopes=["read", "report"])
    if state == "revoked":
        key.revoked = True
        key.save()
    elif state == "expired":
        key.expiry_date = timezone.now() - dt.timedelta(minutes=1)
        key.save()
    elif state == "inactive":
        key.institution.active = False
        key.institution.save()
    return {"HTTP_AUTHORIZATION": f"Api-Key {key.key}"}


READ_ENDPOINTS = [
    "programmes",
    "programme",
    "publications",
    "publication",
    "proposals",
    "proposal",
    "versions",
    "version",
    "comments",
    "amendments",
    "amendment",
    "ratings",
    "milestones",
    "export_json",
    "export_csv",
]


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
@pytest.mark.parametrize("state", KEY_STATES)
def test_read_endpoint_refuses_a_missing_or_unusable_key_with_401(api, small, read_key, endpoint, state):
    proposal, data = small
    path = read_paths(proposal, amendment_id=data["amendments"][0].pk)[endpoint]
    response = api.get(path, **_key_header(state, read_key))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert assert_error_body(response)["code"] in ("not_authenticated", "authentication_failed")


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_read_endpoint_refuses_a_key_without_read_scope_with_403(api, small, report_key, endpoint):
    proposal, data = small
    api.key = report_key.key
    response = api.get(read_paths(proposal, amendment_id=data["amendments"][0].pk)[endpoint])
    assert response.status_code == 403
    assert assert_error_body(response)["code"] == "scope_required"


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_read_endpoint_answers_a_read_key(api, small, read_key, endpoint):
    proposal, data = small
    api.key = read_key.key
    response = api.get(read_paths(proposal, amendment_id=data["amendments"][0].pk)[endpoint])
    assert response.status_code == 200, response.content[:300]


REPORT_ENDPOINTS = ["list", "detail", "create"]


def _report_request(api, endpoint: str, proposal, report_id: int, **headers):
    if endpoint == "list":
        return api.get(f"{API}reports/", **headers)
    if endpoint == "detail":
        return api.get(f"{API}reports/{report_id}/", **headers)
    return api.post(
        f"{API}reports/", data=json.dumps(_report_body(proposal)), content_type="application/json", **headers
    )


@pytest.fixture
def existing_report(proposal, report_key):
    from institutions.services import ReportText, report_submit

    report, _created = report_submit(
        api_key=report_key,
        proposal=proposal,
        stage="submitted",
        jurisdiction="JP",
        date=dt.date(2025, 5, 1),
        texts={"ja": ReportText(title="国会に提出")},
        language="ja",
    )
    return report


@pytest.mark.parametrize("endpoint", REPORT_ENDPOINTS)
@pytest.mark.parametrize("state", KEY_STATES)
def test_report_endpoint_refuses_a_missing_or_unusable_key_with_401(
    api, proposal, report_key, existing_report, endpoint, state
):
    from progress.models import Milestone

    before = Milestone.objects.count()
    response = _report_request(api, endpoint, proposal, existing_report.pk, **_key_header(state, report_key))
    assert response.status_code == 401
    assert Milestone.objects.count() == before


@pytest.mark.parametrize("endpoint", REPORT_ENDPOINTS)
def test_report_endpoint_refuses_a_read_only_key_with_403(api, proposal, read_key, existing_report, endpoint):
    from progress.models import Milestone

    before = Milestone.objects.count()
    api.key = read_key.key
    response = _report_request(api, endpoint, proposal, existing_report.pk)
    assert response.status_code == 403
    assert assert_error_body(response)["code"] == "scope_required"
    assert Milestone.objects.count() == before


@pytest.mark.parametrize("endpoint", REPORT_ENDPOINTS)
def test_report_endpoint_answers_a_report_key(api, proposal, report_key, existing_report, endpoint):
    api.key = report_key.key
    response = _report_request(api, endpoint, proposal, existing_report.pk)
    assert response.status_code == (201 if endpoint == "create" else 200)


@pytest.mark.parametrize("scopes", [["read"], ["report"], ["read", "report"]])
def test_me_describes_the_key_for_any_scope(api, scopes):
    key = InstitutionAPIKeyFactory(scopes=scopes)
    api.key = key.key
    body = api.get_json(f"{API}me/")
    assert body["key"]["prefix"] == key.prefix
    assert body["key"]["scopes"] == scopes
    assert body["institution"]["name"]["ko"] == key.institution.name_ko
    assert "contact_email" not in json.dumps(body)
    assert key.key not in json.dumps(body)


@pytest.mark.parametrize("state", KEY_STATES)
def test_me_refuses_an_unusable_key(api, read_key, state):
    assert api.get(f"{API}me/", **_key_header(state, read_key)).status_code == 401


def test_a_key_is_stored_hashed_with_a_visible_prefix(read_key):
    stored = InstitutionAPIKey.objects.get(prefix=read_key.prefix)
    assert read_key.key.startswith(stored.prefix + ".")
    assert read_key.key.split(".", 1)[1] not in stored.hashed_key
    assert read_key.key.split(".", 1)[1] not in stored.pk


def test_last_used_is_written_at_most_once_a_minute(api, read_key):
    api.key = read_key.key
    api.get(f"{API}me/")
    first = InstitutionAPIKey.objects.get(pk=read_key.pk).last_used_at
    assert first is not None
    api.get(f"{API}me/")
    assert InstitutionAPIKey.objects.get(pk=read_key.pk).last_used_at == first
    InstitutionAPIKey.objects.filter(pk=read_key.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    # A minute later the key is no longer remembered in the cache (institutions.keys): it is read
    # and its use recorded again.
    cache.delete(keys._cache_key(read_key.prefix))
    api.get(f"{API}me/")
    assert InstitutionAPIKey.objects.get(pk=read_key.pk).last_used_at > first - dt.timedelta(minutes=1)


def test_requests_over_the_rate_get_429_with_retry_after(api, read_key, settings):
    settings.API_THROTTLE_RATE = "3/min"
    api.key = read_key.key
    for _ in range(3):
        assert api.get(f"{API}programmes/").status_code == 200
    response = api.get(f"{API}programmes/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert assert_error_body(response)["code"] == "throttled"
    # Counted per key: another key of the same institution has its own allowance.
    other = InstitutionAPIKeyFactory(institution=read_key.institution, scopes=["read"])
    api.key = other.key
    assert api.get(f"{API}programmes/").status_code == 200


# --- What the endpoints say -----------------------------------------------------------------------


def test_proposal_detail_in_one_language_from_lang_or_accept_language(reader, proposal):
    path = f"{API}proposals/{proposal.slug}/"
    body = reader.get_json(path + "?lang=ja")
    assert body["languages"] == ["ja"]
    assert set(body["text"]) == {"ja"}
    assert body["text"]["ja"]["title"] == proposal.current_version.title_ja
    assert set(body["section"]) == {"ja"}
    body = reader.get_json(path, HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
    assert body["text"]["ko"]["body"] == proposal.current_version.body_ko
    body = reader.get_json(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert body["languages"] == ["en"]


def test_proposal_detail_in_all_three_languages(reader, proposal):
    body = reader.get_json(f"{API}proposals/{proposal.slug}/?lang=all")
    assert set(body["text"]) == {"en", "ko", "ja"}
    assert body["text"]["ko"]["title"] == proposal.current_version.title_ko
    assert body["links"]["comments"].endswith(f"/api/v1/proposals/{proposal.slug}/comments/")


def test_unknown_language_is_refused_with_a_field_error(reader, proposal):
    body = reader.get_json(f"{API}proposals/{proposal.slug}/?lang=fr", status=400)
    assert "lang" in body["error"]["fields"]


def test_proposal_detail_answers_304_to_its_etag(reader, proposal):
    path = f"{API}proposals/{proposal.slug}/?lang=ko"
    response = reader.get(path)
    etag = response["ETag"]
    assert etag.startswith('"')
    again = reader.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    # Another language is another representation.
    assert reader.get(f"{API}proposals/{proposal.slug}/?lang=ja", HTTP_IF_NONE_MATCH=etag).status_code == 200
    # A change to the proposal changes the ETag.
    from proposals.models import Proposal

    Proposal.objects.filter(pk=proposal.pk).update(stage="recommended")
    assert reader.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_proposal_list_filters(reader, programme):
    from progress.services import stages_recompute

    energy = ProposalFactory(programme=programme, policy_area="energy", stage="deliberating")
    youth = ProposalFactory(programme=programme, policy_area="youth")
    other = ProposalFactory(policy_area="energy")
    MilestoneFactory(proposal=energy, jurisdiction="JP", stage="piloted")
    stages_recompute(proposal=energy, actor=None)

    def slugs(query: str) -> list[str]:
        return [item["slug"] for item in reader.get_json(f"{API}proposals/?{query}")["results"]]

    assert slugs("policy_area=energy") == [energy.slug, other.slug]
    assert slugs(f"programme={programme.slug}") == [energy.slug, youth.slug]
    assert slugs("stage_jp=piloted") == [energy.slug]
    assert slugs("stage_kr=piloted") == []
    assert slugs("stage=piloted") == [energy.slug]
    body = reader.get_json(f"{API}proposals/?stage_jp=nonsense", status=400)
    assert "stage_jp" in body["error"]["fields"]
    item = reader.get_json(f"{API}proposals/?policy_area=energy")["results"][0]
    assert item["stages"] == {"KR": None, "JP": "piloted", "BILATERAL": None}


def test_lists_paginate_at_most_100_in_a_stable_order(reader, programme):
    for _ in range(3):
        ProposalFactory(programme=programme)
    first = reader.get_json(f"{API}proposals/?page_size=2")
    second = reader.get_json(f"{API}proposals/?page_size=2&page=2")
    assert first["count"] == 3
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert {i["slug"] for i in first["results"]}.isdisjoint({i["slug"] for i in second["results"]})
    assert len(reader.get_json(f"{API}proposals/?page_size=1000")["results"]) == 3
    reader.get_json(f"{API}proposals/?page=9", status=404)


def test_versions_list_the_changed_fields_and_a_version_shows_its_diff(reader, proposal):
    from tests.factories import ProposalVersionFactory

    v2 = ProposalVersionFactory(
        proposal=proposal,
        number=2,
        title_en=proposal.current_version.title_en,
        title_ko=proposal.current_version.title_ko,
        title_ja=proposal.current_version.title_ja,
        body_ja="本文を改めた。",
    )
    proposal.current_version = v2
    proposal.save()
    body = reader.get_json(f"{API}proposals/{proposal.slug}/versions/?lang=all")
    assert [v["number"] for v in body["results"]] == [1, 2]
    assert body["results"][0]["changes"] == []
    assert {"field": "body", "language": "ja"} in body["results"][1]["changes"]
    detail = reader.get_json(f"{API}proposals/{proposal.slug}/versions/2/?lang=ja")
    diff = {(d["field"], d["language"]): d["segments"] for d in detail["diff"]}
    segments = diff[("body", "ja")]
    assert "".join(s["text"] for s in segments if s["op"] != "insert") == "本文。"
    assert "".join(s["text"] for s in segments if s["op"] != "delete") == "本文を改めた。"
    reader.get_json(f"{API}proposals/{proposal.slug}/versions/9/", status=404)


def test_comments_are_public_ones_only_by_cursor(reader, proposal):
    user = UserFactory(display_name="민지", nationality="KR", email="minji@private.example")
    roots = [CommentFactory(proposal=proposal, author=user, body=f"c{i}") for i in range(3)]
    CommentFactory(proposal=proposal, author=user, body="HIDDEN-COMMENT-TEXT", hidden_at=timezone.now())
    CommentFactory(proposal=proposal, author=user, body="DELETED-COMMENT-TEXT", deleted_at=timezone.now())
    hidden_amendment = AmendmentFactory(proposal=proposal, hidden_at=timezone.now())
    CommentFactory(proposal=proposal, amendment=hidden_amendment, author=user, body="ON-HIDDEN-AMENDMENT")
    page = reader.get_json(f"{API}proposals/{proposal.slug}/comments/?page_size=2")
    assert [c["body"] for c in page["results"]] == ["c0", "c1"]
    assert page["results"][0]["author"] == {"name": "민지", "nationality": "KR"}
    rest = reader.get(page["next"].replace("http://testserver", ""))
    bodies = [c["body"] for c in json.loads(rest.content)["results"]]
    assert bodies == ["c2"]
    assert roots[0].pk == page["results"][0]["id"]
    # A cursor that cannot be read is bad input (400), not a missing page (issue 15, item 12).
    reader.get_json(f"{API}proposals/{proposal.slug}/comments/?cursor=garbage", status=400)


def test_comment_page_is_50_by_default(reader, proposal):
    user = UserFactory()
    for i in range(55):
        CommentFactory(proposal=proposal, author=user, body=f"c{i}")
    assert len(reader.get_json(f"{API}proposals/{proposal.slug}/comments/")["results"]) == 50


def test_amendments_show_state_and_counts_by_nationality(reader, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    from tests.factories import AmendmentVoteFactory

    AmendmentVoteFactory(amendment=amendment, user=UserFactory(nationality="KR"), value="support")
    AmendmentVoteFactory(amendment=amendment, user=UserFactory(nationality="JP"), value="support")
    AmendmentVoteFactory(amendment=amendment, user=UserFactory(nationality="OTHER"), value="oppose")
    body = reader.get_json(f"{API}proposals/{proposal.slug}/amendments/")
    item = body["results"][0]
    assert item["state"] == "open"
    assert item["support"] == {"ALL": 2, "KR": 1, "JP": 1, "OTHER": 0}
    assert item["oppose"] == {"ALL": 1, "KR": 0, "JP": 0, "OTHER": 1}
    assert item["base_version"] == 1 and item["result_version"] is None
    detail = reader.get_json(f"{API}proposals/{proposal.slug}/amendments/{amendment.pk}/")
    assert any(s["op"] == "insert" and "(amended)" in s["text"] for s in detail["diff"])
    other = AmendmentFactory()
    reader.get_json(f"{API}proposals/{proposal.slug}/amendments/{other.pk}/", status=404)


def test_ratings_are_aggregates_per_criterion_and_nationality(reader, proposal):
    RatingFactory(user=UserFactory(nationality="KR"), proposal=proposal, criterion="importance", score=5)
    RatingFactory(user=UserFactory(nationality="JP"), proposal=proposal, criterion="importance", score=2)
    body = reader.get_json(f"{API}proposals/{proposal.slug}/ratings/")
    importance = {g["group"]: g for g in body["criteria"][0]["groups"]}
    assert body["criteria"][0]["criterion"] == "importance"
    # One rater a side: the nationality groups are withheld (fewer than 5 raters), counts stay; so is
    # everyone together (two ratings: its mean would nearly be each of them).
    assert importance["ALL"] == {
        "group": "ALL",
        "count": 2,
        "mean": None,
        "distribution": None,
        "withheld": True,
    }
    assert importance["KR"] == {
        "group": "KR",
        "count": 1,
        "mean": None,
        "distribution": None,
        "withheld": True,
    }
    assert importance["JP"]["mean"] is None and importance["JP"]["withheld"]
    assert importance["OTHER"] == {
        "group": "OTHER",
        "count": 0,
        "mean": None,
        "distribution": [0, 0, 0, 0, 0],
        "withheld": False,
    }
    for score in (1, 2, 3, 4):
        RatingFactory(
            user=UserFactory(nationality="KR"), proposal=proposal, criterion="importance", score=score
        )
    body = reader.get_json(f"{API}proposals/{proposal.slug}/ratings/")
    importance = {g["group"]: g for g in body["criteria"][0]["groups"]}
    assert importance["KR"]["distribution"] == [1, 1, 1, 1, 1] and importance["KR"]["mean"] == 3.0


def test_milestones_are_published_ones_and_stages_follow_them(reader, proposal):
    from progress.services import stages_recompute

    MilestoneFactory(proposal=proposal, jurisdiction="KR", stage="submitted", title_en="Shown")
    MilestoneFactory(proposal=proposal, status="pending", title_en="PENDING-MILESTONE")
    MilestoneFactory(proposal=proposal, status="declined", title_en="DECLINED-MILESTONE")
    stages_recompute(proposal=proposal, actor=None)
    body = reader.get_json(f"{API}proposals/{proposal.slug}/milestones/?lang=en")
    assert [m["text"]["en"]["title"] for m in body["results"]] == ["Shown"]
    detail = reader.get_json(f"{API}proposals/{proposal.slug}/")
    assert detail["stages"]["KR"] == "submitted"


def test_export_json_and_csv_hold_the_whole_public_deliberation(reader, small):
    proposal, data = small
    export = reader.get_json(f"{API}proposals/{proposal.slug}/export.json")
    assert set(export) == {
        "exported_at",
        "proposal",
        "versions",
        "amendments",
        "comments",
        "ratings",
        "milestones",
    }
    assert set(export["proposal"]["text"]) == {"en", "ko", "ja"}
    assert len(export["versions"]) == 2
    assert len(export["comments"]) == len(data["comments"])
    assert len(export["amendments"]) == len(data["amendments"])
    response = reader.get(f"{API}proposals/{proposal.slug}/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    records = [line.split(",", 1)[0] for line in text.splitlines()[1:]]
    for kind in ("proposal", "stage", "version", "amendment", "comment", "rating", "milestone"):
        assert kind in records, kind
    for marker in PRIVATE_MARKERS:
        assert marker not in text


def test_export_csv_neutralises_formulas(reader, proposal):
    CommentFactory(proposal=proposal, body='=HYPERLINK("http://evil")')
    text = reader.get(f"{API}proposals/{proposal.slug}/export.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_export_admin_actions(small):
    from api.exports import export_deliberation_csv, export_deliberation_json
    from proposals.models import Proposal

    proposal, _data = small
    queryset = Proposal.objects.filter(pk=proposal.pk)
    response = export_deliberation_json(None, None, queryset)
    assert json.loads(response.content)["proposal"]["slug"] == proposal.slug
    response = export_deliberation_csv(None, None, queryset)
    assert response.content.decode("utf-8-sig").startswith("record,")


# --- Privacy --------------------------------------------------------------------------------------

PRIVATE_KEYS = {
    "email",
    "password",
    "user",
    "user_id",
    "author_id",
    "created_by",
    "decided_by",
    "invite_code",
    "score",
}


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_no_private_field_appears_in_any_response(reader, small, report_key):
    proposal, data = small
    paths = list(read_paths(proposal, amendment_id=data["amendments"][0].pk, version=2).values())
    paths += [p + ("&" if "?" in p else "?") + "lang=all" for p in paths if "export" not in p]
    user_ids = {str(user.pk) for user in data["users"]}
    for path in paths:
        response = reader.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        for marker in PRIVATE_MARKERS:
            assert marker not in text, (path, marker)
        assert "PENDING-MILESTONE" not in text
        if response["Content-Type"].startswith("application/json"):
            body = json.loads(text)
            assert not (set(_keys(body)) & PRIVATE_KEYS), path
            # Authors appear only as name and nationality.
            for author in re.findall(r'"author":(\{[^}]*\})', text):
                assert set(json.loads(author)) == {"name", "nationality"}
    assert user_ids  # ids of accounts are never a field (checked through PRIVATE_KEYS and authors)


# --- Errors ---------------------------------------------------------------------------------------


def test_unknown_api_paths_answer_json_404(reader):
    for path in (
        "/api/",
        "/api/v2/proposals/",
        f"{API}nothing/",
        f"{API}proposals",
        "/api/v1/proposals/%E6%B0%B4/",
    ):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert_error_body(response)


def test_wrong_method_and_bad_json_answer_json_errors(api, report_key, proposal):
    api.key = report_key.key
    assert api.delete(f"{API}reports/").status_code == 405
    bad = api.post(f"{API}reports/", data="{bad", content_type="application/json")
    assert bad.status_code == 400
    assert assert_error_body(bad)["code"] == "parse_error"
    form = api.post(f"{API}reports/", data={"a": "b"})
    assert form.status_code == 415


def test_an_unexpected_error_is_a_json_500_without_traceback(reader, proposal, monkeypatch):
    from api import selectors

    def explode(**kwargs):
        raise RuntimeError("boom secret detail")

    monkeypatch.setattr(selectors, "rating_aggregates", explode)
    reader.raise_request_exception = False
    response = reader.get(f"{API}proposals/{proposal.slug}/ratings/")
    assert response.status_code == 500
    assert assert_error_body(response)["code"] == "server_error"
    assert b"boom secret detail" not in response.content


def test_an_html_accept_header_still_gets_json(reader, proposal):
    response = reader.get(f"{API}proposals/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


# --- Schema and docs --------------------------------------------------------------------------------


def test_schema_is_served_without_a_key_and_documents_every_endpoint(api):
    response = api.get(f"{API}schema/")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for expected in ("/api/v1/proposals/", "/api/v1/proposals/{slug}/export.csv", "/api/v1/reports/"):
        assert expected in paths
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "Authorization"
    assert "ReportCreateRequest" in schema["components"]["schemas"]


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs or any(name.startswith("on") for name in attrs):
            self.problems.append((tag, attrs))
        if tag == "style":
            self.problems.append(("style", attrs))
        if tag == "script":
            if not attrs.get("src"):
                self.problems.append(("inline script", attrs))
            self.scripts.append(attrs.get("src"))


def test_docs_page_uses_vendored_static_files_and_no_inline_script_or_style(api):
    from django.contrib.staticfiles import finders

    response = api.get(f"{API}docs/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    finder = _InlineFinder()
    finder.feed(response.content.decode())
    assert finder.problems == []
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in finder.scripts
    for src in finder.scripts:
        assert src.startswith("/static/")
        assert finders.find(src.removeprefix("/static/")), src


# --- Query budgets --------------------------------------------------------------------------------

# A proposal's detail and its exports include its further sources (one query) beside the authors of
# every publication it cites (one query for all of them). The key costs no query: it is remembered in
# the cache once verified (institutions.keys; test_api_keys_cache.py reads it again after a minute).
BUDGETS = {
    "programmes": 2,
    "programme": 1,
    "publications": 3,
    "publication": 2,
    "proposals": 3,
    "proposal": 4,
    "versions": 4,
    "version": 3,
    # + the published translations of the page's comments (one query)
    "comments": 3,
    # amendments: + the published translations of their rationales and proposed texts (one query)
    "amendments": 4,
    "amendment": 3,
    "ratings": 2,
    "milestones": 3,
    # exports: + the translations of every comment and amendment (one query)
    "export_json": 11,
    "export_csv": 11,
}


@pytest.mark.parametrize("scale", [1, 10])
def test_query_budgets_do_not_grow_with_data(reader, programme, scale):
    proposals = [ProposalFactory(programme=programme) for _ in range(scale)]
    proposal = proposals[0]
    data = build_deliberation(proposal, scale=scale)
    paths = read_paths(proposal, amendment_id=data["amendments"][0].pk, version=2)
    for name, path in paths.items():
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(path + ("" if "export" in path else "?lang=all"))
        assert response.status_code == 200, name
        assert len(queries) == BUDGETS[name], (
            name,
            scale,
            [q["sql"][:120] for q in queries.captured_queries],
        )


def test_me_costs_no_query_once_the_key_is_remembered(reader):
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(f"{API}me/").status_code == 200
    assert len(queries) == 0


def test_a_lost_database_is_a_json_503(reader, proposal, monkeypatch):
    from django.db import OperationalError

    from api import selectors

    def gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "rating_aggregates", gone)
    response = reader.get(f"{API}proposals/{proposal.slug}/ratings/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert assert_error_body(response)["code"] == "service_unavailable"


@pytest.mark.parametrize("scale", [1, 10])
def test_report_list_query_budget(api, report_key, proposal, scale):
    from institutions.services import ReportText, report_submit

    for i in range(scale * 3):
        report_submit(
            api_key=report_key,
            proposal=proposal,
            stage="submitted",
            jurisdiction="KR",
            date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            texts={"en": ReportText(title=f"Report {i}")},
            language="en",
        )
    api.key = report_key.key
    api.get(f"{API}me/")
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{API}reports/").status_code == 200
    # The count and the page (the key is remembered in the cache since the request above).
    assert len(queries) == 2


# --- Search in Korean and Japanese ----------------------------------------------------------------


@pytest.fixture
def hydrogen(programme):
    proposal = ProposalFactory(
        programme=programme,
        version__title_ja="日韓の水素サプライチェーン協力",
        version__title_ko="한일 수소 공급망 협력",
        version__summary_ko="청년들이 참여하는 에너지 전환 프로그램을 제안한다.",
        version__summary_ja="若者が参加するエネルギー転換。",
        version__title_en="Hydrogen supply chain cooperation",
    )
    ProposalFactory(programme=programme)
    return proposal


@pytest.mark.parametrize(
    "q", ["水素", "サプライチェーン", "청년", "수소 공급망", "HYDROGEN", "エネルギー転換"]
)
def test_search_finds_korean_and_japanese_text_inside_words(reader, hydrogen, q):
    from urllib.parse import quote

    body = reader.get_json(f"{API}proposals/?q={quote(q)}")
    assert [item["slug"] for item in body["results"]] == [hydrogen.slug]


def test_search_with_no_match_and_too_long_query(reader, hydrogen):
    from urllib.parse import quote

    assert reader.get_json(f"{API}proposals/?q={quote('核融合')}")["results"] == []
    assert reader.get_json(f"{API}proposals/?q=100%25")["results"] == []
    body = reader.get_json(f"{API}proposals/?q={'가' * 101}", status=400)
    assert "q" in body["error"]["fields"]


def test_search_proposals_function_for_the_site(hydrogen):
    from proposals.models import Proposal
    from proposals.search import search_proposals

    assert list(search_proposals(Proposal.objects.all(), "청년")) == [hydrogen]
    assert search_proposals(Proposal.objects.all(), "  ").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search and pg_trgm")
def test_default_full_text_search_misses_what_trigram_search_finds(hydrogen):
    from django.contrib.postgres.search import SearchQuery, SearchVector

    from proposals.models import Proposal
    from proposals.search import search_proposals

    for q, column in (("水素", "current_version__title_ja"), ("청년", "current_version__summary_ko")):
        fts = Proposal.objects.annotate(v=SearchVector(column)).filter(v=SearchQuery(q))
        assert not fts.exists(), q  # PostgreSQL's default configuration finds nothing
        assert list(search_proposals(Proposal.objects.all(), q)) == [hydrogen]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'proposals_proposalversion' AND indexname LIKE 'proposals_pv_%%_trgm'"
        )
        assert len(cursor.fetchall()) == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner")
def test_trigram_index_serves_the_search_expression(hydrogen):
    from proposals.models import Proposal
    from proposals.search import search_proposals

    sql, params = search_proposals(Proposal.objects.all(), "サプライ").query.sql_with_params()
    with connection.cursor() as cursor:
        # A tiny table: make the planner show which index would serve the search.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "proposals_pv_title_ja_trgm" in plan, plan


# --- Common ground ---------------------------------------------------------------------------------


def test_comments_carry_counts_per_group_and_common_ground(reader, proposal, settings):
    from comments import services as comment_services

    settings.COMMON_GROUND = {**settings.COMMON_GROUND, "hold_hours": 0}  # the accounts are new
    from tests.factories import MembershipFactory

    comment = CommentFactory(proposal=proposal, body="both sides")
    for nationality, kind, n in (
        ("KR", "agree", 5),
        ("JP", "agree", 4),
        ("JP", "disagree", 1),
        ("OTHER", "pass", 2),
    ):
        for _ in range(n):
            user = UserFactory(nationality=nationality)
            MembershipFactory(user=user, programme=proposal.programme)
            comment_services.comment_react(user=user, comment=comment, kind=kind)

    item = reader.get_json(f"{API}proposals/{proposal.slug}/comments/")["results"][0]

    assert item["reactions"] == {
        "KR": {"agree": 5, "disagree": 0, "pass": 0},
        "JP": {"agree": 4, "disagree": 1, "pass": 0},
        "OTHER": {"agree": 0, "disagree": 0, "pass": 2},
    }
    ground = item["common_ground"]
    assert ground["label"] == "common_ground"
    assert ground["metric_version"] == "2026.1"
    # KR 5/5: support 6/7, L = 1/(1 + 1.6425/5) = 0.7527; JP 4/5: L = 0.5135; √(0.7527·0.5135) = 0.6217.
    assert ground["KR"] == {"votes": 5, "support": 0.8571, "lower": 0.7527, "low": 0.5655, "high": 1.0}
    assert ground["JP"]["votes"] == 5 and ground["JP"]["lower"] == 0.5135
    assert ground["bridging_score"] == 0.6217


def test_ratings_carry_posteriors_and_withhold_small_groups(reader, proposal):
    for score in (4, 4, 5, 5, 5):
        RatingFactory(
            user=UserFactory(nationality="KR"), proposal=proposal, criterion="importance", score=score
        )
    RatingFactory(user=UserFactory(nationality="JP"), proposal=proposal, criterion="importance", score=1)

    body = reader.get_json(f"{API}proposals/{proposal.slug}/ratings/")

    importance = {g["group"]: g for g in body["criteria"][0]["groups"]}
    assert importance["JP"] == {
        "group": "JP",
        "count": 1,
        "mean": None,
        "distribution": None,
        "withheld": True,
    }
    assert importance["KR"]["distribution"] == [0, 0, 0, 2, 3] and not importance["KR"]["withheld"]
    # Everyone together minus the Korean raters would be the one Japanese rating: withheld too.
    assert importance["ALL"] == {
        "group": "ALL",
        "count": 6,
        "mean": None,
        "distribution": None,
        "withheld": True,
    }
    posterior = body["posteriors"][0]
    assert posterior["criterion"] == "importance"
    # KR: α = (1,1,1,3,4), α₀ = 10, mean (1+2+3+12+20)/10 = 3.8.
    assert posterior["KR"]["raters"] == 5 and posterior["KR"]["mean"] == 3.8
    assert posterior["JP"] is None and posterior["gap"] is None
    assert posterior["supported_on_both_sides"] is False
    assert body["metric_version"] == "2026.1" and body["min_raters"] == 5


def test_export_carries_common_ground_and_withholds_small_groups(reader, proposal):
    from comments.models import Comment

    comment = CommentFactory(proposal=proposal, body="exported")
    Comment.objects.filter(pk=comment.pk).update(agree_kr=3, agree_count=3, ground_label="needs_votes")
    RatingFactory(user=UserFactory(nationality="JP"), proposal=proposal, criterion="importance", score=1)

    text = reader.get(f"{API}proposals/{proposal.slug}/export.csv").content.decode("utf-8-sig")

    rows = list(csv.DictReader(io.StringIO(text)))
    exported = next(row for row in rows if row["record"] == "comment")
    assert (exported["agree_kr"], exported["label"], exported["metric_version"]) == (
        "3",
        "needs_votes",
        "2026.1",
    )
    japanese = next(
        r for r in rows if r["record"] == "rating" and r["group"] == "JP" and r["criterion"] == "importance"
    )
    assert (japanese["count"], japanese["mean"], japanese["text"]) == ("1", "", "")
    posterior = [r for r in rows if r["record"] == "rating_posterior"]
    assert {(r["criterion"], r["group"]) for r in posterior} == {
        (c, g) for c in ("importance", "feasibility") for g in ("KR", "JP")
    }
    assert all(r["mean"] == "" for r in posterior)  # nobody has 5 raters yet
