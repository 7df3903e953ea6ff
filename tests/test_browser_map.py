"""The world map in a real browser, in English and Arabic: Belarus's partners shaded on the seed data."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from agreements.models import Memorandum
from tests.test_accessibility import axe_page, sign_in, violations_here  # noqa: F401 (axe_page: a fixture)
from tests.test_browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the reader sees in each language: the names of Belarus's two partners in the seed data,
# and the word the map's titles count.
WORDS = {
    "en": {"OM": "Oman", "CU": "Cuba", "records": "memoranda"},
    "ar": {"OM": "عُمان", "CU": "كوبا", "records": "مذكرات التفاهم"},
}


@pytest.mark.parametrize("language", WORDS)
def test_the_map_shades_belarus_partners_by_their_memoranda(axe_page, live_server, make_member, language):  # noqa: F811
    words, site = WORDS[language], live_server.url
    sign_in(axe_page, site, make_member("Analyst"))
    axe_page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])
    found = []
    for width, height in ((1366, 900), (390, 844)):
        axe_page.set_viewport_size({"width": width, "height": height})
        axe_page.goto(f"{site}/map/?country=BY")
        expect(axe_page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        svg = axe_page.locator("svg.world-map__svg")
        expect(svg.locator("a[href='/countries/BY/'] path")).to_have_class("map-shade-focus")
        counts = {code: Memorandum.objects.between("BY", code).count() for code in ("OM", "CU")}
        assert counts["OM"] > counts["CU"] > 0  # the seed's; so Oman is the darker
        for code, n in counts.items():
            link = svg.locator(f"a[href='/countries/{code}/']")
            expect(link).to_have_accessible_name(f"{words[code]} — {words['records']}: {n}")
            row = axe_page.locator(".map-table tr", has=axe_page.get_by_role("link", name=words[code]))
            expect(row.locator("td")).to_have_text(str(n))
        expect(svg.locator("a[href='/countries/OM/'] path")).to_have_class("map-shade-5")
        expect(svg.locator("a[href='/countries/CU/'] path")).to_have_class("map-shade-1")
        expect(svg.locator("a")).to_have_count(3)  # Belarus and its two partners; no other country is linked
        overflow = axe_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{language} at {width} px overflows by {overflow} px"
        axe_page.screenshot(path=SCREENSHOTS / f"map-{language}-{width}.png", full_page=True)
        if width == 1366:
            found += violations_here(axe_page, axe_page.url)
        axe_page.goto(f"{site}/countries/BY/")
        axe_page.locator("#partners-map details summary").click()
        axe_page.locator("#partners-map").screenshot(path=SCREENSHOTS / f"country-map-{language}-{width}.png")
    found += violations_here(axe_page, f"{site}/countries/BY/")
    axe_page.goto(f"{site}/map/?show=commitments&from=someday")
    found += violations_here(axe_page, f"{site}/map/?show=commitments&from=someday")
    assert not found, "\n".join(found)
    axe_page.goto(f"{site}/map/?country=BY")
    axe_page.locator("svg.world-map__svg a[href='/countries/OM/']").click()
    assert axe_page.url == f"{site}/countries/OM/"
