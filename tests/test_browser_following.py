"""Following in a real browser, without JavaScript: follow a dossier, see it on the watchlist, unfollow."""

import datetime

import pytest
import reversion
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Follow
from tests import factories
from tests.conftest import client_for
from tests.test_browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def viewer_page(live_server, browser, make_member):
    """A browser without JavaScript, signed in as a viewer."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    session = client_for(make_member("Viewer", "vera")).cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])
    yield context.new_page()
    context.close()


def test_a_viewer_follows_a_dossier_and_unfollows_it_from_the_watchlist_without_javascript(live_server, viewer_page):
    factories.belarus_oman_chain()
    page = viewer_page
    page.goto(f"{live_server.url}/countries/BY/OM/")
    page.locator(".page-head").get_by_role("button", name="Follow").click()
    expect(page).to_have_url(f"{live_server.url}/countries/BY/OM/")
    expect(page.get_by_role("status")).to_contain_text("You now follow Belarus – Oman")
    expect(page.locator(".page-head").get_by_text("You follow this")).to_be_visible()

    page.get_by_role("link", name="Watchlist").click()
    expect(page.get_by_role("heading", name="Belarus – Oman")).to_be_visible()
    page.get_by_role("button", name="Unfollow Belarus – Oman").click()
    expect(page.get_by_role("status")).to_contain_text("You no longer follow Belarus – Oman")
    expect(page.get_by_text("You follow nothing yet.")).to_be_visible()


def test_screenshots_of_the_watchlist(live_server, viewer_page):
    chain = factories.belarus_oman_chain()
    viewer = User.objects.get(username="vera")
    week_ago = timezone.now() - datetime.timedelta(days=7)
    for kind, target in [("pair", "BY-OM"), ("institution", "sqccrc")]:
        follow = Follow.of_subject(kind, target)
        follow.user, follow.created, follow.last_seen = viewer, week_ago, week_ago
        follow.save()
    with reversion.create_revision():
        factories.MemorandumFactory(
            title="Memorandum on cooperation in tourism and health resorts", slug="tourism-mou", signed="2026-11-20"
        )
        chain["state_visit"].save()
    page = viewer_page
    page.goto(f"{live_server.url}/watchlist/")
    expect(page.get_by_text("Memorandum on cooperation in tourism and health resorts")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "watchlist.png", full_page=True)


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_the_watchlist_and_alerts_fit_a_phone(live_server, viewer_page, language):
    factories.belarus_oman_chain()
    page = viewer_page
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/countries/BY/OM/")
    page.locator(".page-head form button").click()
    for path in ["/watchlist/", "/alerts/", "/countries/BY/OM/", "/memoranda/?sector=oncology"]:
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path
