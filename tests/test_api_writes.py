"""/api/v1/: writing with a token: the model's rules and messages, the history, edit conflicts,
the roles, and the tokens themselves."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from agreements.models import ApiToken, Commitment, Memorandum
from tests.test_api import API, token_client

SERVER = "http://testserver"


@pytest.fixture
def editor_api(editor_user):
    return token_client(editor_user)


def new_memorandum(**changes) -> dict:
    return {
        "title": "Memorandum on nursing colleges",
        "kind": "mou",
        "country_a": f"{SERVER}{API}/countries/BY/",
        "country_b": f"{SERVER}{API}/countries/OM/",
        "signed": "2026-03",
        "sectors": [f"{SERVER}{API}/sectors/healthcare/"],
        **changes,
    }


def post(client, endpoint: str, data: dict):
    return client.post(f"{API}/{endpoint}/", data, content_type="application/json")


def patch(client, url: str, data: dict, etag: str | None):
    headers = {"If-Match": etag} if etag else {}
    return client.patch(url, data, content_type="application/json", headers=headers)


# ---------------------------------------------------------------- writes through the model's save path


def test_an_editor_adds_a_memorandum_as_the_admin_would(chain, editor_api, editor_user):
    response = post(editor_api, "memoranda", new_memorandum())
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"] == created["url"]
    assert response["ETag"]
    memorandum = Memorandum.objects.get(title="Memorandum on nursing colleges")
    # The model's own save: a slug, the bounds of the fuzzy date, the search keys.
    assert created["slug"] == memorandum.slug != ""
    assert (created["signed_earliest"], created["signed_latest"]) == ("2026-03-01", "2026-03-31")
    assert memorandum.signed_latest == datetime.date(2026, 3, 31)
    found = editor_api.get(f"{API}/memoranda/", {"q": "nursing", "sector": "healthcare"}).json()
    assert [record["slug"] for record in found["results"]] == [memorandum.slug]
    # Recorded in the history with its user.
    [version] = Version.objects.get_for_object(memorandum)
    assert version.revision.user == editor_user
    assert "API" in version.revision.get_comment()


def test_a_title_is_written_and_read_in_every_stored_language(chain, editor_api):
    russian, arabic = "Меморандум о колледжах медсестёр", "مذكرة بشأن كليات التمريض"
    created = post(editor_api, "memoranda", new_memorandum(title_ru=russian, title_ar=arabic)).json()
    assert (created["title"], created["title_ru"], created["title_ar"]) == (
        "Memorandum on nursing colleges",
        russian,
        arabic,
    )
    # Found by any language's text, as on the site.
    found = editor_api.get(f"{API}/memoranda/", {"q": "медсестёр"}).json()
    assert [record["url"] for record in found["results"]] == [created["url"]]


@pytest.mark.parametrize("code", ["2²", "12", "ZZ", "Б1"])
def test_a_country_is_added_only_by_a_known_iso_code(chain, editor_api, code):
    response = post(editor_api, "countries", {"code": code})
    assert response.status_code == 400
    assert response.json()["errors"] == {"code": [f'"{code}" is not a valid choice.']}
    assert post(editor_api, "countries", {"code": " cu "}).status_code == 201


def test_invalid_values_are_refused_field_by_field_with_the_models_messages(chain, editor_api):
    response = post(
        editor_api,
        "memoranda",
        new_memorandum(country_b=f"{SERVER}{API}/countries/BY/", signed="summer 2026", kind="treaty"),
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert set(errors) == {"signed", "kind"}
    assert "EDTF" in errors["signed"][0]
    # Once the fields are valid, the model's clean() speaks: the same message as in the admin.
    response = post(editor_api, "memoranda", new_memorandum(country_b=f"{SERVER}{API}/countries/BY/"))
    assert response.status_code == 400
    assert response.json()["errors"] == {"country_b": ["The second country must differ from the first."]}
    response = post(editor_api, "commitments", {"title": "Nobody promised this", "due": "2026"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["A commitment comes from exactly one visit or one memorandum."]
    }
    assert not Memorandum.objects.filter(title="Memorandum on nursing colleges").exists()


def test_messages_come_in_the_language_asked_for(chain, editor_user):
    russian = token_client(editor_user, "ru")
    response = post(russian, "memoranda", new_memorandum(country_b=f"{SERVER}{API}/countries/BY/"))
    assert response.json()["errors"]["country_b"] == ["Вторая страна должна отличаться от первой."]


# ---------------------------------------------------------------- edit conflicts (ETag and If-Match)


def test_a_change_needs_the_current_etag_and_a_stale_one_is_refused(chain, editor_api, editor_user, make_member):
    url = f"{API}/commitments/telemedicine/"
    etag = editor_api.get(url)["ETag"]
    assert patch(editor_api, url, {"status": "open"}, etag=None).status_code == 428
    changed = patch(editor_api, url, {"status": "open", "due": "2027-06"}, etag)
    assert changed.status_code == 200, changed.content
    assert changed.json()["due_latest"] == "2027-06-30"
    assert changed["ETag"] != etag
    # Someone else, who read the record before that change, is refused and nothing is written.
    colleague_user = make_member("Editor", "colleague")
    colleague = token_client(colleague_user)
    stale = patch(colleague, url, {"due": "2028"}, etag)
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert Commitment.objects.get(slug="telemedicine").due == "2027-06"
    assert patch(colleague, url, {"due": "2028"}, f"W/{changed['ETag']}").status_code == 200
    versions = Version.objects.get_for_object(Commitment.objects.get(slug="telemedicine"))
    assert [version.revision.user for version in versions] == [colleague_user, editor_user]


def test_the_etag_changes_when_the_record_changes_elsewhere(chain, editor_api):
    url = f"{API}/memoranda/cancer-centres-mou-2025/"
    etag = editor_api.get(url)["ETag"]
    memorandum = Memorandum.objects.get(slug="cancer-centres-mou-2025")
    memorandum.summary = "Changed in the admin."
    memorandum.save()
    assert editor_api.get(url)["ETag"] != etag
    assert patch(editor_api, url, {"title": "Renamed"}, etag).status_code == 412


# ---------------------------------------------------------------- who may write


@pytest.mark.parametrize("role", ["Viewer", "Analyst"])
def test_readers_may_not_write(chain, make_member, role):
    reader = token_client(make_member(role))
    assert post(reader, "memoranda", new_memorandum()).status_code == 403
    url = f"{API}/sources/"
    assert post(reader, "sources", {"title": "A note", "language": "en"}).status_code == 403
    assert reader.get(url).status_code == 200


def test_only_administrators_delete_and_never_a_record_in_use(chain, editor_api, make_member):
    url = f"{API}/commitments/telemedicine/"
    etag = editor_api.get(url)["ETag"]
    assert editor_api.delete(url, headers={"If-Match": etag}).status_code == 403
    administrator = token_client(make_member("Administrator"))
    assert administrator.delete(url).status_code == 428
    assert administrator.delete(url, headers={"If-Match": etag}).status_code == 204
    assert not Commitment.objects.filter(slug="telemedicine").exists()
    # Its last state stays in the history, to recover it.
    assert Version.objects.get_deleted(Commitment).filter(object_repr="Start telemedicine consultations").exists()
    country = f"{API}/countries/OM/"
    in_use = administrator.delete(country, headers={"If-Match": administrator.get(country)["ETag"]})
    assert in_use.status_code == 409
    assert in_use.json()["status"] == 409


# ---------------------------------------------------------------- tokens


def test_a_user_makes_a_token_sees_it_once_and_revokes_it(chain, viewer_client, viewer_user):
    page = viewer_client.post("/api-tokens/", {"name": "Statistics portal", "lifetime": "30"})
    assert page.status_code == 200
    key = page.context["new_key"]
    assert key.startswith("trk_") and key in page.content.decode()
    token = ApiToken.objects.get(user=viewer_user)
    assert key not in (token.digest, token.prefix) and token.digest != ""
    assert token.expires.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    # Shown once: the list shows only its first characters.
    listed = viewer_client.get("/api-tokens/").content.decode()
    assert key not in listed and token.prefix in listed
    script = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.get(f"{API}/memoranda/").status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    assert viewer_client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 302
    assert script.get(f"{API}/memoranda/").status_code == 401


def test_nobody_revokes_anothers_token_and_an_expired_token_fails(chain, viewer_client, make_member):
    other, key = ApiToken.issue(user=make_member("Editor", "other"), name="theirs")
    assert viewer_client.post(f"/api-tokens/{other.pk}/revoke/").status_code == 404
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get(f"{API}/visits/").status_code == 200
    other.expires = timezone.now() - datetime.timedelta(minutes=1)
    other.save()
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get(f"{API}/visits/").status_code == 401


def test_requests_are_throttled_per_token(chain, viewer_user, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    first, second = token_client(viewer_user), token_client(viewer_user)
    assert [first.get(f"{API}/sectors/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get(f"{API}/sectors/").status_code == 200


# ---------------------------------------------------------------- the role matrix, on every endpoint

ENDPOINTS = [
    "countries",
    "sectors",
    "institutions",
    "people",
    "sources",
    "visits",
    "memoranda",
    "memorandum-relations",
    "commitments",
]


def results_of(response) -> list[dict]:
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_keeps_the_role_matrix(chain, make_member, endpoint):
    """Viewers and Analysts read only; Editors also add and change (an empty body is then refused
    for its values, not for the role); only Administrators delete, deleting a record's parts aside."""
    listed = results_of(token_client(make_member("Viewer", f"v-{endpoint}")).get(f"{API}/{endpoint}/"))
    record = listed[0]["url"]
    expected = {
        "Viewer": (200, 403, 403, 403),
        "Analyst": (200, 403, 403, 403),
        "Administrator": (200, 400, 400, None),  # its deletes: test_only_administrators_delete…
        "Editor": (200, 400, 400, 204 if endpoint == "memorandum-relations" else 403),
    }
    for role, (read, add, change, delete) in expected.items():
        client = token_client(make_member(role, f"{role}-{endpoint}"))
        etag = client.get(record)["ETag"]
        assert client.get(record).status_code == read, role
        assert post(client, endpoint, {}).status_code == add, role
        assert client.put(record, {}, content_type="application/json", headers={"If-Match": etag}).status_code == change
        if delete is not None:
            assert client.delete(record, headers={"If-Match": etag}).status_code == delete, role
