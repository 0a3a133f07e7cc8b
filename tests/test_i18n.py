import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [("ko-KR,ko;q=0.9", "/ko/"), ("ja,en;q=0.5", "/ja/"), ("en-US", "/en/"), ("fr-FR", "/en/")],
)
def test_root_redirects_by_browser_language(client, accept_language, expected):
    response = client.get("/", headers={"accept-language": accept_language})
    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.django_db
def test_language_home_leads_to_the_proposal_list(client):
    response = client.get("/ja/")
    assert response.status_code == 302
    assert response["Location"] == "/ja/proposals/"


@pytest.mark.django_db
def test_unprefixed_page_redirects_to_prefixed(client):
    response = client.get("/proposals/", headers={"accept-language": "ko"})
    assert response.status_code == 302
    assert response["Location"] == "/ko/proposals/"


@pytest.mark.django_db
def test_language_switcher_is_on_the_page_and_switches_to_the_same_page(client, seeded):
    html = client.get("/ko/proposals/youth-innovation-fund/").content.decode()
    assert 'action="/ko/i18n/setlang/"' in html
    for code in ("ko", "ja", "en"):
        assert f'name="language" value="{code}"' in html
    assert 'value="/ko/proposals/youth-innovation-fund/"' in html

    response = client.post(
        "/ko/i18n/setlang/",
        {"language": "ja", "next": "/ko/proposals/youth-innovation-fund/"},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/ja/proposals/youth-innovation-fund/"
    assert response.cookies["django_language"].value == "ja"
    # The remembered choice wins over the browser's language at the root.
    assert client.get("/", headers={"accept-language": "ko"})["Location"] == "/ja/"


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "word"), [("ko", "제안"), ("ja", "提案"), ("en", "Proposals")])
def test_interface_strings_are_translated(client, seeded, lang, word):
    html = client.get(f"/{lang}/proposals/").content.decode()
    assert f"<title>{word}" in html or word in html.split("<h1>")[1].split("</h1>")[0]
