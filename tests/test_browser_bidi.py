"""Mixed-direction text in a real browser: the order a reader sees, read from the layout."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The screen boxes of characters in an element, found by the text they start: Range rectangles
# give where each character was laid out, whatever the markup said.
CHARACTER_BOXES = """(element, wanted) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const text = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    // Invisible direction marks and isolates are left out of the text searched.
    for (let i = 0; i < node.data.length; i++) {
      if (!/[\u200e\u200f\u2066-\u2069]/.test(node.data[i])) text.push([node, i]);
    }
  }
  const joined = text.map(([node, i]) => node.data[i]).join("");
  return wanted.map(([needle, which]) => {
    const at = which === "last" ? joined.lastIndexOf(needle) : joined.indexOf(needle);
    if (at < 0) return null;
    const range = document.createRange();
    const [node, i] = text[at];
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const box = range.getBoundingClientRect();
    return {left: box.left, right: box.right, top: box.top};
  });
}"""


def boxes(page: Page, selector: str, *wanted: tuple[str, str]) -> list[dict]:
    return page.locator(selector).first.evaluate(CHARACTER_BOXES, [list(item) for item in wanted])


@pytest.fixture
def arabic_site(live_server, page: Page, admin_user):
    client = Client()
    client.force_login(admin_user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": session.key, "value": session.value, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": live_server.url},
        ]
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    return live_server.url


def test_an_arabic_name_with_its_english_original_in_brackets_reads_in_order(arabic_site, page: Page):
    chain = factories.belarus_oman_chain()
    page.goto(f"{arabic_site}{chain['ministries_mou'].get_absolute_url()}")
    line = ".parties li a:has-text('وزارة الصحة')"
    arabic, opening, first, last, closing = boxes(
        page, line, ("و", "first"), ("(", "first"), ("M", "first"), ("n", "last"), (")", "first")
    )
    # Read from the right: the Arabic name, then the bracketed English name, then its closing bracket.
    assert arabic["left"] > opening["left"] > first["left"]
    assert first["left"] < last["left"]  # the English name itself runs left to right
    assert last["left"] > closing["left"]
    assert arabic["top"] == pytest.approx(closing["top"], abs=2)  # all on one line


def test_an_english_summary_on_an_arabic_page_keeps_its_full_stop_at_its_end(arabic_site, page: Page):
    chain = factories.belarus_oman_chain()
    page.goto(f"{arabic_site}{chain['centres_mou'].get_absolute_url()}")
    summary = page.locator(".summary [lang=en]")
    assert summary.get_attribute("dir") == "auto"
    first_letter, full_stop = boxes(page, ".summary", ("J", "first"), (".", "last"))
    assert full_stop["left"] > first_letter["left"]  # not thrown to the left, as in a right-to-left line


def test_a_date_after_the_publisher_of_a_source_stays_whole(arabic_site, page: Page):
    chain = factories.belarus_oman_chain()
    page.goto(f"{arabic_site}{chain['forum'].get_absolute_url()}")
    day, month, publisher = boxes(page, ".sources .meta", ("7", "first"), ("أ", "first"), ("B", "first"))
    # "27 أغسطس 2024" reads as one date to the left of the publisher, its day on its right.
    assert day["left"] > month["left"]
    assert publisher["left"] > day["left"]


def test_the_admins_date_examples_read_left_to_right_in_arabic(arabic_site, page: Page):
    page.goto(f"{arabic_site}/admin/agreements/memorandum/add/")
    help_text = "#id_signed_helptext"
    year, hyphen, about_year, tilde = boxes(
        page, help_text, ("2019-02-18", "first"), ("-02-18", "first"), ("2025~", "first"), ("~", "first")
    )
    assert year["left"] < hyphen["left"]  # "2019-02-18", as typed, never "18-02-2019"
    assert about_year["left"] < tilde["left"]  # "2025~", the mark after the year
    assert page.locator("#id_signed").get_attribute("dir") == "ltr"


@pytest.mark.parametrize(
    ("language", "title", "sector", "signed"),
    [
        ("en", "Memorandum of understanding between the N.N. Alexandrov", "Healthcare", "6 Oct 2025"),
        ("ru", "Меморандум о взаимопонимании между Национальным онкологическим", "Здравоохранение", "6 октября 2025"),
        ("ar", "مذكرة تفاهم بين المركز الوطني للأورام", "الرعاية الصحية", "6 أكتوبر 2025"),
    ],
)
def test_the_seed_reads_in_each_language(live_server, page: Page, admin_user, language, title, sector, signed):
    from tests.test_browser import seeded_memorandum

    memorandum = seeded_memorandum()
    client = Client()
    client.force_login(admin_user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": session.key, "value": session.value, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    page.goto(f"{live_server.url}{memorandum.get_absolute_url()}")
    assert page.locator("h1").inner_text().startswith(title)
    assert signed in page.locator("dl.facts").inner_text()
    page.goto(f"{live_server.url}/memoranda/?sector=oncology")
    assert title in page.locator(".record-title").first.inner_text()
    page.goto(live_server.url)
    assert sector in page.locator(".legend").first.inner_text()
