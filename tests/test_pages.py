import re

import pytest
from django.db import models
from django.urls import reverse
from django.utils.html import escape

from proposals.models import PolicyArea
from tests.factories import ProposalFactory

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KANA = re.compile(r"[\u3040-\u30ff]")


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "ko", "ja"])
def test_list_shows_all_seeded_proposals_in_the_language(client, seeded, lang):
    from proposals.models import Proposal

    response = client.get(f"/{lang}/proposals/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    for proposal in Proposal.objects.select_related("current_version"):
        assert escape(getattr(proposal.current_version, f"title_{lang}")) in html
        assert f'href="/{lang}/proposals/{proposal.slug}/"' in html
    if lang == "ko":
        assert HANGUL.search(html)
    if lang == "ja":
        assert KANA.search(html)
    assert html.count('class="proposal-card"') == 14


@pytest.mark.django_db
def test_list_groups_proposals_by_policy_area_in_declared_order(client):
    ProposalFactory(policy_area=PolicyArea.ENERGY, version__title_en="Hydrogen")
    ProposalFactory(policy_area=PolicyArea.SECURITY, version__title_en="Security framework")

    html = client.get("/en/proposals/").content.decode()

    assert html.index("Security framework") < html.index("Energy &amp; climate") < html.index("Hydrogen")
    assert "Technology" not in html  # empty areas are left out


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "ko", "ja"])
def test_every_seeded_detail_page_renders_its_citation(client, seeded, lang):
    from proposals.models import Proposal

    for proposal in Proposal.objects.select_related("current_version", "publication"):
        response = client.get(f"/{lang}/proposals/{proposal.slug}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert escape(getattr(proposal.current_version, f"title_{lang}")) in html
        assert escape(proposal.publication.title) in html
        assert escape(proposal.publication.authors.first().name) in html
        assert escape(getattr(proposal, f"section_{lang}")) in html
        assert 'class="badge stage stage-proposed"' in html


@pytest.mark.django_db
def test_detail_shows_translated_quote_with_the_english_original(client):
    ProposalFactory(slug="p", quote_en="Original words.", quote_ja="原文の言葉。")

    html = client.get("/ja/proposals/p/").content.decode()

    assert "原文の言葉。" in html
    assert '<blockquote lang="en">Original words.</blockquote>' in html


@pytest.mark.django_db
def test_unknown_proposal_is_404(client):
    assert client.get("/en/proposals/no-such-thing/").status_code == 404


@pytest.mark.django_db
def test_user_text_is_escaped(client):
    ProposalFactory(slug="x", version__title_en="<script>alert(1)</script>")

    html = client.get("/en/proposals/x/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_list_query_budget_does_not_grow_with_data(client, django_assert_num_queries, settings, size):
    # The list is a fragment cached under the proposals' stamps (a memory cache here, so that only
    # the database's queries are counted): the stamps, then the proposals to render it; cached, the
    # stamps alone.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}
    }
    proposals = [ProposalFactory() for _ in range(size)]
    with django_assert_num_queries(2):
        response = client.get("/en/proposals/")
    assert response.status_code == 200
    with django_assert_num_queries(1):
        cached = client.get("/en/proposals/").content.decode()
    assert all(proposal.current_version.title in cached for proposal in proposals)


# The proposal page, whole: proposal, its further sources, the authors of every cited publication,
# ratings, amendments, the common-ground view (count per tab, one page of the tab), a page of comment
# threads with their replies; for a member also session, user, standing, own ratings and own
# reactions; the comments' translations into the reader's language (one query for the page:
# translations.reading).
PROPOSAL_PAGE_QUERIES = {"anonymous": 11, "member": 16}


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member"])
@pytest.mark.parametrize("threads", [5, 500])
def test_proposal_page_query_budget_is_the_same_for_5_and_500_comments(
    client, django_assert_num_queries, make_actor, proposal, viewer, threads, settings
):
    settings.PROPOSAL_PAGE_CACHE = False  # the rendering is measured (the cached page: test_page_cache)
    from comments.models import Comment
    from tests.factories import PublicationAuthorFactory, UserFactory

    for _ in range(3):
        PublicationAuthorFactory(publication=proposal.publication)
    authors = [UserFactory() for _ in range(5)]
    roots = Comment.objects.bulk_create(
        Comment(proposal=proposal, author=authors[i % 5], body=f"comment {i}", language="ko")
        for i in range(threads)
    )
    Comment.objects.filter(pk__in=[c.pk for c in roots]).update(root=models.F("pk"))
    Comment.objects.bulk_create(
        Comment(
            proposal=proposal,
            author=authors[(i + 1) % 5],
            body="reply",
            language="ja",
            parent=root,
            root=root,
            depth=1,
        )
        for i, root in enumerate(roots)
    )
    user = make_actor(viewer)
    if user:
        client.force_login(user)

    with django_assert_num_queries(PROPOSAL_PAGE_QUERIES[viewer]):
        response = client.get(reverse("proposals:detail", kwargs={"slug": proposal.slug}))

    assert response.status_code == 200
    assert response.content.decode().count("comment ") >= 5


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client):
    ProposalFactory(slug="p")
    response = client.get("/en/proposals/p/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert " style=" not in response.content.decode()
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "q", "slug"),
    [
        ("ja", "水素", "hydrogen-ccs-green-finance"),
        ("ko", "청년 혁신", "youth-innovation-fund"),
        ("en", "CPTPP", "cptpp-accession-support"),
    ],
)
def test_proposal_search_finds_korean_and_japanese_text(client, seeded, lang, q, slug):
    html = client.get(f"/{lang}/proposals/", {"q": q}).content.decode()

    assert f'href="/{lang}/proposals/{slug}/"' in html
    assert html.count('class="proposal-card"') < 14
    assert f'value="{q}"' in html


@pytest.mark.django_db
def test_proposal_search_with_no_match_says_so(client, seeded):
    html = client.get("/en/proposals/", {"q": "zzzz-nothing"}).content.decode()
    assert html.count('class="proposal-card"') == 0
    assert "No proposal matches your search." in html
