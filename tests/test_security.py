"""Security headers, Content-Security-Policy, login throttling and the production checklist."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management.utils import get_random_secret_key
from django.http import HttpRequest
from django.urls import reverse
from playwright.sync_api import expect

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": get_random_secret_key(),
    "ALLOWED_HOSTS": "tracker.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://tracker.example.org",
    "DJANGO_SETTINGS_MODULE": "cooperation.settings",
}


def production_environment(tmp_path, **extra_env) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SECURE_", "DEBUG"))},
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        **extra_env,
    }


def run_with_production_settings(code: str, tmp_path, **extra_env) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter so that settings are read from the environment anew."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=production_environment(tmp_path, **extra_env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_public_page_carries_the_security_headers(client, db):
    response = client.get(reverse("agreements:memorandum-list"))
    assert response.status_code == 200
    assert_security_headers(response)


def test_admin_pages_carry_the_security_headers(client, admin_client):
    assert_security_headers(client.get(reverse("admin:login")))
    assert_security_headers(admin_client.get(reverse("admin:agreements_memorandum_changelist")))
    assert_security_headers(admin_client.get(reverse("admin:agreements_memorandum_export")))


def assert_not_stored(response) -> None:
    directives = {directive.strip() for directive in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


def test_no_page_or_download_may_be_kept_by_a_browser_or_proxy(client, admin_client, anonymous_client, memorandum):
    responses = [
        client.get(reverse("agreements:overview")),
        client.get(reverse("agreements:memorandum-list")),
        client.get(memorandum.get_absolute_url()),
        client.get(reverse("agreements:memorandum-export", args=["csv"])),  # streamed
        client.get(reverse("agreements:memorandum-export", args=["xlsx"])),
        client.get(reverse("agreements:memorandum-list"), {"country": "not a country"}),
        client.get("/no-such-page/"),
        admin_client.get(reverse("admin:agreements_memorandum_changelist")),
        admin_client.get(reverse("admin:agreements_memorandum_history", args=[memorandum.pk])),
        admin_client.post(
            reverse("admin:agreements_memorandum_export"), {"format": "0", "memorandumresource_slug": "on"}
        ),
        anonymous_client.get(reverse("login")),
        anonymous_client.get(reverse("agreements:memorandum-list")),  # the redirect to sign in
        anonymous_client.get(reverse("health")),
    ]
    for response in responses:
        assert_not_stored(response)


def test_the_deploy_checklist_reports_nothing_under_production_settings(tmp_path):
    """`manage.py check --deploy` as an operator runs it on the production host (docs/operations.md):
    not a single message, at any level, and nothing silenced."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--database", "default", "--fail-level", "DEBUG"],
        cwd=settings.BASE_DIR,
        env=production_environment(tmp_path, TRUSTED_PROXIES="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_production_redirects_to_https_and_sends_hsts_behind_a_proxy(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='tracker.example.org')\n"
        "plain = client.get('/admin/login/')\n"
        "assert plain.status_code == 301, plain.status_code\n"
        "assert plain['Location'] == 'https://tracker.example.org/admin/login/', plain['Location']\n"
        # A page that renders no template: collectstatic has not run here.
        "proxied = client.get('/i18n/setlang/', HTTP_X_FORWARDED_PROTO='https')\n"
        "assert proxied.status_code in (204, 302), proxied.status_code\n"
        "assert not proxied.get('Location', '').startswith('https:'), proxied['Location']\n"
        "hsts = proxied['Strict-Transport-Security']\n"
        "assert hsts == 'max-age=31536000; includeSubDomains; preload', hsts\n"
        "assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE\n"
    )
    result = run_with_production_settings(code, tmp_path, TRUSTED_PROXIES="1")
    assert result.returncode == 0, result.stderr


def test_without_a_trusted_proxy_a_forwarded_proto_header_is_ignored(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "response = Client(HTTP_HOST='tracker.example.org').get('/i18n/setlang/', HTTP_X_FORWARDED_PROTO='https')\n"
        "assert response.status_code == 301, response.status_code\n"
    )
    result = run_with_production_settings(code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_app_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    result = run_with_production_settings("import django; django.setup()", tmp_path, SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


# ---------------------------------------------------------------- login throttling


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password="correct horse battery", is_staff=True)


def log_in(client, password: str, username: str = "editor", ip: str = "203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def test_a_correct_password_logs_in(client, editor):
    response = log_in(client, "correct horse battery")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_repeated_failures_lock_out_that_username_whatever_the_address(client, editor):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong", ip=f"198.51.100.{n}").status_code == 200  # the login form again, with an error
    assert log_in(client, "wrong", ip="198.51.100.99").status_code == 429
    # Locked out: even the right password is refused now, from any address.
    response = log_in(client, "correct horse battery", ip="192.0.2.1")
    assert response.status_code == 429
    assert "Too many wrong passwords have been entered for this account" in response.content.decode()
    # Other accounts are not locked.
    other = type(editor).objects.create_user("colleague", password="another long password", is_staff=True)
    assert log_in(client, "another long password", username=other.username, ip="198.51.100.1").status_code == 302


def test_guessing_across_usernames_from_one_address_locks_that_address(client, editor, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 2 * settings.AXES_FAILURE_LIMIT  # the rule, in fewer slow logins
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        log_in(client, "wrong", username=f"guess-{n}", ip="203.0.113.66")
    response = log_in(client, "correct horse battery", ip="203.0.113.66")
    assert response.status_code == 429
    assert "Too many wrong passwords have been entered from this address" in response.content.decode()
    # No username met its own limit: from another address the editor signs in.
    assert log_in(client, "correct horse battery", ip="198.51.100.9").status_code == 302


def test_one_address_cannot_lock_out_more_than_a_few_accounts(client, django_user_model, settings):
    """An insider behind the office's one address: every account they lock costs them
    AXES_FAILURE_LIMIT failures of the address's AXES_ADDRESS_FAILURE_LIMIT."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 2 * settings.AXES_FAILURE_LIMIT
    victims = [django_user_model.objects.create_user(f"colleague-{n}") for n in range(4)]
    locked = 0
    for victim in victims:
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "wrong", username=victim.username, ip="203.0.113.10")
        locked += AccessAttempt.objects.filter(username=victim.username).exists()
        if log_in(client, "wrong", username="probe", ip="203.0.113.10").status_code == 429:
            break
    assert locked <= settings.AXES_ADDRESS_FAILURE_LIMIT // settings.AXES_FAILURE_LIMIT


def test_signing_in_to_one_s_own_account_does_not_wipe_guesses_at_others(client, editor, django_user_model):
    django_user_model.objects.create_user("insider", password="the insider's own password", is_staff=True)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong", ip="203.0.113.10")
    assert log_in(client, "the insider's own password", username="insider", ip="203.0.113.10").status_code == 302
    assert log_in(client, "wrong", ip="203.0.113.10").status_code == 429


def test_a_forged_forwarded_for_header_does_not_lift_the_lock(client, editor, settings):
    """With TRUSTED_PROXIES set, a client that reaches gunicorn directly writes X-Forwarded-For
    itself and may claim any address (docs/operations.md: gunicorn must only be reachable
    through the proxy); the lock on the username holds whatever it claims."""
    settings.TRUSTED_PROXIES = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("admin:login"),
            {"username": "editor", "password": "wrong", "next": reverse("admin:index")},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {f"192.0.2.{n}" for n in range(5)}
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "correct horse battery", "next": reverse("admin:index")},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_a_successful_login_resets_the_failure_count(client, editor):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong", ip=f"198.51.100.{n}")
    assert log_in(client, "correct horse battery").status_code == 302
    assert not AccessAttempt.objects.filter(username="editor").exists()


def test_client_login_works_when_given_a_request(client, editor):
    assert client.login(request=HttpRequest(), username="editor", password="correct horse battery")
    assert client.get(reverse("admin:index")).status_code == 200


def test_force_login_and_admin_client_are_unaffected(admin_client):
    assert admin_client.get(reverse("admin:index")).status_code == 200


# ---------------------------------------------------------------- the admin's scripts under the policy


@pytest.mark.browser
def test_the_admin_scripts_run_under_the_content_security_policy(live_server, page, django_user_model, belarus, oman):
    django_user_model.objects.create_superuser("checker", "checker@example.org", "csp check password")
    problems = []
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample));"
    )
    page.on(
        "console",
        lambda message: message.type == "error" and "favicon" not in message.text and problems.append(message.text),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "checker")
    page.fill("#id_password", "csp check password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    # select2 autocomplete, prepopulated slug and "add another" inline rows.
    page.goto(f"{live_server.url}/admin/agreements/memorandum/add/")
    page.click("#id_country_a + .select2 .select2-selection")
    page.fill(".select2-search__field", "Oma")
    page.click(".select2-results__option:has-text('Oman')")
    assert page.inner_text("#select2-id_country_a-container").strip().endswith("Oman")
    page.type("#id_title", "MoU on health")
    assert page.input_value("#id_slug") == "mou-on-health"
    rows = page.locator("#signatories-group tr.form-row").count()
    page.locator("#signatories-group .add-row a").press("Enter")
    expect(page.locator("#signatories-group tr.form-row")).to_have_count(rows + 1)

    # The list's import, export and recover buttons; the import page guesses the format.
    page.goto(f"{live_server.url}/admin/agreements/memorandum/")
    tools = " ".join(page.locator(".object-tools a").all_inner_texts()).lower()
    assert "import" in tools and "export" in tools and "recover deleted" in tools
    page.goto(f"{live_server.url}/admin/agreements/memorandum/import/")
    page.set_input_files("#id_import_file", str(settings.BASE_DIR / "docs" / "import-samples" / "memoranda.csv"))
    assert page.eval_on_selector("#id_format", "e => e.options[e.selectedIndex].text") == "csv"

    # The export page's "select all" toggle is an inline handler, allowed by its hash.
    page.goto(f"{live_server.url}/admin/agreements/memorandum/export/")
    page.select_option("#id_format", index=1)
    page.locator("input.select-toggle").first.uncheck()
    assert page.locator("input[name^=memorandumresource_]:checked").count() == 0

    assert problems == []
