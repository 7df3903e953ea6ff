"""The shared cast: Belarus and Oman, two ministries, a forum, a memorandum signed later."""

from __future__ import annotations

import os

import pytest

from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that this thread only ever runs synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached counts (agreements.caching) must not outlive the test whose rows they counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def belarus(db):
    return factories.CountryFactory(code="BY")


@pytest.fixture
def oman(db):
    return factories.CountryFactory(code="OM")


@pytest.fixture
def health(db):
    return factories.SectorFactory(name="Healthcare", slug="healthcare")


@pytest.fixture
def oncology(health):
    return factories.SectorFactory(name="Oncology", slug="oncology", parent=health)


@pytest.fixture
def ministry_by(belarus):
    return factories.InstitutionFactory(name="Ministry of Health of Belarus", slug="moh-belarus", country=belarus)


@pytest.fixture
def ministry_om(oman):
    return factories.InstitutionFactory(name="Ministry of Health of Oman", slug="moh-oman", country=oman)


@pytest.fixture
def forum(belarus, oman):
    return factories.VisitFactory(
        title="Belarus-Oman forum", slug="forum-muscat", host_country=oman, guest_country=belarus, city="Muscat"
    )


@pytest.fixture
def memorandum(belarus, oman, forum):
    return factories.MemorandumFactory(
        title="Cancer centres MoU", slug="cancer-mou", country_a=belarus, country_b=oman, signed="2025-10-06"
    )


@pytest.fixture
def chain(db):
    """The Belarus–Oman chain: forum → commitments → two memoranda (one signed at the state visit) → new commitments."""
    return factories.belarus_oman_chain()


@pytest.fixture
def crowded(chain):
    """The chain with thirty more memoranda, visits and commitments, each with several related rows."""
    factories.crowd(chain, 30)
    return chain


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Browser tests drive the system's Chromium, headless, with nothing phoning home."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config, items):
    """Without /usr/bin/chromium the browser tests are skipped, except in CI, where they must run."""
    if os.path.exists("/usr/bin/chromium") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="Browser tests need Chromium at /usr/bin/chromium (apt-get install chromium).")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
