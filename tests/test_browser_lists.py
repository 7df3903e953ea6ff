"""The lists in a real browser (Chromium at /usr/bin/chromium, see conftest.py) on the seed data:
filtered from the keyboard alone, read as cards on a 390-px phone, and asked what was in force
on a day."""

import datetime
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from agreements.models import Institution, Memorandum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# The sum of the page's layout shifts since it started loading, read once it has settled.
LAYOUT_SHIFT = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


@pytest.fixture
def site(live_server, signed_in_page):
    """The site's address with the seed data loaded, the browser signed in as an analyst."""
    call_command("seed", verbosity=0)
    signed_in_page("Analyst").set_viewport_size({"width": 1280, "height": 900})
    return live_server.url


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_filters_from_the_keyboard_alone_with_one_apply(site, page: Page):
    page.goto(f"{site}/memoranda/")
    form = page.locator("form.filters")
    expect(form.locator("button[type=submit]")).to_have_count(1)
    expect(form.get_by_role("button", name="Apply")).to_have_count(1)

    tab_to(page, "#id_q")
    page.keyboard.type("cancer")
    tab_to(page, "#id_institution")  # through the sector and country boxes, choosing nothing
    expect(page).to_have_url(f"{site}/memoranda/")
    page.keyboard.type("Sultan")
    suggestions = page.locator("#id_institution-suggestions")
    expect(suggestions.get_by_role("option").first).to_be_visible()
    page.keyboard.press("Escape")  # closes the suggestions, keeps what was typed, applies nothing
    expect(suggestions).to_be_hidden()
    expect(page.locator("#id_institution")).to_have_value("Sultan")
    expect(page.locator("#id_institution")).to_be_focused()
    expect(page).to_have_url(f"{site}/memoranda/")

    tab_to(page, "form.filters button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/memoranda/\?.*q=cancer.*&institution=Sultan"))
    expected = Memorandum.objects.search("cancer").with_institution(*Institution.objects.search("Sultan"))
    rows = page.locator(".results table.records tbody tr")
    expect(rows).to_have_count(expected.count())
    for memorandum in expected:
        expect(page.get_by_role("link", name=memorandum.title)).to_be_visible()
    # The values applied are back in their boxes, ready for the next change.
    expect(page.locator("#id_q")).to_have_value("cancer")


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("path", ["/memoranda/", "/visits/", "/commitments/"])
def test_a_list_on_a_phone_is_a_column_of_cards_that_does_not_shift(site, page: Page, settings, language, path):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])
    page.set_viewport_size(PHONE)
    page.goto(f"{site}{path}")
    assert page.evaluate(LAYOUT_SHIFT) < 0.01
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The header is folded to one line; the filters are folded, the results come first.
    assert page.locator(".site-header").bounding_box()["height"] <= 80
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".filters__details")).not_to_have_attribute("open", re.compile(".*"))
    expect(page.locator("#id_q")).to_be_hidden()

    expect(page.locator("table.records thead")).not_to_be_in_viewport()
    cards = page.locator("table.records tbody tr")
    expect(cards.first).to_be_visible()
    for index in range(min(cards.count(), 3)):
        card = cards.nth(index)
        box = card.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
        cells = card.locator("td")
        title, parties, date, status = (cells.nth(i).bounding_box() for i in range(4))
        for cell in (title, parties, date, status):
            assert cell["width"] > 0 and box["x"] <= cell["x"] and cell["x"] + cell["width"] <= box["x"] + box["width"]
        assert title["y"] < parties["y"] <= date["y"] < status["y"]  # title, then parties and date, then status

    # Opening the filters from the keyboard shows them.
    page.locator(".filters__details > summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_q")).to_be_visible()
    page.locator(".site-menu__toggle").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".site-nav")).to_be_visible()


def test_the_memoranda_with_oman_in_force_on_1_january_2025(site, page: Page):
    day = datetime.date(2025, 1, 1)
    with_oman = list(Memorandum.objects.involving("OM"))
    signed_later = [m for m in with_oman if m.signed_earliest and m.signed_earliest > day]
    signed_on_a_day_not_known = [m for m in with_oman if not m.signed]
    assert signed_later and signed_on_a_day_not_known  # what the seed articles say

    page.goto(f"{site}/memoranda/?in_force_on=2025-01-01&country=OM")
    rows = page.locator(".results table.records tbody tr")
    expect(rows).to_have_count(len(with_oman) - len(signed_later))
    for memorandum in signed_later:
        expect(page.get_by_role("link", name=memorandum.title)).to_have_count(0)
    for memorandum in signed_on_a_day_not_known:
        row = rows.filter(has=page.get_by_role("link", name=memorandum.title))
        # Signed, but neither when nor whether it took effect is recorded: possibly, drawn dashed.
        badge = row.locator(".badge[data-force]")
        expect(badge).to_have_text("possibly in force on 1 Jan 2025")
        assert badge.evaluate("element => getComputedStyle(element).borderTopStyle") == "dashed"

    # The dossier answers the same from its "as of" box, with the keyboard.
    page.goto(f"{site}/countries/BY/OM/")
    page.get_by_label("As of").fill("2025-01-01")
    page.keyboard.press("Enter")
    section = page.locator("section.in-force")
    expect(section.get_by_role("heading", name="In force on 1 Jan 2025")).to_be_visible()
    for memorandum in signed_on_a_day_not_known:
        expect(section.get_by_role("link", name=memorandum.title)).to_be_visible()
    for memorandum in signed_later:
        expect(section.get_by_role("link", name=memorandum.title)).to_have_count(0)
