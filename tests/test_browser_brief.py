"""The printable brief, printed to PDF by the real browser (Chromium at /usr/bin/chromium) on the
seed data: the figures, open commitments and events at a glance on the first page, then the
chronology, then the sources."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from agreements.models import Country
from agreements.timeline import PairTimeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4_HEIGHT_MM, A4_WIDTH_MM = 297, 210
MARGINS_MM = {"top": 12, "bottom": 14, "side": 12}  # the brief's @page margins (site.css)
PX_PER_MM = 96 / 25.4


@pytest.fixture
def brief(live_server, signed_in_page):
    """The brief of Belarus and Oman open in the browser, and the pair's timeline."""
    call_command("seed", verbosity=0)
    page = signed_in_page("Analyst")
    page.goto(f"{live_server.url}/countries/BY/OM/brief/")
    return page, PairTimeline(Country.objects.get(code="BY"), Country.objects.get(code="OM"), newest_first=False)


def test_the_brief_prints_its_history_on_a_few_pages(brief):
    page, timeline = brief
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    # The first page, then the chronology (which starts a page of its own) and the sources: for
    # the seed's 13 events and 16 open commitments, under half the eleven pages it took when
    # every event started a new block of its own.
    assert 2 <= pages <= 5, pages


def test_the_first_printed_page_holds_the_figures_open_commitments_and_the_timeline(brief):
    page: Page
    page, timeline = brief
    # Laid out for paper: the width of an A4 page inside its margins.
    page.set_viewport_size(
        {
            "width": round((A4_WIDTH_MM - 2 * MARGINS_MM["side"]) * PX_PER_MM),
            "height": round((A4_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"]) * PX_PER_MM),
        }
    )
    page.emulate_media(media="print")
    first_page_height = (A4_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"]) * PX_PER_MM
    first = page.locator(".brief__first")
    box = first.bounding_box()
    assert box["y"] + box["height"] <= first_page_height

    figures = dict(
        first.locator(".brief__figures").evaluate(
            "list => [...list.children].map("
            "(f) => [f.querySelector('dt').textContent, f.querySelector('dd').textContent])"
        )
    )
    open_commitments = timeline.commitments().unresolved()
    assert figures == {
        "visits": str(timeline.visit_count),
        "memoranda": str(timeline.memorandum_count),
        "open commitments": str(open_commitments.count()),
        "overdue": str(timeline.commitments().overdue().count()),
    }
    for commitment in open_commitments:
        expect(first.get_by_role("link", name=commitment.title, exact=True)).to_be_visible()
    for event in timeline[:]:
        expect(first.get_by_role("link", name=event.record.title, exact=True)).to_be_visible()

    # Then the chronology on the next page, each heading kept with what follows it, and the sources.
    chronology = page.locator(".brief__chronology")
    assert chronology.evaluate("element => getComputedStyle(element).breakBefore") == "page"
    for heading in page.locator(".brief h2, .brief h3, .brief .timeline__year").all():
        assert heading.evaluate("element => getComputedStyle(element).breakAfter") == "avoid"
    sources = page.locator(".brief__sources")
    for source in timeline.sources():
        expect(sources).to_contain_text(source.title)
    assert timeline.sources().exists()
