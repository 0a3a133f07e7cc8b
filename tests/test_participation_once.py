"""Each participant write asks whether the writer may take part once per request: the view decides
(it shows the form or the refusal) and hands its decision to the service (issue #11: "the
participation check runs once per request"). The standing (verified email, active membership) is
one query (``accounts.permissions.participation_refusal``); here it is counted in the SQL of each
write, with htmx and without, on success and on a refusal that is not about participation."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Nationality
from comments.models import Comment
from tests.factories import AmendmentFactory, CommentFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def standing_checks(client, path: str, data: dict, htmx: bool) -> tuple[int, int]:
    """(status, how many times the standing was read) for one POST."""
    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, data, **(HTMX if htmx else {}))
    checks = [query for query in captured.captured_queries if '"accounts_membership"' in query["sql"]]
    return response.status_code, len(checks)


def writes(proposal, member, other):
    """(name, path, data, expected status without htmx, with htmx) for every participant write."""
    base = f"/en/proposals/{proposal.slug}"
    theirs = CommentFactory(proposal=proposal, author=other)
    mine = CommentFactory(proposal=proposal, author=member)
    mine_too = CommentFactory(proposal=proposal, author=member)
    amendment = AmendmentFactory(proposal=proposal, author=other)
    own_amendment = AmendmentFactory(proposal=proposal, author=member)
    version = proposal.current_version
    new_amendment = {
        "field": "body",
        "language": "ja",
        "base_version": version.pk,
        "new_text": version.body_ja + "追加の一文。",
        "rationale": "具体的にするため。",
        "client_token": str(uuid.uuid4()),
    }
    return [
        ("comment", f"{base}/comments/", {"body": "New", "language": "en"}, 302, 200),
        ("reply", f"{base}/comments/{theirs.pk}/reply/", {"body": "Re", "language": "en"}, 302, 200),
        ("edit", f"{base}/comments/{mine.pk}/edit/", {"body": "Edited"}, 302, 200),
        ("empty edit", f"{base}/comments/{mine.pk}/edit/", {"body": " "}, 400, 400),
        ("react", f"{base}/comments/{theirs.pk}/react/", {"kind": "agree"}, 302, 200),
        ("react to own", f"{base}/comments/{mine.pk}/react/", {"kind": "agree"}, 403, 403),
        ("delete", f"{base}/comments/{mine_too.pk}/delete/", {}, 302, 200),
        ("rate", f"{base}/ratings/", {"criterion": "importance", "score": "4"}, 302, 200),
        ("bad rating", f"{base}/ratings/", {"criterion": "importance", "score": "9"}, 400, 400),
        ("withdraw rating", f"{base}/ratings/withdraw/", {"criterion": "importance"}, 302, 200),
        ("vote", f"{base}/amendments/{amendment.pk}/vote/", {"value": "support"}, 302, 200),
        ("vote on own", f"{base}/amendments/{own_amendment.pk}/vote/", {"value": "support"}, 403, 403),
        ("withdraw amendment", f"{base}/amendments/{own_amendment.pk}/withdraw/", {}, 302, 200),
        ("amend", f"{base}/amendments/new/", new_amendment, 302, 200),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_every_write_reads_the_writers_standing_once(client, proposal, make_actor, htmx):
    member = make_actor("member")
    other = make_actor("member", nationality=Nationality.JAPAN)
    client.force_login(member)
    found = {}
    for name, path, data, plain_status, htmx_status in writes(proposal, member, other):
        if name == "amend":  # one amendment per test: the same text twice is a duplicate
            data = {**data, "new_text": data["new_text"] + ("もう一文。" if htmx else "")}
        found[name] = standing_checks(client, path, data, htmx)
        assert found[name][0] == (htmx_status if htmx else plain_status), (name, found[name])
    assert {name: checks for name, (_status, checks) in found.items()} == dict.fromkeys(found, 1)
    assert Comment.objects.filter(body__in=["New", "Re", "Edited"]).count() == 3
