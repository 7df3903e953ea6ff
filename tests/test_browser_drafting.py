"""Drafting from an article in a real browser: an editor pastes the Arabic report of the Sultan's
visit, corrects one proposal, confirms, and finds the records linked on the site."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.drafting_gold import ARTICLES
from tests.test_browser import SCREENSHOTS
from tests.test_drafting import ARTICLES_DIR, database_before

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "State visit of Sultan Haitham bin Tarik to Belarus"


@pytest.fixture
def site(live_server, signed_in_page, tmp_path):
    """The site, with the seed records as they were before the Arabic report, and the browser
    signed in as an editor."""
    path = tmp_path / "before.json"
    database_before(ARTICLES["002"], path)
    call_command("loaddata", str(path), verbosity=0)
    signed_in_page("Editor").set_viewport_size({"width": 1366, "height": 900})
    return live_server.url


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_an_editor_drafts_the_arabic_report_corrects_one_proposal_and_finds_the_records_linked(site, page: Page):
    page.goto(f"{site}/admin/")
    page.get_by_role("link", name="Draft from an article").click()
    page.get_by_label("Text of the article").wait_for()
    assert_accessible(page)
    page.get_by_label("Text of the article").fill((ARTICLES_DIR / ARTICLES["002"]["file"]).read_text("utf-8"))
    page.get_by_role("button", name="Read the article").click()

    expect(page.get_by_role("heading", name="Visits and meetings")).to_be_visible()
    expect(page.locator("mark", has_text="ألكسندر لوكاشينكو").first).to_be_visible()
    expect(page.get_by_text("matches: Aleksandr Lukashenko (100%)").first).to_be_visible()
    visit = page.locator("fieldset.draft-item", has=page.locator("#id_visits-0-title"))
    expect(visit.get_by_label("Date")).to_have_value("2025-10-06/2025-10-07")
    assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "draft-review.png")

    visit.get_by_label("Title").fill(TITLE)  # the one correction
    page.get_by_role("button", name="Confirm and write the records").click()

    expect(page.locator(".messagelist")).to_contain_text("The records are written")
    page.locator(".messagelist").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("6–7 Oct 2025").first).to_be_visible()
    signed_during = page.get_by_role("region", name="Signed during the visit")
    expect(signed_during.get_by_role("link", name=re.compile("^Joint statement between"))).to_be_visible()
    expect(page.get_by_text("Article on Oman – Belarus").first).to_be_visible()  # the source it cites


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_the_draft_page_reads_in_russian_and_arabic(site, page: Page, language):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])
    page.goto(f"{site}/admin/agreements/source/draft/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    if language == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("textarea").fill((ARTICLES_DIR / ARTICLES["002"]["file"]).read_text("utf-8"))
    page.locator("input[type=submit]").click()
    expect(page.locator("mark").first).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=SCREENSHOTS / f"draft-review-{language}.png")
