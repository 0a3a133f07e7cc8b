"""Minors' data is deleted on a schedule after their programme ends, with notice beforehand."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import AgeBand, GuardianConsent, User
from accounts.retention import purge_minor_data
from audit.models import AuditEntry
from comments.models import Comment
from tests.factories import CommentFactory, MembershipFactory, ProgrammeFactory, UserFactory

END = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.MINOR_DATA_RETENTION_DAYS = 30
    settings.MINOR_DATA_NOTICE_DAYS = 14


@pytest.fixture
def ended():
    return ProgrammeFactory(starts_on=dt.date(2026, 4, 1), ends_on=END)


@pytest.mark.django_db
def test_minors_are_told_then_erased_after_their_programme_adults_and_open_programmes_stay(
    ended, django_capture_on_commit_callbacks
):
    minor = UserFactory(age_band=AgeBand.UNDER_14, preferred_language="ja", email="kid@example.jp")
    GuardianConsent.objects.create(
        user=minor,
        guardian_email="parent@example.jp",
        method="guardian",
        status="granted",
        policy_version="2026-12-01",
        decided_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
    )
    adult = UserFactory(age_band=AgeBand.ADULT)
    still_open = UserFactory(age_band=AgeBand.FROM_16)
    for user in (minor, adult, still_open):
        MembershipFactory(user=user, programme=ended)
    MembershipFactory(user=still_open, programme=ProgrammeFactory(ends_on=None))
    comment = CommentFactory(author=minor, proposal__programme=ended, body="子どもの意見")

    assert purge_minor_data(today=END + dt.timedelta(days=10)) == (0, 0)  # too early for a notice
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_minor_data(today=END + dt.timedelta(days=16)) == (1, 0)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["kid@example.jp", "parent@example.jp"]
    assert "削除" in mail.outbox[0].body and "2026" in mail.outbox[0].body
    assert purge_minor_data(today=END + dt.timedelta(days=17)) == (0, 0)  # told once

    assert purge_minor_data(today=END + dt.timedelta(days=30)) == (0, 1)
    assert not User.objects.filter(pk=minor.pk).exists()
    assert User.objects.filter(pk=adult.pk).exists() and User.objects.filter(pk=still_open.pk).exists()
    assert Comment.objects.get(pk=comment.pk).author.public_name == "Withdrawn participant"
    entry = AuditEntry.objects.get(action="account.erased")
    assert entry.actor is None and entry.reason == "retention after the programme"


@pytest.mark.django_db
def test_the_command_runs_the_schedule(ended, capsys):
    call_command("purge_minor_data")
    assert "notice(s) queued" in capsys.readouterr().out
