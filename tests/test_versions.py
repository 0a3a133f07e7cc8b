"""The version history page and the diff / rebase functions behind amendments."""

import pytest
from django.utils.html import escape

from amendments import services
from core.diff import DELETE, EQUAL, INSERT, inline_diff, rebase
from tests.factories import AmendmentFactory, ProposalFactory, ProposalVersionFactory

# --- inline_diff ----------------------------------------------------------------------------------------


def test_changing_one_kanji_yields_a_one_character_change():
    old = "日本と韓国は若者の交流を強化すべきである。"
    new = "日本と韓国は若者の交流を深化すべきである。"

    assert inline_diff(old, new) == [
        (EQUAL, "日本と韓国は若者の交流を"),
        (DELETE, "強"),
        (INSERT, "深"),
        (EQUAL, "化すべきである。"),
    ]


def test_changing_a_japanese_word_keeps_the_rest_of_the_sentence():
    old = "両国の大学は共同の授業を開くべきである。"
    new = "両国の大学は共同講座を開くべきである。"

    segments = inline_diff(old, new)

    changed = "".join(text for op, text in segments if op != EQUAL)
    assert len(changed) <= 6
    assert (EQUAL, "両国の大学は共同") in segments


def test_korean_diff_is_by_character_not_by_space_separated_word():
    old = "한국과 일본은 청년 교류를 강화해야 한다."
    new = "한국과 일본은 청소년 교류를 강화해야 한다."

    assert inline_diff(old, new) == [
        (EQUAL, "한국과 일본은 청"),
        (INSERT, "소"),
        (EQUAL, "년 교류를 강화해야 한다."),
    ]


def test_semantic_cleanup_merges_scattered_edits_into_readable_chunks():
    # A character diff alone would interleave tiny matches ("の", "を") between the edits.
    old = "経済の協力を進める"
    new = "文化交流を広げる"

    segments = inline_diff(old, new)

    assert [op for op, _text in segments].count(EQUAL) <= 1
    assert "".join(text for op, text in segments if op != INSERT) == old
    assert "".join(text for op, text in segments if op != DELETE) == new


def test_identical_texts_give_one_equal_segment_and_empty_texts_none():
    assert inline_diff("同じ", "同じ") == [(EQUAL, "同じ")]
    assert inline_diff("", "") == []
    assert inline_diff("", "新しい") == [(INSERT, "新しい")]


def test_line_breaks_are_kept_in_the_segments():
    segments = inline_diff("一行目。\n二行目。", "一行目。\n\n二行目です。")
    assert "".join(text for op, text in segments if op != DELETE) == "一行目。\n\n二行目です。"


# --- rebase ----------------------------------------------------------------------------------------------

ORIGINAL = "日本と韓国は若者の交流を強化すべきである。\n両国の大学は共同の授業を開くべきである。\n政府は奨学金を拡充する。"


def test_rebase_applies_a_change_elsewhere_in_the_japanese_text():
    current = ORIGINAL.replace("若者の交流", "青年の交流")
    proposed = ORIGINAL.replace("奨学金を拡充する", "奨学金を倍増する")

    assert rebase(ORIGINAL, proposed, current) == current.replace("拡充", "倍増")


def test_rebase_applies_a_change_elsewhere_in_the_korean_text():
    original = "한국과 일본은 청년 교류를 강화해야 한다. 두 나라의 대학은 공동 수업을 열어야 한다."
    current = original.replace("청년 교류", "청소년 교류")
    proposed = original.replace("공동 수업을", "공동 강좌를")

    assert rebase(original, proposed, current) == (
        "한국과 일본은 청소년 교류를 강화해야 한다. 두 나라의 대학은 공동 강좌를 열어야 한다."
    )


def test_rebase_refuses_when_the_same_passage_changed():
    current = ORIGINAL.replace("強化", "推進")
    proposed = ORIGINAL.replace("強化", "深化")

    assert rebase(ORIGINAL, proposed, current) is None


def test_rebase_refuses_instead_of_fuzzily_overwriting_a_neighbouring_change():
    # The library's default fuzzy match would apply this hunk over the changed words.
    current = ORIGINAL.replace("共同の授業", "合同の講義")
    proposed = ORIGINAL.replace("授業を開く", "授業を設ける")

    assert rebase(ORIGINAL, proposed, current) is None


def test_rebase_refuses_a_long_deletion_whose_middle_changed():
    original = "序文。" + "あ" * 60 + "中間の文章" + "い" * 60 + "結び。"
    proposed = original.replace("あ" * 60 + "中間の文章" + "い" * 60, "")
    current = original.replace("中間", "真ん中")

    assert rebase(original, proposed, current) is None


def test_rebase_is_the_proposal_itself_when_nothing_changed_underneath():
    proposed = ORIGINAL.replace("強化", "深化")
    assert rebase(ORIGINAL, proposed, ORIGINAL) == proposed


def test_rebase_after_text_was_inserted_before_the_change():
    current = "前文を追加した。\n" + ORIGINAL
    proposed = ORIGINAL.replace("奨学金", "給付型奨学金")

    assert rebase(ORIGINAL, proposed, current) == current.replace("奨学金", "給付型奨学金")


# --- The version history page ----------------------------------------------------------------------------


@pytest.fixture
def moderator(make_actor):
    return make_actor("moderator")


@pytest.mark.django_db
def test_history_lists_each_version_with_its_amendment_and_the_diff(client, moderator, programme):
    proposal = ProposalFactory(programme=programme, version__body_ja="日本と韓国は協力を強化すべきである。")
    amendment = AmendmentFactory(
        proposal=proposal,
        field="body",
        language="ja",
        new_text="日本と韓国は協力を深化すべきである。",
        rationale="より正確な表現。",
    )
    services.amendment_accept(moderator=moderator, amendment=amendment)

    response = client.get(f"/en/proposals/{proposal.slug}/versions/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('id="version-2"') < html.index('id="version-1"')
    entry = html[html.index('id="version-2"') : html.index('id="version-1"')]
    assert "Version 2" in entry and "Current" in entry
    assert f'href="{amendment.get_absolute_url()}"' in entry
    assert f"from amendment #{amendment.pk}" in entry
    assert "より正確な表現。" in entry  # the change note
    assert "Body (Japanese)" in entry
    assert "<del>強</del><ins>深</ins>" in entry
    assert escape(amendment.author.public_name) in entry
    assert "First version" in html[html.index('id="version-1"') :]


@pytest.mark.django_db
def test_history_shows_every_field_changed_in_a_version_made_in_the_admin(client, programme):
    proposal = ProposalFactory(
        programme=programme, version__title_en="Old title", version__summary_ko="옛 요약."
    )
    newer = ProposalVersionFactory(
        proposal=proposal,
        number=2,
        title_en="New title",
        title_ko=proposal.current_version.title_ko,
        title_ja=proposal.current_version.title_ja,
        summary_ko="새 요약.",
        change_note="Edited by the moderators.",
    )
    proposal.current_version = newer
    proposal.save()

    html = client.get(f"/ko/proposals/{proposal.slug}/versions/").content.decode()
    entry = html[html.index('id="version-2"') : html.index('id="version-1"')]

    assert "Edited by the moderators." in entry
    assert entry.count('class="version-change"') == 2
    assert "<del>Old</del><ins>New</ins>" in entry
    assert "<del>옛</del><ins>새</ins>" in entry


@pytest.mark.django_db
def test_history_of_an_unknown_proposal_is_404(client):
    assert client.get("/en/proposals/nothing-here/versions/").status_code == 404


@pytest.mark.django_db
def test_history_escapes_the_change_note_and_the_text(client, programme):
    proposal = ProposalFactory(programme=programme)
    newer = ProposalVersionFactory(
        proposal=proposal,
        number=2,
        title_en="<b>bold</b>",
        title_ko=proposal.current_version.title_ko,
        title_ja=proposal.current_version.title_ja,
        change_note="<script>x</script>",
    )
    proposal.current_version = newer
    proposal.save()

    html = client.get(f"/en/proposals/{proposal.slug}/versions/").content.decode()

    assert "<script>x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 20])
def test_history_query_budget_does_not_grow_with_versions(
    client, django_assert_num_queries, moderator, count
):
    proposal = ProposalFactory(programme=moderator.programmes.get(), version__body_en="Version 1.")
    for number in range(2, count + 1):
        amendment = AmendmentFactory(proposal=proposal, language="en", new_text=f"Version {number}.")
        services.amendment_accept(moderator=moderator, amendment=amendment)
        proposal.refresh_from_db()

    client.force_login(moderator)

    # session, user, proposal, versions with their amendments and authors
    with django_assert_num_queries(4):
        response = client.get(f"/en/proposals/{proposal.slug}/versions/")

    assert response.status_code == 200
    assert response.content.decode().count('class="version-entry"') == count
