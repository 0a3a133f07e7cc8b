"""Editorial accuracy (issue 13): one word for "deliberation" and for "youth" in Japanese, the two
meanings of "author" kept apart, and what the interface says about where proposals come from."""

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from proposals.seeding import read_proposal_files
from tests.factories import CommentFactory, ReportFactory, UserFactory
from tests.test_api_support import (  # noqa: F401 - fixtures
    api_fixture,
    local_cache_fixture,
    read_key_fixture,
    reader_fixture,
)

ROOT = Path(__file__).resolve().parent.parent


def catalogue(locale: str):
    with open(ROOT / "locale" / locale / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def translation(locale: str, msgid: str, context: str | None = None) -> str:
    message = catalogue(locale).get(msgid, context=context)
    assert message is not None, f"{msgid!r} ({context}) is not in locale/{locale}"
    return strings(message)[0]


# --- 1. 熟議 and 若者 ---------------------------------------------------------------------------------


def test_no_japanese_catalogue_entry_says_shingi():
    offending = [m.id for m in catalogue("ja") if m.id and any("審議" in s for s in strings(m))]
    assert not offending


@pytest.mark.parametrize(
    ("msgid", "context"),
    [
        ("deliberation opens on", None),
        ("deliberation closes on", None),
        ("Deliberating", "stage"),
        ("Deliberation from %(start)s to %(end)s", None),
        ("Log in to take part in the deliberation.", None),
        ("Export the whole deliberation (JSON)", None),
    ],
)
def test_japanese_interface_says_jukugi_for_deliberation(msgid, context):
    assert "熟議" in translation("ja", msgid, context)


def test_japanese_proposals_say_jukugi_too():
    for item in read_proposal_files():
        assert "審議" not in json.dumps(item, ensure_ascii=False), item["slug"]
        assert "熟議" in item["body"]["ja"], item["slug"]


def japanese_texts():
    """Every Japanese text we ship: the catalogue, the programme, publications and proposals."""
    yield "catalogue", "\n".join(s for m in catalogue("ja") if m.id for s in strings(m))
    programme = json.loads((ROOT / "fixtures" / "programme.json").read_text(encoding="utf-8"))
    yield "programme", programme["name"]["ja"] + programme["description"]["ja"]
    yield "publications", (ROOT / "fixtures" / "publications.json").read_text(encoding="utf-8")
    for item in read_proposal_files():
        yield item["slug"], "\n".join(value["ja"] for value in item.values() if isinstance(value, dict))


@pytest.mark.parametrize(("where", "text"), list(japanese_texts()), ids=lambda value: str(value)[:40])
def test_japanese_has_one_word_for_youth(where, text):
    # 若者 is what the proposals say; 青年 and ユース are not used beside it.
    assert "青年" not in text and "ユース" not in text, where


def test_the_youth_policy_area_and_the_programme_say_wakamono():
    assert translation("ja", "Youth & exchange") == "若者・交流"
    programme = json.loads((ROOT / "fixtures" / "programme.json").read_text(encoding="utf-8"))
    assert "若者" in programme["name"]["ja"]


# --- 5. A publication's author is not a comment's author ---------------------------------------------


@pytest.mark.parametrize(
    ("locale", "content", "publication"), [("ko", "작성자", "저자"), ("ja", "投稿者", "著者")]
)
def test_author_has_separate_contexts(locale, content, publication):
    assert translation(locale, "author", "content author") == content
    assert translation(locale, "author", "publication author") == publication
    assert translation(locale, "authors", "publication author") == publication


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "content", "publication"), [("ko", "작성자", "저자"), ("ja", "投稿者", "著者")]
)
def test_moderation_queue_names_a_comments_author_as_content_author(
    client, make_actor, proposal, lang, content, publication
):
    comment = CommentFactory(proposal=proposal)
    ReportFactory(comment=comment, reporter=UserFactory())
    client.force_login(make_actor("moderator"))

    queue = client.get(f"/{lang}/admin/moderation/reportedcomment/").content.decode()
    detail = client.get(f"/{lang}/admin/moderation/reportedcomment/{comment.pk}/change/").content.decode()
    comments = client.get(f"/{lang}/admin/comments/comment/").content.decode()

    for page in (queue, detail, comments):
        assert content in page
        assert publication not in page


# --- 6. Proposals are written on the basis of the papers, not excerpted ----------------------------


@pytest.mark.parametrize(
    ("locale", "said", "never"),
    [("ko", "바탕으로 작성했습니다", "발췌했습니다"), ("ja", "に基づいて作成", "抜粋しました")],
)
def test_interface_says_proposals_were_written_on_the_basis_of_the_papers(locale, said, never):
    for msgid in (
        "Proposals are drawn from working papers of the Korea–Japan Future Dialogue. "
        "Participants' comments are their own.",
        "%(counter)s proposal for Korea–Japan cooperation, drawn from the dialogue's working papers. "
        "Read, comment, rate and suggest amendments.",
    ):
        text = translation(locale, msgid)
        assert said in text and never not in text
    assert "발췌" not in translation("ko", "First version, drawn from the source paper.")
    assert "抜粋" not in translation("ja", "First version, drawn from the source paper.")


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "said"), [("ko", "바탕으로 작성했습니다"), ("ja", "に基づいて作成")])
def test_page_footer_says_written_on_the_basis_of(client, seeded, lang, said):
    html = client.get(f"/{lang}/proposals/").content.decode()
    assert said in html
    assert not re.search("발췌했습니다|抜粋しました", html)


# --- 2. Japanese names in Korean: family name first, kanji at first mention ---------------------------

# Every Japanese person the Korean texts name: Korean form (family name first), kanji, and the
# given-name-first forms that must not appear.
JAPANESE_NAMES_IN_KOREAN = [
    ("진보 겐", "神保謙", ["켄 짐보", "겐 진보", "짐보"]),
    ("데라다 다카시", "寺田貴", ["다카시 데라다"]),
    ("오기 히로히토", "小木洋人", ["히로히토 오기"]),
]
# How the English texts name the same people: a name outside this list fails the test below.
JAPANESE_NAMES_IN_ENGLISH = ["Ken Jimbo", "Takashi Terada", "Hirohito Ogi"]


def korean_texts():
    """(where, text) for every Korean text in the fixtures."""
    programme = json.loads((ROOT / "fixtures" / "programme.json").read_text(encoding="utf-8"))
    for field in ("name", "description"):
        yield f"programme {field}", programme[field]["ko"]
    for publication in json.loads((ROOT / "fixtures" / "publications.json").read_text(encoding="utf-8")):
        for field in ("title", "series", "publisher", "note"):
            yield f"{publication['key']} {field}", publication[field]["ko"]
        for author in publication["authors"]:
            yield f"{publication['key']} author", author["name"]["ko"] + " " + author["affiliation"]["ko"]
    for item in read_proposal_files():
        for field in ("title", "summary", "body", "section", "quote"):
            yield f"{item['slug']} {field}", item[field]["ko"]
        for citation in item.get("citations", []):
            yield f"{item['slug']} citation", citation["quote"]["ko"]


def test_the_english_texts_name_no_other_japanese_person():
    # Guards the list above: every "Firstname Lastname" the English proposals attribute a view to.
    people = set()
    for item in read_proposal_files():
        text = " ".join(item[field]["en"] for field in ("summary", "body", "quote"))
        people |= set(re.findall(r"\b(?:Ken|Takashi|Hirohito) [A-Z][a-z]+", text))
    assert people == set(JAPANESE_NAMES_IN_ENGLISH)


@pytest.mark.parametrize(("where", "text"), list(korean_texts()), ids=[where for where, _ in korean_texts()])
def test_japanese_names_in_korean_put_the_family_name_first(where, text):
    for _name, _kanji, wrong in JAPANESE_NAMES_IN_KOREAN:
        for form in wrong:
            assert form not in text, f"{where}: {form}"


@pytest.mark.parametrize("item", read_proposal_files(), ids=lambda item: item["slug"])
def test_korean_texts_give_the_kanji_at_first_mention(item):
    for field in ("summary", "body", "quote"):
        text = item[field]["ko"]
        for name, kanji, _wrong in JAPANESE_NAMES_IN_KOREAN:
            family = name.split()[0]
            first = text.find(family)
            if first == -1:
                continue
            assert text.startswith(f"{name}({kanji})", first), (
                f"{item['slug']} {field}: {text[first : first + 30]}"
            )
            assert text.count(f"({kanji})") == 1, f"{item['slug']} {field}: kanji repeated"


def test_every_proposal_names_its_author_in_korean_family_name_first():
    for item in read_proposal_files():
        author = {"jimbo": "진보 겐", "terada": "데라다 다카시"}[item["publication"]]
        assert item["summary"]["ko"].startswith(author) or author in item["summary"]["ko"], item["slug"]


# --- 3. The "Foundational Cooperation" paper as its own publication -----------------------------------


@pytest.mark.django_db
def test_ogi_publication_exists_with_an_editorial_note(seeded):
    from proposals.models import Publication

    ogi = Publication.objects.get(key="ogi")
    assert [author.name_en for author in ogi.authors.all()] == ["Hirohito Ogi"]
    assert [author.name_ja for author in ogi.authors.all()] == ["小木洋人"]
    assert ogi.authors.get().affiliation_en == ""
    assert ogi.published_on is None
    for code, words in {
        "en": ["title", "date", "affiliation"],
        "ko": ["제목", "날짜", "소속"],
        "ja": ["題名", "日付", "所属"],
    }.items():
        note = getattr(ogi, f"note_{code}")
        assert all(word in note for word in words), code


@pytest.mark.django_db
def test_foundational_cooperation_cites_the_ogi_conclusion(seeded):
    from proposals.models import Proposal

    proposal = Proposal.objects.get(slug="foundational-cooperation")
    citation = proposal.citations.get()
    assert citation.publication.key == "ogi"
    assert citation.section_en == "V. Conclusion"
    assert "designing the “Foundational Cooperation” construct" in citation.quote_en
    # The paragraph of the body that comes from that conclusion.
    assert "cautiously crafted" in proposal.current_version.body_en


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "name", "heading"),
    [
        ("en", "Hirohito Ogi", "Further sources"),
        ("ko", "오기 히로히토(小木洋人)", "추가 출처"),
        ("ja", "小木洋人", "その他の出典"),
    ],
)
def test_proposal_page_shows_the_further_source(client, seeded, lang, name, heading):
    html = client.get(f"/{lang}/proposals/foundational-cooperation/").content.decode()
    source = html.split('<details class="source"')[1].split("</article>")[0]
    further = source.split('id="further-sources-heading"')[1]
    assert heading in source
    assert name in further
    assert "[The “Foundational Cooperation” construct for Japan–South Korea security cooperation]" in further


# --- 4. CPTPP: China's accession would also be desirable if it met the conditions ---------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "would also be desirable for existing members",
                "If these conditions were fully met",
                "raising tariffs for political purposes",
            ],
        ),
        ("ko", ["기존 회원국에도 바람직", "조건이 완전히 충족된다면", "정치적 목적의 관세 인상"]),
        ("ja", ["既存の加盟国にとっても望ましく", "条件が完全に満たされれば", "政治目的で関税を引き上げる"]),
    ],
)
def test_cptpp_proposal_gives_terada_s_view_on_china_s_accession(lang, words):
    (item,) = [item for item in read_proposal_files() if item["slug"] == "cptpp-accession-support"]
    for word in words:
        assert word in item["body"][lang], word


# --- 7. The citation block in the reader's language -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "slug", "expected", "never"),
    [
        (
            "ko",
            "economic-security-dialogue",
            [
                "진보 겐(아시아·퍼시픽 이니셔티브(API) 이사장, 게이오기주쿠대학 국제관계학 교수)",
                "동아시아연구원(EAI) 일본연구센터",
                "2050년을 향한 한일 관계",
                '<cite lang="en">South Korea–Japan Relations toward 2050',
            ],
            ["Ken Jimbo", "East Asia Institute", "Keio University"],
        ),
        (
            "ja",
            "economic-security-dialogue",
            [
                "神保謙（アジア・パシフィック・イニシアティブ（API）理事長、慶應義塾大学教授（国際関係論））",
                "東アジア研究院（EAI）日本研究センター",
                '<cite lang="en">South Korea–Japan Relations toward 2050',
            ],
            ["Ken Jimbo", "East Asia Institute", "Keio University"],
        ),
        (
            "ko",
            "cptpp-accession-support",
            [
                "데라다 다카시(도시샤대학 교수)",
                "동아시아연구원(EAI) 일본연구센터",
                "2025년 3월 12일",
                '<cite lang="en">[Korea-Japan Joint Work on World 2050] ④ Shaping the Future',
            ],
            ["Takashi Terada", "East Asia Institute", "Doshisha"],
        ),
        (
            "ja",
            "cptpp-accession-support",
            [
                "寺田貴（同志社大学教授）",
                "東アジア研究院（EAI）日本研究センター",
                "2025年3月12日",
                '<cite lang="en">[Korea-Japan Joint Work on World 2050] ④ Shaping the Future',
            ],
            ["Takashi Terada", "East Asia Institute", "Doshisha"],
        ),
        (
            "en",
            "cptpp-accession-support",
            [
                "Takashi Terada (Professor, Doshisha University)",
                "East Asia Institute (EAI), Center for Japan Studies",
            ],
            ["寺田", "데라다"],
        ),
    ],
)
def test_citation_block_is_in_the_reader_s_language(client, seeded, lang, slug, expected, never):
    html = client.get(f"/{lang}/proposals/{slug}/").content.decode()
    citation = html.split('<figcaption class="citation">')[1].split("</figcaption>")[0]
    for text in expected:
        assert text in citation, text
    for text in never:
        assert text not in citation, text


def test_api_gives_publications_in_each_language_beside_the_original(reader, seeded):
    publication = reader.get_json("/api/v1/publications/jimbo/?lang=all")
    # The strings are the paper's own (English), whatever language is asked for ...
    assert publication["title"].startswith("South Korea–Japan Relations toward 2050")
    assert publication["authors"][0]["name"] == "Ken Jimbo"
    # ... and ``localised`` gives the citation in each language.
    assert publication["localised"]["ko"]["authors"][0]["name"] == "진보 겐"
    assert publication["localised"]["ja"]["publisher"] == "東アジア研究院（EAI）日本研究センター"
    assert publication["localised"]["ko"]["title"].startswith("2050년을 향한 한일 관계")
    terada = reader.get_json("/api/v1/publications/terada/?lang=ja")
    assert set(terada["localised"]) == {"ja"}
    assert terada["localised"]["ja"]["title"] == terada["title"]  # the paper's title is not translated
    assert terada["localised"]["ja"]["authors"] == [{"name": "寺田貴", "affiliation": "同志社大学教授"}]


def test_api_proposal_lists_its_further_sources(reader, seeded):
    proposal = reader.get_json("/api/v1/proposals/foundational-cooperation/?lang=ko")
    (citation,) = proposal["citations"]
    assert citation["publication"]["key"] == "ogi"
    assert citation["section"] == {"ko": "V. 결론"}
    assert reader.get_json("/api/v1/proposals/leaders-dialogue/")["citations"] == []


# --- 8. Wording ------------------------------------------------------------------------------------


def fixture(slug: str) -> dict:
    (item,) = [item for item in read_proposal_files() if item["slug"] == slug]
    return item


def test_foundational_cooperation_wording_in_korean():
    body = fixture("foundational-cooperation")["body"]["ko"]
    assert "능동적이고 체계적인" in body and "선제적" not in body
    assert "한미일 3국 안보협력" in body and "미국과의 3국" not in body


def test_3plus3_says_closely_linked_responses():
    item = fixture("3plus3-ministerial-dialogue")
    assert "긴밀히 연계된 대응" in item["body"]["ko"] and "동기화" not in item["body"]["ko"]
    assert "連動した対応" in item["body"]["ja"] and "同期" not in item["body"]["ja"]


def test_like_minded_economies():
    item = fixture("cptpp-accession-support")
    assert "유사 입장국" in item["body"]["ko"] and "뜻을 같이하는" not in item["body"]["ko"]
    assert "同志国・地域" in item["body"]["ja"] and "志を同じくする" not in item["body"]["ja"]


def test_youth_leadership_quotes_the_sentence_that_states_the_proposal():
    quote = fixture("youth-leadership-programmes")["quote"]
    assert (
        "cross-border leadership programs could cultivate the policy and business leaders of the next "
        "generation dedicated to deepening bilateral cooperation" in quote["en"]
    )
    assert "국경을 넘는 리더십 프로그램은" in quote["ko"]
    assert "国境を越えたリーダーシップ・プログラムは" in quote["ja"]


@pytest.mark.parametrize(("where", "text"), list(korean_texts()), ids=[where for where, _ in korean_texts()])
def test_korean_has_one_word_for_paper(where, text):
    assert "보고서" not in text and "워킹페이퍼" not in text, where


def test_korean_interface_has_one_word_for_paper():
    offending = [
        m.id for m in catalogue("ko") if m.id and any("보고서" in s or "워킹페이퍼" in s for s in strings(m))
    ]
    assert not offending
