"""Blocks in another language than the page's say so with ``lang`` (issue #14 item 11)."""

import re

import pytest

from tests.factories import PublicationAuthorFactory

pytestmark = pytest.mark.django_db


def test_an_author_name_shown_in_english_on_a_korean_page_is_marked_english(client, proposal):
    publication = proposal.publication
    PublicationAuthorFactory(publication=publication, name_en="Ken Jimbo", name_ko="", name_ja="")
    PublicationAuthorFactory(publication=publication, name_en="Takashi Terada", name_ko="데라다 다카시")

    html = client.get(f"/ko/proposals/{proposal.slug}/").content.decode()

    assert re.search(r'<span class="citation-author" lang="en">Ken Jimbo', html)
    assert re.search(r'<span class="citation-author" lang="ko">데라다 다카시', html)
    assert '<html lang="ko">' in html
