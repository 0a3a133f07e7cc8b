"""One idempotency key sent by several requests at the same moment writes one report (PostgreSQL
only: SQLite serialises every writer, so there is no race to show). The losers are answered with
the winner's response, or a 409 if they carried a different body; none is a 5xx."""

import json
import uuid

import pytest
from django.db import connection
from django.test import Client

from institutions.models import ProgressReport
from progress.models import Milestone
from tests.factories import InstitutionAPIKeyFactory, ProposalFactory
from tests.test_api_support import API
from tests.test_ratings_concurrency import run_in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises all writers, so there is no concurrency to test",
    ),
]

THREADS = 6


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_racing_requests_with_one_key_write_one_report():
    proposal = ProposalFactory()
    key = InstitutionAPIKeyFactory(scopes=["report"]).key
    idempotency_key = str(uuid.uuid4())
    body = {
        "proposal": proposal.slug,
        "stage": "submitted",
        "jurisdiction": "JP",
        "date": "2025-06-01",
        "language": "ja",
        "title": "国会に提出された",
        "evidence_url": "https://example.org/diet/123",
    }
    answers = []

    def send(title: str):
        def target():
            response = Client().post(
                f"{API}reports/",
                data=json.dumps({**body, "title": title}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Api-Key {key}",
                HTTP_IDEMPOTENCY_KEY=idempotency_key,
            )
            answers.append((title, response.status_code, json.loads(response.content)))

        return target

    # Most send the same request; one sends another body under the same key.
    titles = ["同じ"] * (THREADS - 1) + ["違う"]
    errors = run_in_threads([send(title) for title in titles])

    assert errors == []
    assert ProgressReport.objects.count() == Milestone.objects.count() == 1
    winner = ProgressReport.objects.get()
    created = [answer for answer in answers if answer[1] == 201]
    assert {answer[2]["id"] for answer in created} == {winner.pk}
    for title, status, answer in answers:
        if title != winner.milestone.title_ja:
            assert (status, answer["error"]["code"]) == (409, "idempotency_key_reused")
        else:
            assert status == 201, answer


def test_racing_submits_of_one_comment_form_post_one_comment():
    """The same form sent several times at once (one client token): one comment, and every
    request is answered with it. The insert itself says the token's comment was there (INSERT
    ... ON CONFLICT DO NOTHING, waiting for the first insert's commit), without a savepoint."""
    from accounts.models import User
    from comments.models import Comment
    from tests.factories import MembershipFactory, UserFactory

    proposal = ProposalFactory()
    author = UserFactory()
    MembershipFactory(user=author, programme=proposal.programme)
    token = str(uuid.uuid4())
    answers = []

    def target():
        client = Client()
        client.force_login(User.objects.get(pk=author.pk))
        response = client.post(
            f"/en/proposals/{proposal.slug}/comments/",
            {"body": "Posted once", "language": "en", "client_token": token},
        )
        answers.append((response.status_code, response.get("Location")))

    assert run_in_threads([target] * THREADS) == []
    assert Comment.objects.filter(author=author).count() == 1
    comment = Comment.objects.get(author=author)
    assert len(answers) == THREADS
    assert set(answers) == {(302, answers[0][1])}
    assert f"#comment-{comment.pk}" in answers[0][1]
