"""What one rendered comment costs on the proposal page (template time only, no SQL).

Run: .venv/bin/pytest -q -s -p no:xdist tests/perf_comment_render.py
(with DATABASE_URL for PostgreSQL, or SQLite by default). Prints milliseconds per rendered comment
for a visitor and for a participant: 20 threads of 1 root and 9 replies (two levels), half with a
link, rendered 30 times after one warm-up. Not part of the suite (the name is not test_*).
"""

import time

import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import translation

THREADS, REPLIES, ROUNDS = 20, 9, 30


@pytest.fixture
def discussion(programme, make_actor):
    from comments.models import Comment
    from comments.selectors import PAGE_SIZE
    from tests.factories import CommentFactory, ProposalFactory

    assert PAGE_SIZE >= THREADS
    proposal = ProposalFactory(programme=programme)
    authors = [make_actor("member") for _ in range(5)]
    for t in range(THREADS):
        root = CommentFactory(
            proposal=proposal, author=authors[t % 5], body=f"Root {t} 한국어 본문입니다. " * 4
        )
        parent = root
        for r in range(REPLIES):
            body = f"Reply {r} see https://example.org/{r} 日本語の返信です。" if r % 2 else f"Reply {r} 返信"
            parent = CommentFactory(
                parent=parent if parent.depth < 2 else root, author=authors[r % 5], body=body
            )
    assert Comment.objects.filter(proposal=proposal).count() == THREADS * (REPLIES + 1)
    return proposal, authors


def per_comment_ms(request, proposal) -> float:
    from accounts.permissions import participation_refusal
    from comments.sections import build_section

    template = get_template("comments/_list.html")
    with translation.override("ko"):
        refusal = participation_refusal(request.user, proposal.programme)
        section = build_section(request, proposal=proposal, refusal=refusal)
        context = {"section": section, "request": request, "csrf_token": "x" * 64}
        comments = len(section.page.comments)
        template.render(context, request)
        import os

        if os.environ.get("PROFILE_RENDER"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            template.render(context, request)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        start = time.perf_counter()
        for _ in range(ROUNDS):
            template.render(context, request)
        elapsed = time.perf_counter() - start
        from comments.rendering import _shown_minute

        cold = 0.0
        for _ in range(ROUNDS):
            _shown_minute.cache_clear()
            start = time.perf_counter()
            template.render(context, request)
            cold += time.perf_counter() - start
    print(f"  (every date formatted afresh: {cold * 1000 / ROUNDS / comments:.3f} ms)")
    return elapsed * 1000 / ROUNDS / comments


def test_profile_comment_render(discussion):
    from django.contrib.auth.models import AnonymousUser

    proposal, authors = discussion
    factory = RequestFactory()
    visitor = factory.get("/ko/")
    visitor.user = AnonymousUser()
    member = factory.get("/ko/")
    member.user = authors[0]
    print(f"\nvisitor: {per_comment_ms(visitor, proposal):.3f} ms per rendered comment")
    print(f"participant: {per_comment_ms(member, proposal):.3f} ms per rendered comment")
