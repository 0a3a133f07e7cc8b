"""Moderation end to end: a moderator hides a reported comment from the admin's queue and visitors
see the placeholder with the reason; a moderator records a milestone on a proposal in the admin and
the public timeline and dashboard show it.

The admin runs in Korean (/ko/admin/...); the public pages are checked in Korean and Japanese.
Set-up that is not under test (participants, the comment, the reports) goes through the services;
what the moderator does goes through the browser. Labels are read from the catalogue with
``translation.override`` so the assertions stay right however the catalogues are filled.
"""

import contextlib
import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone, translation
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SLUG = "youth-innovation-fund"
PROGRAMME = "korea-japan-future-dialogue-youth"
PASSWORD = "Sunrise-over-Busan-2025"
MODERATOR_EMAIL = "moderator@example.org"

COMMENT = "이 제안을 지지하는 사람들은 모두 거짓말쟁이입니다. 토론할 가치도 없습니다."
HIDE_REASON = "다른 참가자를 향한 모욕적인 표현이 있어 숨겼습니다."

MILESTONE = {
    "institution": "대한민국 외교부 (Ministry of Foreign Affairs)",
    "title_en": "Ministry recommends a pilot of the youth innovation fund",
    "title_ko": "외교부, 청년 혁신 기금 시범 사업 권고",
    "title_ja": "韓国外交部、青年イノベーション基金の試験事業を勧告",
    "description_en": "The ministry's policy review recommends a two-year pilot.",
    "description_ko": "외교부 정책 검토 보고서가 2년간의 시범 사업을 권고했습니다.",
    "description_ja": "外交部の政策レビューが2年間の試験事業を勧告した。",
    "evidence_url": "https://www.mofa.go.kr/eng/brd/m_5676/view.do?seq=321234",
}


def _url(page, path: str) -> str:
    return page.base_url + path


def _user(email: str, *, nationality: str, language: str, display_name: str, member: bool = True, **fields):
    """A verified participant (a member of the seeded programme unless ``member`` is False)."""
    from allauth.account.models import EmailAddress

    from accounts.models import Membership, Programme, User

    user = User.objects.create_user(
        email=email,
        password=PASSWORD,
        display_name=display_name,
        nationality=nationality,
        preferred_language=language,
        policy_version=settings.PRIVACY_POLICY_VERSION,
        **fields,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if member:
        Membership.objects.create(user=user, programme=Programme.objects.get(slug=PROGRAMME))
    return user


def _moderator():
    """Staff in the Moderator group, with the group's admin permissions.

    Transactional tests flush the database between tests, data migrations included, so the group
    and its permissions (moderation/migrations/0003) are put back here.
    """
    import importlib

    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    from accounts.permissions import MODERATOR_GROUP

    granted = importlib.import_module(
        "moderation.migrations.0003_moderator_permissions"
    ).MODERATOR_PERMISSIONS
    wanted = Q(pk__in=[])
    for label, codenames in granted.items():
        wanted |= Q(content_type__app_label=label, codename__in=codenames)
    group, _ = Group.objects.get_or_create(name=MODERATOR_GROUP)
    group.permissions.set(Permission.objects.filter(wanted))
    user = _user(MODERATOR_EMAIL, nationality="KR", language="ko", display_name="운영자", is_staff=True)
    user.groups.add(group)
    return user


def _log_in_to_admin(page, admin_path: str) -> None:
    """Open an admin page logged out: the admin sends the moderator to allauth's login form (in
    the URL's language), which brings them back to the page they asked for."""
    page.goto(_url(page, admin_path))
    expect(page).to_have_url(re.compile(r"/ko/accounts/login/\?next="))
    form = page.locator("main form.auth-form")
    form.locator("input[name=login]").fill(MODERATOR_EMAIL)
    form.locator("input[name=password]").fill(PASSWORD)
    page.shots("admin-login")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(admin_path) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")


@contextlib.contextmanager
def _visitor(browser, page, locale: str):
    """A logged-out visitor in a browser context of their own, failing on CSP violations like
    ``page``; ``shoot(name)`` adds its screenshots to the test's numbered series."""
    context = browser.new_context(locale=locale, viewport={"width": 1200, "height": 900})
    visitor = context.new_page()
    visitor.set_default_timeout(15_000)
    violations: list[str] = []
    visitor.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )

    def shoot(name: str) -> None:
        page.shots.page = visitor
        try:
            page.shots(name)
        finally:
            page.shots.page = page

    visitor.shoot = shoot
    try:
        yield visitor
    finally:
        context.close()
    assert not violations, violations


# --- 1. Hiding a reported comment -------------------------------------------------------------------


def test_moderator_hides_a_reported_comment_and_visitors_see_the_reason(page, browser, seeded):
    from comments.models import Comment
    from comments.services import comment_create
    from moderation.models import Report, ReportReason, ReportStatus
    from moderation.services import report_create
    from proposals.models import Proposal

    proposal = Proposal.objects.get(slug=SLUG)
    author = _user("jisoo@example.kr", nationality="KR", language="ko", display_name="박지수")
    comment = comment_create(author=author, proposal=proposal, body=COMMENT, language="ko")
    # As many reporters as the threshold, all Japanese: the one-nationality safeguard keeps the
    # comment visible and flags it at the top of the queue instead.
    threshold = settings.MODERATION_REPORT_THRESHOLD
    for number in range(threshold):
        reporter = _user(
            f"reporter{number}@example.jp",
            nationality="JP",
            language="ja",
            display_name=f"報告者{number}",
            member=False,
        )
        report_create(reporter=reporter, comment=comment, reason=ReportReason.HARASSMENT, note="侮辱的です。")
    comment.refresh_from_db()
    assert comment.hidden_at is None
    _moderator()

    # 1. Before: a visitor reads the comment on the proposal page.
    with _visitor(browser, page, "ko-KR") as visitor:
        visitor.goto(_url(page, f"/ko/proposals/{SLUG}/"))
        expect(visitor.locator(f"#comment-{comment.pk} .comment-body")).to_have_text(COMMENT)
        visitor.shoot("visitor-before")

    # 2. The moderator opens the queue in the Korean admin, logging in through allauth.
    queue_path = "/ko/admin/moderation/reportedcomment/"
    _log_in_to_admin(page, queue_path)
    row = page.locator(f'#result_list tbody tr:has(input[name="_selected_action"][value="{comment.pk}"])')
    expect(row).to_have_count(1)
    expect(row.locator("td.field-reports, th.field-reports")).to_have_text(str(threshold))
    with translation.override("ko"):
        mix = translation.gettext("KR %(kr)d / JP %(jp)d / other %(other)d") % {
            "kr": 0,
            "jp": threshold,
            "other": 0,
        }
    expect(row.locator(".field-nationality_mix")).to_have_text(mix)
    # Flagged: reported past the threshold by one nationality only (not hidden automatically).
    expect(row.locator('.field-flagged img[alt="True"]')).to_be_visible()
    expect(row.locator(".hidden-state-visible")).to_be_visible()
    expect(row.locator(".field-text")).to_contain_text(COMMENT[:20])
    page.shots("queue")

    # 3. Select it and choose the hide action: the intermediate page asks for the reason.
    row.locator('input[name="_selected_action"]').check()
    page.locator('#changelist-form select[name="action"]').select_option("hide_selected")
    page.shots("action-chosen")
    page.locator('#changelist-form button[name="index"]').click()
    expect(page.locator("body.moderation-confirmation")).to_be_visible()
    expect(page.locator("#moderation-selected li")).to_have_count(1)
    expect(page.locator("#moderation-selected li")).to_contain_text(f"#{comment.pk}")
    page.shots("hide-reason-form")

    # Confirming without a reason is refused on the same page, nothing hidden.
    page.locator('input[type=submit][name="confirm"]').click()
    expect(page.locator("body.moderation-confirmation .errorlist")).to_be_visible()
    comment.refresh_from_db()
    assert comment.hidden_at is None
    page.shots("hide-reason-missing")

    page.locator('select[name="category"]').select_option("harassment")
    page.locator('textarea[name="note"]').fill(HIDE_REASON)
    page.locator('select[name="note_language"]').select_option("ko")
    page.locator('input[type=submit][name="confirm"]').click()
    expect(page).to_have_url(re.compile(re.escape(queue_path) + r"(\?.*)?$"))
    with translation.override("ko"):
        done = translation.ngettext("%(count)d item hidden.", "%(count)d items hidden.", 1) % {"count": 1}
    expect(page.locator(".messagelist .success")).to_have_text(done)
    # Its reports were actioned, so it left the queue of open reports.
    expect(page.locator(f'input[name="_selected_action"][value="{comment.pk}"]')).to_have_count(0)
    page.shots("hidden")

    comment = Comment.objects.get(pk=comment.pk)
    assert comment.hidden_at is not None
    assert (comment.hidden_category, comment.hidden_reason) == ("harassment", HIDE_REASON)
    assert not comment.hidden_automatically
    assert set(Report.objects.filter(comment=comment).values_list("status", flat=True)) == {
        ReportStatus.ACTIONED
    }

    # 4. A visitor sees the placeholder with the reason, in Korean and in Japanese, never the text.
    for lang, locale in [("ko", "ko-KR"), ("ja", "ja-JP")]:
        with _visitor(browser, page, locale) as visitor:
            visitor.goto(_url(page, f"/{lang}/proposals/{SLUG}/"))
            expect(visitor.locator("html")).to_have_attribute("lang", lang)
            hidden = visitor.locator(f"#comment-{comment.pk}")
            with translation.override(lang):
                category = translation.pgettext(
                    "hide reason", "Harassment or hate, including hostility toward a nationality"
                )
                placeholder = translation.gettext("Hidden by moderators: %(reason)s") % {"reason": category}
            # The category in the visitor's language; the note as written, marked Korean.
            expect(hidden.locator(".comment-placeholder")).to_contain_text(placeholder)
            expect(hidden.locator('.comment-placeholder q[lang="ko"]')).to_have_text(HIDE_REASON)
            expect(hidden.locator(".comment-body")).to_have_count(0)
            # The author is still named; only the text is withheld.
            expect(hidden.locator(".comment-author")).to_have_text("박지수")
            assert COMMENT not in visitor.content()
            visitor.shoot(f"visitor-after-{lang}")


# --- 2. Recording a milestone ------------------------------------------------------------------------


def _dashboard_count(page, jurisdiction_label: str, stage_label: str) -> int:
    """The number in the dashboard's table for a jurisdiction (row) and a stage (column)."""
    table = page.locator("table.progress-table").first
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index(stage_label)
    row = table.locator("tbody tr", has=page.locator(f'th:text-is("{jurisdiction_label}")'))
    return int(row.locator("th, td").nth(column).inner_text())


def test_moderator_records_a_milestone_and_the_timeline_shows_it(page, browser, seeded):
    from progress.models import Jurisdiction, Milestone, MilestoneStatus
    from proposals.models import Proposal, Stage

    proposal = Proposal.objects.get(slug=SLUG)
    _moderator()
    with translation.override("ko"):
        korea_ko = str(Jurisdiction.KOREA.label)
        recommended_ko = str(Stage.RECOMMENDED.label)

    # 0. The dashboard before: how many proposals are "recommended" in Korea.
    with _visitor(browser, page, "ko-KR") as visitor:
        visitor.goto(_url(page, "/ko/progress/"))
        before = _dashboard_count(visitor, korea_ko, recommended_ko)
        visitor.shoot("dashboard-before")

    # 1. The proposal's change page in the Korean admin, logging in through allauth.
    change_path = f"/ko/admin/proposals/proposal/{proposal.pk}/change/"
    _log_in_to_admin(page, change_path)
    group = page.locator("#milestones-group")
    expect(group).to_be_visible()
    expect(group.locator(".inline-related:not(.empty-form)")).to_have_count(0)
    page.shots("proposal-change")

    # 2. Add a milestone inline (admin's inlines.js adds the form) and fill it.
    group.locator(".add-row a").click()
    form = page.locator("#milestones-0")
    expect(form).to_be_visible()
    date = timezone.localdate() - dt.timedelta(days=3)
    form.locator('input[name="milestones-0-date"]').fill(date.isoformat())
    form.locator('select[name="milestones-0-jurisdiction"]').select_option(Jurisdiction.KOREA)
    form.locator('select[name="milestones-0-stage"]').select_option(Stage.RECOMMENDED)
    form.locator('select[name="milestones-0-status"]').select_option(MilestoneStatus.PUBLISHED)
    for name, value in MILESTONE.items():
        form.locator(f'[name="milestones-0-{name}"]').fill(value)
    page.shots("milestone-filled")

    # 3. Save and keep editing: the stage in Korea follows the published milestone.
    page.locator('input[name="_continue"]').click()
    expect(page).to_have_url(re.compile(re.escape(change_path) + "$"))
    expect(page.locator(".errornote")).to_have_count(0)
    expect(page.locator(".messagelist .success")).to_have_count(1)
    with translation.override("ko"):
        stage_message = translation.gettext("Stage in %(jurisdiction)s is now %(stage)s.") % {
            "jurisdiction": korea_ko,
            "stage": recommended_ko,
        }
    expect(page.locator(".messagelist .info")).to_have_text(stage_message)
    expect(page.locator("#milestones-0 input[name='milestones-0-id']")).not_to_have_value("")
    page.shots("saved")

    milestone = Milestone.objects.get(proposal=proposal)
    assert milestone.status == MilestoneStatus.PUBLISHED
    assert (milestone.date, milestone.jurisdiction, milestone.stage) == (
        date,
        Jurisdiction.KOREA,
        Stage.RECOMMENDED,
    )
    assert [milestone.title_en, milestone.title_ko, milestone.title_ja] == [
        MILESTONE["title_en"],
        MILESTONE["title_ko"],
        MILESTONE["title_ja"],
    ]
    assert milestone.created_by.email == MODERATOR_EMAIL

    # 4. The public timeline, in Korean and in Japanese.
    for lang, locale in [("ko", "ko-KR"), ("ja", "ja-JP")]:
        with _visitor(browser, page, locale) as visitor:
            visitor.goto(_url(page, f"/{lang}/proposals/{SLUG}/progress/"))
            expect(visitor.locator("html")).to_have_attribute("lang", lang)
            item = visitor.locator(f"#milestone-{milestone.pk}")
            expect(item.locator("h3")).to_have_text(MILESTONE[f"title_{lang}"])
            expect(item.locator(".progress-description")).to_have_text(MILESTONE[f"description_{lang}"])
            expect(item.locator(".progress-institution")).to_have_text(MILESTONE["institution"])
            expect(item.locator("time")).to_have_attribute("datetime", date.isoformat())
            expect(item.locator(f'a[href="{MILESTONE["evidence_url"]}"]')).to_be_visible()
            with translation.override(lang):
                stage_label = str(Stage.RECOMMENDED.label)
                korea = str(Jurisdiction.KOREA.label)
            expect(item.locator(".badge.stage.stage-recommended")).to_have_text(stage_label)
            expect(item.locator(".progress-where")).to_have_text(korea)
            # The current stage in Korea, at the top of the page.
            card = visitor.locator(".progress-stage-card.progress-jurisdiction-kr")
            expect(card.locator(".badge.stage-recommended")).to_have_text(stage_label)
            other = "title_ja" if lang == "ko" else "title_ko"
            assert MILESTONE[other] not in visitor.content()
            visitor.shoot(f"timeline-{lang}")

    # 5. The dashboard counts it.
    with _visitor(browser, page, "ko-KR") as visitor:
        visitor.goto(_url(page, "/ko/progress/"))
        assert _dashboard_count(visitor, korea_ko, recommended_ko) == before + 1
        row = visitor.locator(
            "table.progress-participation tbody tr",
            has=visitor.locator(f'a[href="/ko/proposals/{SLUG}/progress/"]'),
        )
        # Cells after the title: overall stage, then Korea, Japan, bilateral.
        cells = row.locator("td")
        expect(cells.nth(0).locator(".badge.stage-recommended")).to_have_text(recommended_ko)
        expect(cells.nth(1).locator(".badge.stage-recommended")).to_have_text(recommended_ko)
        expect(cells.nth(2).locator(".progress-none")).to_be_visible()
        proposal.refresh_from_db()
        assert proposal.stage == Stage.RECOMMENDED
        visitor.shoot("dashboard-after")
