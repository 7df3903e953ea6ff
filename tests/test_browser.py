"""End-to-end flows in a real browser (Chromium at /usr/bin/chromium, see conftest.py)."""

import csv
import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from agreements.models import Memorandum
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots go to SCREENSHOTS_DIR (relative to the project), by default the git-ignored
# test-results/; `make screenshots` points it at docs/screenshots to refresh the README's.
SCREENSHOTS = Path(settings.BASE_DIR) / os.environ.get("SCREENSHOTS_DIR", "test-results/screenshots")


@pytest.fixture
def site(live_server, signed_in_page):
    """The site's address, with the browser signed in as an analyst (who may browse and export)."""
    signed_in_page("Analyst").set_viewport_size({"width": 1280, "height": 900})
    return live_server.url


def test_from_the_overview_to_the_memorandum_its_visit_and_its_commitments(site, page: Page):
    factories.belarus_oman_chain()
    page.goto(site)
    expect(page.get_by_role("heading", name="Cooperation at a glance")).to_be_visible()
    page.get_by_role("link", name="Memorandum on cooperation between the national cancer centres").first.click()

    expect(page).to_have_url(f"{site}/memoranda/cancer-centres-mou-2025/")
    expect(page.get_by_text("6 Oct 2025, Minsk")).to_be_visible()
    behind = page.locator("section", has=page.get_by_role("heading", name="What led to it"))
    expect(behind.get_by_text("Link the national cancer centres")).to_be_visible()
    expect(behind.get_by_role("link", name="Belarus–Oman business forum")).to_be_visible()
    after = page.locator("section", has=page.get_by_role("heading", name="What it promised"))
    expect(after.get_by_text("Run a joint training programme for oncologists")).to_be_visible()
    expect(after.get_by_text("in progress")).to_be_visible()

    page.get_by_role("link", name="State visit of the Sultan of Oman to Belarus").first.click()
    expect(page.get_by_role("heading", name="State visit of the Sultan of Oman to Belarus", level=1)).to_be_visible()
    expect(page.get_by_text("Haitham bin Tarik")).to_be_visible()

    # Back on the memorandum, the forum where the commitment behind it was made.
    page.go_back()
    behind.get_by_role("link", name="Belarus–Oman business forum").click()
    expect(page.locator("#commitment-link-cancer-centres")).to_contain_text("kept by")


def test_filter_memoranda_by_sector_and_country(site, page: Page):
    chain = factories.belarus_oman_chain()
    factories.MemorandumFactory(
        title="Trade roadmap", slug="trade-roadmap", country_a=chain["belarus"], country_b=chain["oman"]
    ).sectors.add(factories.SectorFactory(name="Trade", slug="trade"))
    page.goto(f"{site}/memoranda/")
    expect(page.get_by_role("heading", name="3 memoranda")).to_be_visible()

    page.get_by_label("Sector").select_option(label="\u2003Oncology (1)")
    page.get_by_label("Country").select_option("OM")
    expect(page).to_have_url(f"{site}/memoranda/")  # nothing is applied before Apply
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/memoranda/\?.*sector=oncology&country=OM"))
    expect(page.get_by_role("heading", name="1 memorandum")).to_be_visible()
    expect(
        page.get_by_role("link", name="Memorandum on cooperation between the national cancer centres")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Trade roadmap")).to_have_count(0)


def test_the_filters_work_from_the_keyboard_alone(site, page: Page):
    chain = factories.belarus_oman_chain()
    factories.MemorandumFactory(title="Trade roadmap", country_a=chain["belarus"], country_b=chain["oman"])
    page.goto(f"{site}/memoranda/")
    search = page.get_by_label("Search")
    search.focus()
    search.type("cancer")
    page.keyboard.press("Tab")  # to the sectors
    expect(page.get_by_label("Sector")).to_be_focused()
    page.keyboard.press("ArrowDown")  # moving through the options applies nothing
    expect(page).to_have_url(f"{site}/memoranda/")
    expect(page.get_by_label("Sector")).to_be_focused()
    page.get_by_label("Sector").select_option([])
    search.focus()
    page.keyboard.press("Enter")  # Enter in a text box applies the filters
    expect(page).to_have_url(re.compile(r"/memoranda/\?.*q=cancer"))
    expect(page.get_by_role("heading", name="1 memorandum")).to_be_visible()
    page.get_by_label("Institution").focus()
    page.keyboard.type("Sultan")
    expect(page.locator("#id_institution-suggestions [role=option]")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # takes the suggestion, submits nothing
    expect(page.get_by_label("Institution")).to_have_value("sqccrc")
    expect(page).to_have_url(re.compile(r"/memoranda/\?.*q=cancer"))
    page.keyboard.press("Enter")  # and now applies it
    expect(page).to_have_url(re.compile(r"institution=sqccrc"))
    expect(page.get_by_role("heading", name="1 memorandum")).to_be_visible()


def test_export_the_filtered_list_as_csv(site, page: Page):
    factories.belarus_oman_chain()
    page.goto(f"{site}/memoranda/?sector=healthcare&sort=date")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["slug"] for row in rows] == ["health-ministries-mou-2025", "cancer-centres-mou-2025"]
    assert rows[1]["signed"] == "2025-10-06"
    assert rows[1]["visit"] == "state-visit-belarus-2025"


def seeded_memorandum() -> Memorandum:
    """The seed records loaded, and the memorandum of 6 October 2025 between the cancer centres."""
    call_command("seed", verbosity=0)
    return Memorandum.objects.get(signed="2025-10-06", title__icontains="cancer")


def test_screenshots_of_the_overview_and_a_memorandum(site, page: Page):
    memorandum = seeded_memorandum()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(site)
    expect(page.get_by_role("heading", name="Cooperation at a glance")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "overview.png", full_page=True)
    page.goto(f"{site}{memorandum.get_absolute_url()}")
    expect(page.get_by_role("heading", name=memorandum.title, level=1)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "memorandum.png", full_page=True)
    assert (SCREENSHOTS / "memorandum.png").stat().st_size > 10_000
