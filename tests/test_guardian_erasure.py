"""A guardian who consented can have the young participant's account erased from the emailed
link (issue #16: "A guardian can request the same for a minor"): a confirmation page, one
submit, the same erasure as the participant's own, both told by email in their languages."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from accounts.guardians import guardian_consent_decide, token_for
from accounts.models import AgeBand, GuardianConsent, Nationality, User
from audit.models import AuditEntry
from comments.models import Comment
from comments.services import comment_create
from tests.factories import MembershipFactory, UserFactory
from tests.test_datarights import rows_mentioning

pytestmark = pytest.mark.django_db

PEOPLE = {
    "ko": {
        "nationality": Nationality.KOREA,
        "band": AgeBand.UNDER_14,
        "name": "지우유니크",
        "text": "지우의댓글입니다",
    },
    "ja": {
        "nationality": Nationality.JAPAN,
        "band": AgeBand.FROM_14,
        "name": "ゆいユニーク",
        "text": "ゆいのコメントです",
    },
}


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def html(response) -> str:
    return response.content.decode()


def refusal_code(response) -> str:
    match = re.search(r'data-code="([a-z_]+)"', html(response))
    return match.group(1) if match else ""


def young(lang, proposal, *, status="granted"):
    person = PEOPLE[lang]
    user = UserFactory(
        email=f"young-{lang}@example.org",
        display_name=person["name"],
        nationality=person["nationality"],
        age_band=person["band"],
        preferred_language=lang,
    )
    MembershipFactory(user=user, programme=proposal.programme)
    consent = GuardianConsent.objects.create(
        user=user, guardian_email=f"parent-{lang}@example.org", method="guardian", policy_version="2026-12-01"
    )
    if status != "pending":
        guardian_consent_decide(consent=consent, grant=status != "refused")
    user.refresh_from_db()
    return user, consent


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_the_guardian_who_consented_has_the_account_erased_after_confirming(
    client, proposal, lang, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    user, consent = young(lang, proposal)
    comment = comment_create(author=user, proposal=proposal, body=PEOPLE[lang]["text"], language=lang)
    link = f"/{lang}/guardian/{token_for(consent)}/"
    page = html(client.get(link))
    erase = f"{link}erase/"
    assert f'href="{erase}"' in page  # offered from the guardian's page

    with django_assert_max_num_queries(4):
        confirm = client.get(erase)
    assert confirm.status_code == 200 and 'name="confirm"' in html(confirm)
    # Not ticked: the page says why, in the page's language, and nothing is erased.
    refused = client.post(erase, {"contributions": "delete"})
    assert refused.status_code == 400
    assert {"ko": "확인란에 표시해 주세요.", "ja": "確認のチェックを入れてください。"}[lang] in html(refused)
    assert User.objects.filter(pk=user.pk).exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(erase, {"contributions": "delete", "confirm": "on"})
    assert done.status_code == 302 and done["Location"] == f"/{lang}/guardian/erased/"
    assert client.get(done["Location"]).status_code == 200

    assert not User.objects.filter(pk=user.pk).exists()
    gone = Comment.objects.get(pk=comment.pk)
    assert gone.body == "" and gone.deleted_at is not None
    erased = AuditEntry.objects.get(action="account.erased")
    assert erased.actor is None and erased.data["requested_by"] == "guardian"
    assert (
        rows_mentioning(user.email, PEOPLE[lang]["name"], PEOPLE[lang]["text"], consent.guardian_email) == []
    )

    # Both told, in their languages: the guardian in the page's, the participant in theirs.
    to_guardian = next(m for m in mail.outbox if m.to == [f"parent-{lang}@example.org"])
    to_participant = next(m for m in mail.outbox if m.to == [f"young-{lang}@example.org"])
    words = {"ko": ("삭제", "법정대리인"), "ja": ("削除", "保護者")}[lang]
    assert words[0] in to_guardian.subject and PEOPLE[lang]["name"] in to_guardian.subject
    assert words[1] in to_participant.subject and words[0] in to_participant.body
    # The link no longer works: the request went with the account.
    assert client.get(link).status_code == 403


def test_the_guardians_email_follows_the_page_language_and_the_participants_their_own(
    client, proposal, django_capture_on_commit_callbacks
):
    user, consent = young("ja", proposal)  # a Japanese participant; the guardian reads in Korean
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/ko/guardian/{token_for(consent)}/erase/", {"contributions": "keep", "confirm": "on"})
    to_guardian = next(m for m in mail.outbox if m.to == [consent.guardian_email])
    to_participant = next(m for m in mail.outbox if m.to == [user.email])
    assert "삭제" in to_guardian.subject and "없이" in to_guardian.body  # kept, without the name
    assert "保護者" in to_participant.subject and "名前" in to_participant.body


@pytest.mark.parametrize("status", ["pending", "refused"])
def test_a_link_whose_request_was_never_consented_cannot_erase(client, proposal, status):
    # The participant may have typed someone else's address: only a guardian who consented erases.
    user, consent = young("ko", proposal, status=status)
    link = f"/ko/guardian/{token_for(consent)}/"
    assert "/erase/" not in html(client.get(link))
    page = client.get(f"{link}erase/")
    assert page.status_code == 403 and refusal_code(page) == "guardian_erasure_not_allowed"
    post = client.post(f"{link}erase/", {"contributions": "delete", "confirm": "on"})
    assert post.status_code == 403 and User.objects.filter(pk=user.pk).exists()


def test_a_guardian_who_withdrew_can_still_have_the_account_erased(client, proposal):
    from accounts.guardians import guardian_consent_withdraw

    user, consent = young("ja", proposal)
    guardian_consent_withdraw(consent=consent)
    done = client.post(
        f"/ja/guardian/{token_for(consent)}/erase/", {"contributions": "keep", "confirm": "on"}
    )
    assert done.status_code == 302 and not User.objects.filter(pk=user.pk).exists()


def test_a_forged_link_erases_nothing(client, proposal):
    user, _consent = young("ko", proposal)
    forged = client.post("/ko/guardian/not-a-token/erase/", {"contributions": "delete", "confirm": "on"})
    assert forged.status_code == 403 and refusal_code(forged) == "link_invalid"
    assert User.objects.filter(pk=user.pk).exists()
