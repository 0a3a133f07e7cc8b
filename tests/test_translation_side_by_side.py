"""The side-by-side view: the proposal's current text in two chosen languages, in parallel
columns (stacked on a phone, tests/e2e), each column marked with its language; no JavaScript."""

import re

import pytest

pytestmark = pytest.mark.django_db


def columns(html: str) -> list[str]:
    return re.findall(r'<article class="side-column" lang="(\w+)"', html)


def url(proposal, ui="ko", **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/{ui}/proposals/{proposal.slug}/side-by-side/" + (f"?{query}" if query else "")


def test_by_default_the_readers_language_beside_the_other_dialogue_language(client, proposal):
    assert columns(client.get(url(proposal, "ko")).content.decode()) == ["ko", "ja"]
    assert columns(client.get(url(proposal, "ja")).content.decode()) == ["ja", "ko"]
    assert columns(client.get(url(proposal, "en")).content.decode()) == ["en", "ja"]


def test_the_reader_chooses_the_two_languages(client, proposal):
    version = proposal.current_version
    html = client.get(url(proposal, "ko", left="en", right="ja")).content.decode()
    assert columns(html) == ["en", "ja"]
    assert version.title_en in html and version.title_ja in html
    # An unknown language falls back to the default rather than failing.
    assert columns(client.get(url(proposal, "ko", left="xx", right="../")).content.decode()) == ["ko", "ja"]


def test_a_column_awaiting_an_update_says_so(client, proposal):
    version = proposal.current_version
    version.stale_translations = ["body_ja"]
    version.save()
    html = client.get(url(proposal, "ko")).content.decode()
    ja_column = html.split('lang="ja"', 1)[1]
    assert "최근 수정안" in ja_column


def test_the_proposal_page_links_to_it(client, proposal):
    html = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert f'href="/ja/proposals/{proposal.slug}/side-by-side/"' in html
    assert "2つの言語で並べて読む" in html


def test_an_unknown_proposal_is_not_found(client, db):
    assert client.get("/ko/proposals/nothing-here/side-by-side/").status_code == 404


def test_one_query(client, proposal, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(url(proposal, "ko")).status_code == 200
