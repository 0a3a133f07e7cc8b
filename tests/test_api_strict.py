"""The API refuses what it cannot use instead of guessing: unknown fields in a POST are named in a
400, a cursor it cannot read is a 400 (not a 404), and a search of several words matches proposals
containing every word. Every response here is validated against the schema (ValidatingClient)."""

import json

import pytest

from institutions.models import ProgressReport
from tests.factories import CommentFactory, ProposalFactory
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    assert_error_body,
    local_cache_fixture,
    read_key_fixture,
    reader_fixture,
    report_body,
    report_key_fixture,
)


def test_unknown_fields_in_a_report_are_named_and_nothing_is_saved(api, report_key, proposal):
    api.key = report_key.key

    response = api.post(
        f"{API}reports/",
        data=json.dumps(report_body(proposal, evidence_ulr="https://typo.example", priority="high")),
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body["error"]["fields"]) == {"evidence_ulr", "priority"}
    assert not ProgressReport.objects.exists()


def test_unknown_fields_inside_translations_are_named_too(api, report_key, proposal):
    api.key = report_key.key
    text = {"title": "t", "description": "d"}
    translations = {"en": text, "ko": text, "ja": {**text, "summary": "?"}}

    response = api.post(
        f"{API}reports/",
        data=json.dumps(
            {
                k: v
                for k, v in report_body(proposal, translations=translations).items()
                if k not in ("language", "title")
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "translations.ja.summary" in json.dumps(
        response.json()["error"]["fields"]
    ) or "summary" in json.dumps(response.json()["error"]["fields"])
    assert not ProgressReport.objects.exists()


# "garbage": not base64; "cD0yMDI1" is base64 of "p=2025", a position that is not a date and time
# (it reached the database and answered 500); "cj0xJnA9eA==" is "r=1&p=x".
@pytest.mark.parametrize("cursor", ["garbage", "cD0yMDI1", "cj0xJnA9eA=="])
def test_a_cursor_that_cannot_be_read_is_a_400(reader, proposal, cursor):
    CommentFactory(proposal=proposal)

    body = reader.get_json(f"{API}proposals/{proposal.slug}/comments/?cursor={cursor}", status=400)

    assert "cursor" in body["error"]["fields"]


def test_a_good_cursor_still_pages(reader, proposal):
    for _n in range(3):
        CommentFactory(proposal=proposal)

    first = reader.get_json(f"{API}proposals/{proposal.slug}/comments/?page_size=2")
    second = reader.get_json(first["next"].replace("http://testserver", ""))

    assert len(first["results"]) == 2 and len(second["results"]) == 1


def test_a_search_of_two_korean_words_finds_proposals_with_both(reader, programme):
    wanted = ProposalFactory(programme=programme, version__title_ko="반도체 공동 설계 협력")
    ProposalFactory(programme=programme, version__title_ko="반도체 공급망")
    ProposalFactory(programme=programme, version__title_ko="건축 설계 교류")
    from urllib.parse import quote

    found = reader.get_json(f"{API}proposals/?q={quote('반도체 설계')}")["results"]

    assert [proposal["slug"] for proposal in found] == [wanted.slug]
