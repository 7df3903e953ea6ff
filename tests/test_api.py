"""/api/v1/: reading the chain with a personal token, the site's filters, cursors, the roles."""

from __future__ import annotations

import pytest
from django.test import Client

from agreements.models import ApiToken

API = "/api/v1"


def token_client(user, language: str = "en") -> Client:
    """A client that sends only a personal token, as a script does: no session, no cookie."""
    _token, key = ApiToken.issue(user=user, name="script")
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def viewer_api(viewer_user):
    return token_client(viewer_user)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response) -> list[str]:
    return [record["slug"] for record in results(response)]


# ---------------------------------------------------------------- reading each record


def test_a_memorandum_links_along_the_chain(chain, viewer_api):
    response = viewer_api.get(f"{API}/memoranda/cancer-centres-mou-2025/")
    assert response.status_code == 200
    memorandum = response.json()
    server = "http://testserver"
    assert memorandum["url"] == f"{server}{API}/memoranda/cancer-centres-mou-2025/"
    assert memorandum["visit"] == f"{server}{API}/visits/state-visit-belarus-2025/"
    assert memorandum["country_a"] == f"{server}{API}/countries/BY/"
    assert sorted(memorandum["commitments"]) == [
        f"{server}{API}/commitments/oncology-training/",
        f"{server}{API}/commitments/telemedicine/",
    ]
    assert memorandum["fulfilled_commitments"] == [f"{server}{API}/commitments/link-cancer-centres/"]
    [relation] = memorandum["relations"]
    assert (relation["direction"], relation["kind"], relation["memorandum"]) == (
        "outgoing",
        "implements",
        f"{server}{API}/memoranda/health-ministries-mou-2025/",
    )
    assert {signatory["institution"] for signatory in memorandum["signatories"]} == {
        f"{server}{API}/institutions/alexandrov-cancer-centre/",
        f"{server}{API}/institutions/sqccrc/",
    }
    assert len(memorandum["sources"]) == 1
    # Read from the other side, the relation is the inverse one.
    other = viewer_api.get(f"{API}/memoranda/health-ministries-mou-2025/").json()
    [inverse] = other["relations"]
    assert (inverse["direction"], inverse["memorandum"]) == ("incoming", memorandum["url"])
    assert (relation["label"], inverse["label"]) == ("implements", "implemented by")


def test_fuzzy_dates_come_as_edtf_with_bounds_and_words_in_the_asked_language(chain, viewer_user):
    english = token_client(viewer_user).get(f"{API}/memoranda/health-ministries-mou-2025/").json()
    assert (english["signed"], english["signed_earliest"], english["signed_latest"]) == (
        "2025-22",
        "2025-06-01",
        "2025-08-31",
    )
    assert "summer" in english["signed_in_words"]
    russian = token_client(viewer_user, "ru").get(f"{API}/memoranda/health-ministries-mou-2025/").json()
    assert russian["signed"] == "2025-22"
    assert russian["signed_in_words"] != english["signed_in_words"]
    assert "лет" in russian["signed_in_words"]  # лето


def test_names_come_in_every_stored_language(chain, viewer_api):
    institution = viewer_api.get(f"{API}/institutions/moh-belarus/").json()
    assert {(name["language"], name["name"]) for name in institution["alternative_names"]} == {
        ("ru", "Министерство здравоохранения Республики Беларусь")
    }
    country = viewer_api.get(f"{API}/countries/OM/").json()
    assert country["names"]["en"] == "Oman"
    assert country["names"]["ru"] == "Оман"
    assert country["names"]["ar"] == "عُمان"


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("countries", 2),
        ("sectors", 3),
        ("institutions", 4),
        ("people", 3),
        ("sources", 2),
        ("visits", 2),
        ("memoranda", 2),
        ("memorandum-relations", 1),
        ("commitments", 5),
    ],
)
def test_every_record_has_a_list_whose_records_open(chain, viewer_api, endpoint, expected):
    records = results(viewer_api.get(f"{API}/{endpoint}/"))
    assert len(records) == expected
    for record in records:
        detail = viewer_api.get(record["url"])
        assert detail.status_code == 200
        assert detail.json() == record
        assert detail["ETag"].startswith('"')


def test_an_unknown_record_or_address_is_a_problem_in_json(chain, viewer_api):
    for url in (f"{API}/memoranda/no-such-memorandum/", f"{API}/no-such-endpoint/", f"{API}/countries/XX/"):
        response = viewer_api.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 404
    nul = viewer_api.get(f"{API}/memoranda/", {"q": "a\x00b"})
    assert (nul.status_code, nul["Content-Type"]) == (400, "application/problem+json")


# ---------------------------------------------------------------- the site's filters


def test_the_lists_filter_as_the_site_does(chain, viewer_api):
    oncology = slugs(viewer_api.get(f"{API}/memoranda/", {"sector": "oncology", "country": "OM", "page_size": 200}))
    assert "cancer-centres-mou-2025" in oncology
    assert "health-ministries-mou-2025" not in oncology
    # The same FilterSet as the list page: the page lists the same records, in the same order.
    page = Client()
    page.force_login(viewer_api.get(f"{API}/countries/").wsgi_request.user)
    listed = page.get("/memoranda/", {"sector": "oncology", "country": "OM"}).context["page"].object_list
    assert oncology[: len(listed)] == [memorandum.slug for memorandum in listed]

    pair = slugs(viewer_api.get(f"{API}/visits/", {"pair": "om-by", "from": "2025-01-01", "to": "2025-12-31"}))
    assert "state-visit-belarus-2025" in pair
    assert "forum-muscat-2024" not in pair
    by_institution = slugs(viewer_api.get(f"{API}/commitments/", {"institution": "sqccrc"}))
    assert by_institution == ["oncology-training"]
    assert slugs(viewer_api.get(f"{API}/commitments/", {"q": "telemedicine"})) == ["telemedicine"]
    titles = [m["title"] for m in results(viewer_api.get(f"{API}/memoranda/", {"sort": "title", "page_size": 200}))]
    assert titles == sorted(titles)


def test_a_bad_filter_is_refused_naming_it(chain, viewer_api):
    response = viewer_api.get(f"{API}/memoranda/", {"pair": "OM-OM", "from": "yesterday"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert set(errors) == {"pair", "from"}
    assert "BY-OM" in errors["pair"][0]


def test_cursors_walk_the_whole_list_once(crowded, viewer_api):
    everything = slugs(viewer_api.get(f"{API}/visits/", {"page_size": 200}))
    walked, url = [], f"{API}/visits/?page_size=7"
    while url:
        page = viewer_api.get(url).json()
        walked += [record["slug"] for record in page["results"]]
        url = page["next"]
    assert walked == everything
    assert len(everything) > 7
    back = viewer_api.get(viewer_api.get(f"{API}/visits/?page_size=7").json()["next"]).json()["previous"]
    assert slugs(viewer_api.get(back)) == everything[:7]
    assert viewer_api.get(f"{API}/visits/", {"cursor": "forged"}).status_code == 404
    for size in ("abc", "0", "201", "²"):
        refused = viewer_api.get(f"{API}/visits/", {"page_size": size})
        assert (refused.status_code, list(refused.json()["errors"])) == (400, ["page_size"])


def test_a_list_reads_a_fixed_number_of_queries_then_only_the_cache_until_the_records_change(
    crowded, viewer_api, django_assert_num_queries
):
    page = f"{API}/memoranda/?page_size=200"
    # The token with its user, and its last use written down; the user's and its groups'
    # permissions (may they browse?); the data version; the page's keys, then those memoranda with
    # their countries, visit, dormancy and the keys of every record they link to.
    with django_assert_num_queries(7):
        first = viewer_api.get(page)
    assert len(results(first)) == 32
    # Read again, the same answer comes from the cache: only the reader and the data version are read.
    with django_assert_num_queries(4):
        again = viewer_api.get(page)
    assert again.content == first.content
    memorandum = crowded["centres_mou"]
    memorandum.title = "Renamed since the list was read"
    memorandum.save()
    assert "Renamed since the list was read" in [record["title"] for record in results(viewer_api.get(page))]
    detail = f"{API}/memoranda/{memorandum.slug}/"
    etag = viewer_api.get(detail)["ETag"]
    memorandum.sectors.clear()
    changed = viewer_api.get(detail)
    assert changed.json()["sectors"] == [] and changed["ETag"] != etag


# ---------------------------------------------------------------- who may read


def test_reading_needs_a_token_or_a_session_with_the_browse_role(chain, make_member, settings):
    anonymous = Client()
    response = anonymous.get(f"{API}/memoranda/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert Client(HTTP_AUTHORIZATION="Token trk_not-a-token").get(f"{API}/memoranda/").status_code == 401
    nobody = make_member("Viewer", "nobody")
    nobody.groups.clear()
    assert token_client(nobody).get(f"{API}/memoranda/").status_code == 403
    for role in ("Viewer", "Analyst", "Editor", "Administrator"):
        assert token_client(make_member(role, f"reader-{role}")).get(f"{API}/memoranda/").status_code == 200
    session = Client()
    session.force_login(make_member("Viewer", "browser"))
    assert session.get(f"{API}/memoranda/").status_code == 200
    settings.PUBLIC_READ_ONLY = True
    assert anonymous.get(f"{API}/memoranda/").status_code == 200
    assert anonymous.post(f"{API}/countries/", {"code": "CU"}, content_type="application/json").status_code == 401
