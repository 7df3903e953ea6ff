"""The admin as it looks in the real browser at a laptop's width."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page

from tests.test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_list_gives_the_titles_room_at_1366_pixels(live_server, page: Page, admin_user):
    call_command("seed", verbosity=0)
    sign_in(page, live_server.url, admin_user)
    page.set_viewport_size({"width": 1366, "height": 900})
    for model in ("memorandum", "visit", "commitment", "source"):
        page.goto(live_server.url + reverse(f"admin:agreements_{model}_changelist"))
        title = page.locator("#result_list th.column-title").bounding_box()
        assert title["width"] >= 300, (model, title["width"])
