"""axe-core, in the real browser, over every page of the site and of the admin, in English and
Arabic, on the seed data: any violation fails, and each is listed with where it is.

axe-core comes from npm (`make axe-core`; CI installs it). Without it the tests are skipped
locally, and fail in CI, where they must run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from import_export.admin import ImportMixin
from playwright.sync_api import Page

from agreements import urls as tracker_urls
from agreements.alerts import unsubscribe_token
from agreements.importing import may_import_workbooks
from agreements.models import Follow, ImportJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ["en", "ar"]

# A sample address for each tracker page that takes arguments, from the seed data. A new page
# without one fails test_every_site_page_is_checked: add it here.
SAMPLE_ARGUMENTS = {
    "memorandum-detail": {"slug": "mou-alexandrov-sqcccrc-2025"},
    "visit-detail": {"slug": "by-om-forum-muscat-2024"},
    "institution-detail": {"slug": "alexandrov-cancer-centre"},
    "commitment-detail": {"slug": "by-om-forum-joint-oncology-research"},
    "person-detail": {"slug": "al-sabti"},
    "sector-detail": {"slug": "healthcare"},
    "source-detail": {"slug": "belta-by-om-healthcare-2025-10-06"},
    "country-detail": {"code": "BY"},
    "pair-detail": {"code": "BY", "partner": "OM"},
    "pair-brief": {"code": "BY", "partner": "OM"},
    "country-compare": {"code": "BY"},
    "unsubscribe": {"token": "filled in by test_no_site_page_has_an_accessibility_violation"},
}
# Addresses that answer no HTML page of their own: feeds, calendars, suggestions (JSON), and the
# forms' POST-only actions, which redirect to pages checked here.
NOT_PAGES = {
    "institution-suggest",
    "follow",
    "renew-feed-key",
    "revoke-api-token",
    "unfollow",
    "change-alerts",
    "calendar",
    "follow-calendar",
}


def is_page(pattern) -> bool:
    name = pattern.name
    return not (name.endswith(("-export", "-report", "feed")) or name in NOT_PAGES)


# Pages shown before signing in.
OPEN_PAGES = [
    reverse("login"),
    reverse("password_reset"),
    reverse("password_reset_done"),
    reverse("password_reset_confirm", args=["MQ", "expired-token"]),
    reverse("password_reset_complete"),
]


def axe_script() -> Path:
    if AXE.exists():
        return AXE
    message = "axe-core is not installed: run `make axe-core` (npm install --prefix .ci/node axe-core)."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def site_pages(**samples) -> list[str]:
    """Every page of the tracker (downloads aside), at a sample address (`samples` for those that
    depend on the user)."""
    pages = []
    for pattern in tracker_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if not is_page(pattern):
            continue
        arguments = samples.get(pattern.name) or SAMPLE_ARGUMENTS.get(pattern.name, {})
        pages.append(reverse(f"agreements:{pattern.name}", kwargs=arguments))
    return pages


def admin_pages(user) -> list[str]:
    """Every admin list, add and import page, the change and history pages of each list's first
    record, and the index: all that `user` may open."""
    request = RequestFactory().get("/")
    request.user = user
    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages += [reverse(f"{name}_change", args=[first.pk]), reverse(f"{name}_history", args=[first.pk])]
        if isinstance(model_admin, ImportMixin):
            pages.append(reverse(f"{name}_import"))
    if may_import_workbooks(user):
        pages.append(reverse("workbook-import"))
    pages += [job.get_absolute_url() for job in ImportJob.objects.visible_to(user)]
    return pages


def failed_import_job(user) -> ImportJob:
    """A background import that wrote nothing, whose page lists its problem. (The page of a job
    still running reloads itself, which axe counts as a delayed refresh; it offers a link to stop.)"""
    return ImportJob.objects.create(
        user=user,
        target="memorandum",
        stored_file="0" * 32,
        file_name="memoranda.csv",
        file_format="csv",
        status=ImportJob.Status.FAILED,
        rows_total=1500,
        rows_done=1500,
        problems=[{"sheet": "", "row": 3, "column": "sectors", "value": "oncology", "reason": "No such sector."}],
    )


def violations_on(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    return violations_here(page, url)


def violations_here(page: Page, url: str) -> list[str]:
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document);
            if (!result.passes.length) return ["axe checked nothing"];
            return result.violations.map(v => `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.help} — `
                + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
        }"""
    )
    return [f"{url}: {violation}" for violation in found]


@pytest.fixture
def axe_page(page: Page, live_server) -> Page:
    """The browser page, at a laptop's width, with axe-core loaded into every page it opens (as
    the page starts, by the browser itself: the site's Content-Security-Policy allows no script
    from elsewhere), and the seed data in the database."""
    page.add_init_script(path=str(axe_script()))
    page.set_viewport_size({"width": 1366, "height": 900})
    call_command("seed", verbosity=0)
    return page


def check(page: Page, base: str, language: str, urls: list[str]) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    found = [violation for url in urls for violation in violations_on(page, base + url)]
    assert not found, f"{len(found)} accessibility violations in {language}:\n" + "\n".join(found)


def sign_in(page: Page, base: str, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": session.key, "value": session.value, "url": base}])


def test_every_site_page_is_checked():
    for pattern in tracker_urls.urlpatterns:
        if pattern.pattern.converters and is_page(pattern):
            assert pattern.name in SAMPLE_ARGUMENTS, f"add a sample address for {pattern.name} to SAMPLE_ARGUMENTS"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_site_page_has_an_accessibility_violation(live_server, axe_page: Page, make_member, language):
    check(axe_page, live_server.url, language, OPEN_PAGES)
    analyst = make_member("Analyst")
    follow = Follow.of_subject("pair", "BY-OM")
    follow.user = analyst
    follow.save()
    sign_in(axe_page, live_server.url, analyst)
    check(axe_page, live_server.url, language, site_pages(unsubscribe={"token": unsubscribe_token(follow)}))


def bulk_action_pages(page: Page, base: str) -> list[str]:
    """The page each bulk action opens to ask for its value, for every memorandum."""
    found = []
    for action in ("set_status", "add_sector", "add_source"):
        page.goto(base + reverse("admin:agreements_memorandum_changelist"))
        page.check("#action-toggle")
        page.select_option("select[name=action]", action)
        page.locator("button[name=index]").click()
        page.wait_for_load_state()
        assert page.locator("input[name=apply]").count() == 1, f"{action} asked for no value"
        found += violations_here(page, f"{reverse('admin:agreements_memorandum_changelist')} ({action})")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_admin_page_has_an_accessibility_violation(live_server, axe_page: Page, admin_user, language):
    sign_in(axe_page, live_server.url, admin_user)
    failed_import_job(admin_user)
    check(axe_page, live_server.url, language, admin_pages(admin_user))
    found = bulk_action_pages(axe_page, live_server.url)
    assert not found, f"{len(found)} accessibility violations in {language}:\n" + "\n".join(found)
