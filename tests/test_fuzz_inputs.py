"""No input is a server error (issue #17, item 4): hypothesis posts arbitrary Unicode — NUL and other
control characters, lone surrogates (sent as the invalid UTF-8 a hostile client can send), bidi
controls, very long strings — to every form and query parameter of the site, the API's query
parameters and the admin's search and filters, and every answer must be below 500. Runs on
whichever database the suite runs on (SQLite and PostgreSQL in CI); bounded by
FUZZ_INPUT_EXAMPLES per target (default 10)."""

import os
import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import AmendmentFactory, CommentFactory, InstitutionAPIKeyFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_INPUT_EXAMPLES", "10"))
SPECIAL = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\ud800",
    "\udfff",
    "\u202e",
    "\u2066",
    "\u200f",
    "\ufeff",
    "＝",
]
values = st.one_of(
    st.text(max_size=40),
    st.text(
        alphabet=st.sampled_from([*SPECIAL, "a", "가", "あ", "1", "²", "٣", " ", "%", "&", "="]), max_size=40
    ),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["x", "가", "\x00", "\u202e", "9"]), st.integers(1000, 6000)
    ),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "null", "-1", "0", "1e3", "NaN", "99999999999999999999", "true", "[]", "{}"]),
)


def encode(params: dict) -> str:
    # Lone surrogates cannot be encoded as UTF-8: send the bytes a client would put on the wire.
    return "&".join(
        f"{quote(key, errors='surrogatepass')}={quote(value, errors='surrogatepass')}"
        for key, value in params.items()
    )


def fields(*names: str, fixed: dict | None = None):
    return st.fixed_dictionaries(dict.fromkeys(names, values)).map(lambda d: {**(fixed or {}), **d})


@pytest.fixture
def world(make_actor, proposal, settings):
    # Throttles would answer 429 after a few posts: off here, they have tests of their own.
    settings.ACCOUNT_RATE_LIMITS = {
        key: value
        for key, value in settings.ACCOUNT_RATE_LIMITS.items()
        if key not in settings.PARTICIPANT_THROTTLES
    }
    member = make_actor("member")
    other = CommentFactory(proposal=proposal)
    own = CommentFactory(proposal=proposal, author=member)
    amendment = AmendmentFactory(proposal=proposal, language="en", new_text="Better.")
    return {
        "member": member,
        "moderator": make_actor("moderator"),
        "proposal": proposal,
        "other": other,
        "own": own,
        "amendment": amendment,
        "key": InstitutionAPIKeyFactory(scopes=["read", "report"]).key,
    }


def targets(w) -> list[tuple[str, str, str, st.SearchStrategy]]:
    """(who, method, path, parameters) for every form and query parameter."""
    p, slug = w["proposal"], w["proposal"].slug
    base = f"/en/proposals/{slug}"
    token = {"client_token": str(uuid.uuid4())}
    return [
        ("anonymous", "GET", "/en/proposals/", fields("q")),
        ("anonymous", "GET", f"{base}/", fields("sort", "page")),
        ("anonymous", "GET", f"{base}/comments/", fields("amendment", "sort", "page")),
        ("anonymous", "GET", f"{base}/amendments/", fields("page")),
        ("member", "GET", f"{base}/amendments/new/", fields("field", "language")),
        ("anonymous", "GET", f"{base}/versions/", fields("page")),
        ("anonymous", "GET", "/en/progress/", fields("area", "stage", "jurisdiction")),
        (
            "member",
            "POST",
            f"{base}/comments/",
            fields("body", "language", "stance", "amendment", "client_token"),
        ),
        ("member", "POST", f"{base}/comments/", fields("body", "stance", fixed={"language": "ko", **token})),
        (
            "member",
            "POST",
            f"{base}/comments/{w['other'].pk}/reply/",
            fields("body", "language", "client_token"),
        ),
        ("member", "POST", f"{base}/comments/{w['own'].pk}/edit/", fields("body")),
        ("member", "POST", f"{base}/comments/{w['other'].pk}/react/", fields("kind", "sort")),
        ("member", "POST", f"{base}/comments/{w['other'].pk}/report/", fields("reason", "note")),
        (
            "member",
            "POST",
            f"{base}/amendments/{w['amendment'].pk}/report/",
            fields("note", fixed={"reason": "spam"}),
        ),
        ("member", "POST", f"{base}/ratings/", fields("criterion", "score")),
        ("member", "POST", f"{base}/ratings/withdraw/", fields("criterion")),
        (
            "member",
            "POST",
            f"{base}/amendments/new/",
            fields("field", "language", "base_version", "client_token", "new_text", "rationale"),
        ),
        (
            "member",
            "POST",
            f"{base}/amendments/new/",
            fields(
                "new_text",
                "rationale",
                fixed={"field": "body", "language": "en", "base_version": str(p.current_version_id), **token},
            ),
        ),
        ("member", "POST", f"{base}/amendments/{w['amendment'].pk}/vote/", fields("value")),
        ("moderator", "POST", f"{base}/amendments/{w['amendment'].pk}/decide/", fields("decision", "reason")),
        (
            "member",
            "POST",
            "/en/accounts/profile/",
            fields(
                "display_name", "preferred_language", "affiliation", "notification_frequency", "nationality"
            ),
        ),
        ("member", "POST", "/en/accounts/profile/nationality/", fields("nationality", "reason")),
        (
            "member",
            "POST",
            f"/en/accounts/programmes/{p.programme.slug}/join/",
            fields("invite_code", "next"),
        ),
        ("anonymous", "POST", "/en/accounts/login/", fields("login", "password")),
        ("anonymous", "POST", "/en/i18n/setlang/", fields("language", "next")),
        (
            "api",
            "GET",
            "/api/v1/proposals/",
            fields("q", "lang", "page", "page_size", "stage", "policy_area"),
        ),
        ("api", "GET", f"/api/v1/proposals/{slug}/comments/", fields("cursor", "page_size")),
        (
            "moderator",
            "GET",
            "/en/admin/audit/auditentry/",
            fields("q", "created_at__year", "action", "actor__id__exact"),
        ),
        ("moderator", "GET", "/en/admin/comments/comment/", fields("q", "created_at__month", "o", "p")),
        ("moderator", "GET", "/en/admin/moderation/reportedcomment/", fields("proposal", "reason", "q")),
        ("moderator", "GET", "/en/admin/accounts/user/", fields("q", "suspension", "nationality")),
    ]


@pytest.mark.parametrize("index", range(31))
def test_no_input_is_a_server_error(client, world, index):
    who, method, path, parameters = targets(world)[index]
    if who in ("member", "moderator"):
        client.force_login(world[who])
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {world['key']}"} if who == "api" else {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(params=parameters, htmx=st.booleans())
    def send(params, htmx):
        extra = {**headers, **({"HTTP_HX_REQUEST": "true"} if htmx else {})}
        if method == "GET":
            response = client.get(f"{path}?{encode(params)}", **extra)
        else:
            response = client.post(
                path, encode(params), content_type="application/x-www-form-urlencoded", **extra
            )
        assert response.status_code < 500, (method, path, params, response.status_code)

    send()


def test_every_target_is_tested(world):
    assert len(targets(world)) == 31
