"""Who may open what: every role against every page, export and admin screen, and the roles themselves."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import URLPattern, reverse

from agreements import urls as tracker_urls
from agreements.models import Commitment, Country, Institution, Memorandum, Person, Sector, Source, Visit
from tests import factories
from tests.conftest import PASSWORD, client_for

SIGN_IN = "to the site's sign-in page"
ADMIN_SIGN_IN = "to the admin's sign-in page"

# What each role gets, by kind of page: a status code, or a redirect to a sign-in page that
# brings the visitor back afterwards. "public visitor" is anonymous with PUBLIC_READ_ONLY on.
# The admin's own pages (its index) send anonymous visitors to the admin's sign-in page, its
# model pages to the site's (Django sets login_url on the former only).
# "drafting" is the admin's "Draft from an article": for those who may enter records, refused (403)
# to any other signed-in user. "personal" pages are a user's own (the watchlist, the e-mail alerts):
# every role has its own, and a public visitor, who is nobody, is asked to sign in. Feeds and
# calendars are "browse" pages here (signed in); their secret-key addresses are tested in
# test_feeds.py and test_calendar.py.
KINDS = ("browse", "export", "admin index", "admin", "admin delete", "users", "drafting", "personal")
EXPECTED = {
    "anonymous": (SIGN_IN, SIGN_IN, ADMIN_SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    "public visitor": (200, SIGN_IN, ADMIN_SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    "viewer": (200, 403, ADMIN_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, 403, 200),
    "analyst": (200, 200, ADMIN_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, 403, 200),
    "editor": (200, 200, 200, 200, 403, 403, 200, 200),
    "administrator": (200, 200, 200, 200, 200, 200, 200, 200),
}

ADMIN_MODELS = [Country, Sector, Source, Institution, Person, Visit, Memorandum, Commitment]


@pytest.fixture
def cast(memorandum, forum, ministry_by, health):
    """One record of every kind the pages and the admin show."""
    factories.SourceFactory()
    factories.PersonFactory(country=forum.guest_country, institution=ministry_by)
    factories.CommitmentFactory(origin_visit=forum)
    return {"memorandum": memorandum, "visit": forum, "institution": ministry_by}


def admin_url(model, view: str, with_record: bool = False):
    def build(cast):
        args = [model.objects.order_by("pk").first().pk] if with_record else []
        return reverse(f"admin:agreements_{model._meta.model_name}_{view}", args=args)

    return build


# Every page and action, as (kind, cast → address).
TARGETS = {
    "overview": ("browse", lambda cast: "/"),
    "memorandum list": ("browse", lambda cast: "/memoranda/"),
    "visit list": ("browse", lambda cast: "/visits/"),
    "commitment list": ("browse", lambda cast: "/commitments/"),
    "memorandum": ("browse", lambda cast: cast["memorandum"].get_absolute_url()),
    "visit": ("browse", lambda cast: cast["visit"].get_absolute_url()),
    "institution": ("browse", lambda cast: cast["institution"].get_absolute_url()),
    "country": ("browse", lambda cast: "/countries/BY/"),
    "dossier": ("browse", lambda cast: "/countries/BY/OM/"),
    "brief": ("browse", lambda cast: "/countries/BY/OM/brief/"),
    "watchlist": ("personal", lambda cast: "/watchlist/"),
    "e-mail alerts": ("personal", lambda cast: "/alerts/"),
    "feed of everything": ("browse", lambda cast: "/feed/"),
    "feed of a pair": ("browse", lambda cast: "/feeds/pair/BY/OM/"),
    "feed of an institution": ("browse", lambda cast: f"/feeds/institution/{cast['institution'].slug}/"),
    "feed of a list": ("browse", lambda cast: "/memoranda/feed/"),
    "calendar": ("browse", lambda cast: "/calendar.ics"),
    **{
        f"{records} export as {fmt}": ("export", lambda cast, records=records, fmt=fmt: f"/{records}/export.{fmt}")
        for records in ("memoranda", "visits", "commitments")
        for fmt in ("csv", "xlsx", "json")
    },
    **{
        f"{records} report as {fmt}": ("export", lambda cast, records=records, fmt=fmt: f"/{records}/report.{fmt}")
        for records in ("memoranda", "visits", "commitments")
        for fmt in ("xlsx", "csv")
    },
    "admin index": ("admin index", lambda cast: reverse("admin:index")),
    **{
        f"admin {model._meta.model_name} {view}": ("admin", admin_url(model, view, with_record))
        for model in ADMIN_MODELS
        for view, with_record in [("changelist", False), ("add", False), ("change", True), ("import", False)]
    },
    **{f"admin {model._meta.model_name} export": ("admin", admin_url(model, "export")) for model in ADMIN_MODELS},
    **{
        f"admin {model._meta.model_name} delete": ("admin delete", admin_url(model, "delete", True))
        for model in ADMIN_MODELS
    },
    "draft from an article": ("drafting", lambda cast: reverse("admin:agreements_source_draft")),
    **{
        f"admin {name} list": ("users", lambda cast, name=name: reverse(f"admin:agreements_{name}_changelist"))
        for name in ("follow", "feedtoken", "digestsent", "remindersent")
    },
    "user list": ("users", lambda cast: reverse("admin:auth_user_changelist")),
    "add a user": ("users", lambda cast: reverse("admin:auth_user_add")),
    "group list": ("users", lambda cast: reverse("admin:auth_group_changelist")),
    "change a group": ("users", lambda cast: reverse("admin:auth_group_change", args=[Group.objects.first().pk])),
}


@pytest.fixture
def visitor(request, settings):
    """A client for the role named by the test's `role` parameter."""
    role = request.node.callspec.params["role"]
    settings.PUBLIC_READ_ONLY = role == "public visitor"
    if role in ("anonymous", "public visitor"):
        return request.getfixturevalue("anonymous_client")
    return request.getfixturevalue(f"{role}_client")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_gets_exactly_its_pages(visitor, cast, role, target):
    kind, address = TARGETS[target]
    url = address(cast)
    expected = EXPECTED[role][KINDS.index(kind)]
    response = visitor.get(url)
    if expected == SIGN_IN:
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    elif expected == ADMIN_SIGN_IN:
        assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={url}")
    else:
        assert response.status_code == expected


# browse_required, export_required, personal_required (a user's own page), feed_access (a secret
# key in the address, else as a page), and "signed" for a link whose signed token is the proof.
GUARDS = ("browse", "export", "personal", "feed", "signed")


def test_every_tracker_page_is_guarded():
    """A new page must say who may open it, with one of the GUARDS."""
    for pattern in tracker_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        assert getattr(pattern.callback, "access", None) in GUARDS, pattern.name


# ---------------------------------------------------------------- the roles


def permissions_of(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
    }


def test_viewers_browse_and_analysts_also_export(db):
    assert permissions_of("Viewer") == {"agreements.browse_records"}
    assert permissions_of("Analyst") == {"agreements.browse_records", "agreements.export_records"}


def test_editors_add_change_and_view_records_but_delete_only_their_parts(db):
    editor = permissions_of("Editor")
    for model in ADMIN_MODELS:
        name = model._meta.model_name
        assert {f"agreements.{action}_{name}" for action in ("add", "change", "view")} <= editor
        assert f"agreements.delete_{name}" not in editor
    assert "agreements.delete_signatory" in editor
    assert {"agreements.browse_records", "agreements.export_records"} <= editor
    assert not any(permission.startswith(("auth.", "axes.", "admin.")) for permission in editor)


def test_administrators_hold_every_permission(db):
    everything = {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert permissions_of("Administrator") == everything
    assert {
        "auth.add_user",
        "auth.change_group",
        "agreements.delete_memorandum",
        "axes.delete_accessattempt",
    } <= everything


# ---------------------------------------------------------------- staff status follows the roles


def test_joining_editor_makes_a_user_staff_and_leaving_ends_it(make_member):
    user = make_member("Viewer")
    assert not user.is_staff
    editors = Group.objects.get(name="Editor")
    user.groups.add(editors)
    assert user.is_staff
    user.refresh_from_db()
    assert user.is_staff
    user.groups.remove(editors)
    user.refresh_from_db()
    assert not user.is_staff


def test_staff_status_follows_changes_made_from_the_group_side(make_member):
    user = make_member("Analyst")
    administrators = Group.objects.get(name="Administrator")
    administrators.user_set.add(user)
    user.refresh_from_db()
    assert user.is_staff
    administrators.user_set.clear()
    user.refresh_from_db()
    assert not user.is_staff


def test_a_superuser_stays_staff_outside_the_staff_roles(admin_user):
    administrators = Group.objects.get(name="Administrator")
    admin_user.groups.add(administrators)
    admin_user.groups.remove(administrators)
    admin_user.refresh_from_db()
    assert admin_user.is_staff


def test_an_administrator_adding_an_editor_in_the_admin_gives_them_the_admin(administrator_client, django_user_model):
    response = administrator_client.post(
        reverse("admin:auth_user_add"),
        {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    newcomer = django_user_model.objects.get(username="newcomer")
    change = reverse("admin:auth_user_change", args=[newcomer.pk])
    form = administrator_client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(groups=[Group.objects.get(name="Editor").pk], date_joined_0="2026-01-01", date_joined_1="09:00:00")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("user_permissions", None)
    assert administrator_client.post(change, data).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert client_for(newcomer).get(reverse("admin:agreements_memorandum_changelist")).status_code == 200


# ---------------------------------------------------------------- signing in and out


def test_signing_in_returns_to_the_page_asked_for(anonymous_client, make_member):
    make_member("Viewer", "vera", PASSWORD)
    page = anonymous_client.get("/accounts/login/?next=/visits/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'name="next" value="/visits/"' in html
    response = anonymous_client.post(
        "/accounts/login/", {"username": "vera", "password": PASSWORD, "next": "/visits/"}, REMOTE_ADDR="198.51.100.4"
    )
    assert (response.status_code, response["Location"]) == (302, "/visits/")


def test_a_wrong_password_is_reported_on_the_sign_in_page(anonymous_client, make_member):
    make_member("Viewer", "vera", PASSWORD)
    response = anonymous_client.post("/accounts/login/", {"username": "vera", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_a_locked_out_user_is_told_why_and_for_how_long(anonymous_client, make_member, settings):
    make_member("Viewer", "vera", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = anonymous_client.post("/accounts/login/", {"username": "vera", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "signing in to it is paused. Try again in 15 minutes" in html
    assert 'role="alert"' in html
    assert '<form method="post" action="/accounts/login/">' in html  # someone else may still sign in
    # Even the right password is refused while the lock lasts.
    response = anonymous_client.post("/accounts/login/", {"username": "vera", "password": PASSWORD})
    assert response.status_code == 429


def test_the_header_names_the_user_and_offers_the_admin_only_to_staff(viewer_client, editor_client):
    viewer_page = viewer_client.get("/").content.decode()
    assert "Signed in as <strong>viewer</strong>" in viewer_page
    assert 'href="/admin/"' not in viewer_page
    assert '<form method="post" action="/accounts/logout/">' in viewer_page
    assert 'href="/admin/">Administration</a>' in editor_client.get("/").content.decode()


def test_signing_out_takes_a_post_and_ends_the_session(viewer_client):
    assert viewer_client.get("/accounts/logout/").status_code == 405
    response = viewer_client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert viewer_client.get("/").status_code == 302


def test_a_public_visitor_sees_no_download_links_and_is_offered_a_sign_in(anonymous_client, memorandum, settings):
    settings.PUBLIC_READ_ONLY = True
    html = anonymous_client.get("/memoranda/").content.decode()
    assert "Download this list" not in html
    assert 'href="/accounts/login/?next=/memoranda/">Sign in</a>' in html


def test_viewers_see_no_download_links_and_analysts_do(viewer_client, analyst_client, memorandum):
    assert "Download this list" not in viewer_client.get("/memoranda/").content.decode()
    assert 'href="/memoranda/export.csv' in analyst_client.get("/memoranda/").content.decode()


def test_a_user_in_no_role_is_refused_the_tracker(django_user_model, memorandum):
    nobody = client_for(django_user_model.objects.create_user("nobody", password=PASSWORD))
    assert nobody.get("/").status_code == 403
    assert nobody.get("/memoranda/export.csv").status_code == 403


def test_the_language_can_be_chosen_before_signing_in(anonymous_client, db):
    response = anonymous_client.post("/i18n/setlang/", {"language": "ru", "next": "/accounts/login/"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert '<h1 id="sign-in-heading">Войти</h1>' in anonymous_client.get("/accounts/login/").content.decode()


# ---------------------------------------------------------------- ensure_admin


def test_ensure_admin_creates_a_superuser_in_the_administrator_group(db, django_user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("ensure_admin", username="chief")
    chief = django_user_model.objects.get(username="chief")
    assert chief.is_superuser and chief.is_staff
    assert list(chief.groups.values_list("name", flat=True)) == ["Administrator"]
    client = Client()
    assert client.login(request=HttpRequest(), username="chief", password=PASSWORD)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_an_editor_can_import_through_the_admin(editor_client, db):
    page = editor_client.get(reverse("admin:agreements_sector_import"))
    assert page.status_code == 200
    assert 'name="import_file"' in page.content.decode()
    changelist = editor_client.get(reverse("admin:agreements_sector_changelist")).content.decode()
    assert "href='/admin/agreements/sector/import/' class=\"import_link\"" in changelist


def test_an_editor_may_not_delete_a_record(editor_client):
    record = factories.SectorFactory()
    response = editor_client.post(reverse("admin:agreements_sector_delete", args=[record.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Sector.objects.filter(pk=record.pk).exists()


NAVIGATION = 'aria-label="Main"'


def test_the_navigation_is_offered_only_to_those_who_may_browse(anonymous_client, viewer_client, memorandum, settings):
    assert NAVIGATION not in anonymous_client.get("/accounts/login/").content.decode()
    assert NAVIGATION in viewer_client.get("/memoranda/").content.decode()
    settings.PUBLIC_READ_ONLY = True
    assert NAVIGATION in anonymous_client.get("/accounts/login/").content.decode()
