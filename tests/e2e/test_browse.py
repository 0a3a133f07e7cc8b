"""A visitor reads the seeded proposals and switches language."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_reads_in_korean_and_switches_to_japanese(page, seeded):
    page.goto(page.base_url + "/")
    expect(page).to_have_url(re.compile(r"/ko/proposals/$"))
    expect(page.locator("h1")).to_have_text("정책 제안")
    expect(page.locator(".proposal-card")).to_have_count(14)
    page.shots("list-ko")

    page.get_by_role("link", name=re.compile("청년 혁신 기금")).click()
    expect(page).to_have_url(re.compile(r"/ko/proposals/youth-innovation-fund/$"))
    # The citation names the author and publisher in Korean, beside the English title.
    expect(page.locator(".citation")).to_contain_text("진보 겐")
    expect(page.locator(".citation")).to_contain_text("동아시아연구원(EAI) 일본연구센터")
    page.shots("detail-ko")

    page.locator('.language-switcher button[value="ja"]').click()
    expect(page).to_have_url(re.compile(r"/ja/proposals/youth-innovation-fund/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_contain_text("イノベーション基金")
    expect(page.locator(".citation")).to_contain_text(
        "神保謙（アジア・パシフィック・イニシアティブ（API）理事長"
    )
    page.shots("detail-ja")
