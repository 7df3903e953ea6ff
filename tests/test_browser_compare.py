"""The partner comparison in a real browser, in English and Arabic, chosen on the page without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from agreements.models import Commitment, Memorandum
from tests.test_accessibility import axe_page, sign_in, violations_here  # noqa: F401 (axe_page: a fixture)
from tests.test_browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, signed_in_page):
    call_command("seed", verbosity=0)
    signed_in_page("Analyst")
    return live_server.url


def cell(page: Page, row: str, column: int):
    """The figure in the row named `row`, in the partner column `column` (1 for the first partner)."""
    return (
        page.locator("table.comparison tr", has=page.get_by_role("rowheader", name=row, exact=True))
        .locator("td")
        .nth(column - 1)
    )


# What the reader sees in each language: the partners' field, the button, and three rows.
WORDS = {
    "en": ("Partners", "Compare", "All memoranda", "Commitments made", "Kept"),
    "ar": ("الشركاء", "قارن", "جميع المذكرات", "الالتزامات المقطوعة", "المنجزة"),
}


@pytest.mark.parametrize("language", WORDS)
def test_choose_partners_on_the_page_and_compare_them(site, page: Page, language):
    partners, button, memoranda, made, kept = WORDS[language]
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])
    page.goto(f"{site}/countries/BY/compare/")
    page.get_by_label(partners, exact=True).select_option(["OM", "CU"])
    page.get_by_role("button", name=button).click()
    chosen = re.findall(r"with=(\w\w)", page.url)  # in the order of the options, by name in the language
    assert sorted(chosen) == ["CU", "OM"]
    for column, partner in enumerate(chosen, start=1):
        expect(cell(page, memoranda, column)).to_have_text(str(Memorandum.objects.between("BY", partner).count()))
        commitments = Commitment.objects.between("BY", partner)
        expect(cell(page, made, column)).to_have_text(str(commitments.count()))
        expect(cell(page, kept, column)).to_have_text(str(commitments.filter(status="fulfilled").count()))
    cell(page, memoranda, chosen.index("OM") + 1).get_by_role("link").click()
    assert page.url.startswith(f"{site}/memoranda/?pair=BY-OM")


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
def test_screenshots_of_the_comparison(site, page: Page, language):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{site}/countries/BY/compare/?with=OM&with=CU")
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        expect(page.locator("table.comparison")).to_be_visible()
        page.locator(".chart details summary").click()
        # Nothing wider than the screen but the tables, which scroll in their frames.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{language} at {width} px overflows by {overflow} px"
        page.screenshot(path=SCREENSHOTS / f"compare-{language}-{width}.png", full_page=True)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_comparison_and_its_errors_have_no_accessibility_violation(axe_page, live_server, make_member, language):  # noqa: F811
    sign_in(axe_page, live_server.url, make_member("Analyst"))
    axe_page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    found = []
    for query in ("with=OM&with=CU&sector=healthcare", "with=ZZ&from=someday"):
        url = f"{live_server.url}/countries/BY/compare/?{query}"
        axe_page.goto(url)
        axe_page.evaluate("document.querySelectorAll('details').forEach(details => { details.open = true; })")
        found += violations_here(axe_page, url)
    assert not found, "\n".join(found)
