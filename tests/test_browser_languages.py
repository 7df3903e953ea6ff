"""The interface in Russian and Arabic in a real browser: switching, right-to-left layout, screenshots."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from tests import factories
from tests.test_browser import SCREENSHOTS, seeded_memorandum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, page: Page, admin_user):
    """The site's address, with the browser signed in."""
    client = Client()
    client.force_login(admin_user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])
    page.set_viewport_size({"width": 1280, "height": 900})
    return live_server.url


def read_in(page: Page, site: str, language: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])


def test_the_language_switcher_changes_the_language_and_remembers_it(site, page: Page):
    factories.belarus_oman_chain()
    page.goto(f"{site}/memoranda/")
    page.get_by_label("Language").select_option("ru")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # nothing changes before "Change"
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name="Меморандумы и соглашения")).to_be_visible()
    expect(page).to_have_url(f"{site}/memoranda/")
    page.goto(f"{site}/visits/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.get_by_label("Язык").select_option("ar")
    page.get_by_role("button", name="Сменить").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_label("اللغة")).to_have_value("ar")


def test_the_language_switcher_works_without_javascript(live_server, browser, admin_user):
    context = browser.new_context(java_script_enabled=False)
    client = Client()
    client.force_login(admin_user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/visits/")
    page.get_by_label("Language").select_option("ru")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # nothing happens until the button
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page).to_have_url(f"{live_server.url}/visits/")
    context.close()


def test_arabic_pages_are_laid_out_right_to_left(site, page: Page):
    chain = factories.belarus_oman_chain()
    read_in(page, site, "ar")
    page.goto(site)
    brand, nav = page.locator(".brand").bounding_box(), page.locator(".site-nav").bounding_box()
    assert brand["x"] > nav["x"]  # the brand starts the header on the right
    track = page.locator(".bar-row__track").first.bounding_box()
    label = page.locator(".bar-row__label").first.bounding_box()
    assert label["x"] > track["x"]  # chart labels on the right, bars growing leftwards
    page.goto(f"{site}/countries/BY/OM/")
    marker = page.locator(".timeline__marker").first.bounding_box()
    body = page.locator(".timeline__body").first.bounding_box()
    assert marker["x"] > body["x"]  # the timeline's spine runs down the right
    page.goto(f"{site}{chain['state_visit'].get_absolute_url()}")
    expect(page.get_by_text("عُمان ← بيلاروس")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["ru", "ar"])
def test_no_page_overflows_sideways_in_russian_or_arabic(site, page: Page, language, width):
    chain = factories.belarus_oman_chain()
    read_in(page, site, language)
    page.set_viewport_size({"width": width, "height": 900})
    for path in [
        "/",
        "/memoranda/",
        "/visits/",
        "/commitments/",
        chain["centres_mou"].get_absolute_url(),
        chain["state_visit"].get_absolute_url(),
        "/countries/BY/OM/",
    ]:
        page.goto(f"{site}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path


@pytest.mark.parametrize(("language", "heading"), [("ar", "التعاون في لمحة"), ("ru", "Сотрудничество: общая картина")])
def test_screenshots_of_the_overview_in_arabic_and_russian(site, page: Page, language, heading):
    seeded_memorandum()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    read_in(page, site, language)
    page.goto(site)
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    path = SCREENSHOTS / f"overview-{language}.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000
