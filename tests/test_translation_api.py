"""The API and the exports carry each comment's and amendment's original (with its language) and
its current published translations with their origin; ``?lang=`` chooses which. Every response is
validated against the OpenAPI schema (the ``api`` client)."""

import csv
import io

import pytest

from comments import services as comment_services
from tests.factories import AmendmentFactory, MembershipFactory, UserFactory
from tests.test_api_support import API, api_fixture, local_cache_fixture, read_key_fixture, reader_fixture  # noqa: F401
from translations import services as translation_services

pytestmark = pytest.mark.django_db

KO = "청년 교류 기금은 지역 대학과 함께 운영되어야 합니다."
KO_EDITED = "청년 교류 기금은 지역 대학 및 지자체와 함께 운영되어야 합니다."
JA = "青年交流基金は地域の大学と共に運営されるべきです。"
RATIONALE_JA = "表現をより明確にするためです。"


@pytest.fixture
def writer(programme):
    user = UserFactory(nationality="KR", display_name="민지")
    MembershipFactory(user=user, programme=programme)
    return user


@pytest.fixture
def comment(proposal, writer, deepl, django_capture_on_commit_callbacks):
    """A Korean comment with the author's Japanese and the machine's English translation."""
    with django_capture_on_commit_callbacks(execute=True):
        return comment_services.comment_create(
            author=writer, proposal=proposal, body=KO, language="ko", translations={"ja": JA}
        )


def comments_of(reader, proposal, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reader.get_json(f"{API}proposals/{proposal.slug}/comments/?{query}")["results"]


def test_comments_carry_the_original_and_the_translations_asked_for(reader, proposal, comment):
    (item,) = comments_of(reader, proposal, lang="ja")
    assert (item["body"], item["language"]) == (KO, "ko")
    assert item["translations"] == [
        {
            "language": "ja",
            "text": JA,
            "origin": "author",
            "provider": "",
            "translated_by": "민지",
            "published_at": item["translations"][0]["published_at"],
        }
    ]
    (item,) = comments_of(reader, proposal, lang="all")
    by_language = {row["language"]: row for row in item["translations"]}
    assert set(by_language) == {"ja", "en"}
    assert (by_language["en"]["origin"], by_language["en"]["provider"]) == ("machine", "deepl")
    assert by_language["en"]["translated_by"] is None


def test_a_stale_translation_is_not_returned(reader, proposal, comment, writer, settings):
    settings.TRANSLATION_BACKEND = "none"
    comment_services.comment_edit(user=writer, comment=comment, body=KO_EDITED)
    (item,) = comments_of(reader, proposal, lang="all")
    assert item["body"] == KO_EDITED and item["translations"] == []


def test_amendments_carry_translations_of_rationale_and_text(reader, proposal, writer):
    amendment = AmendmentFactory(proposal=proposal, author=writer, language="ko", field="body", rationale=KO)
    translation_services.translation_submit(
        user=writer, kind="amendment.rationale", obj=amendment, target_language="ja", text=RATIONALE_JA
    )
    listed = reader.get_json(f"{API}proposals/{proposal.slug}/amendments/?lang=ja")["results"]
    (item,) = listed
    assert item["rationale_language"] == "ko"
    assert [row["text"] for row in item["translations"]["rationale"]] == [RATIONALE_JA]
    assert item["translations"]["new_text"] == []
    detail = reader.get_json(f"{API}proposals/{proposal.slug}/amendments/{amendment.pk}/?lang=en")
    assert detail["translations"] == {"rationale": [], "new_text": []}


def test_exports_include_the_translations(reader, proposal, comment):
    data = reader.get_json(f"{API}proposals/{proposal.slug}/export.json")
    (item,) = data["comments"]
    assert {row["language"] for row in item["translations"]} == {"ja", "en"}
    response = reader.get(f"{API}proposals/{proposal.slug}/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    translated = [row for row in rows if row["record"] == "comment_translation"]
    assert {(row["language"], row["state"]) for row in translated} == {("ja", "author"), ("en", "machine")}
    assert all(row["id"] == str(comment.pk) for row in translated)


def test_the_schema_documents_the_translations(reader):
    schema = reader.get_json(f"{API}schema/?format=json")
    components = schema["components"]["schemas"]
    assert "translations" in components["Comment"]["properties"]
    assert "Translation" in components
