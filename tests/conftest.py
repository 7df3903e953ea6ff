"""The shared cast: Belarus and Oman, two ministries, a forum, a memorandum signed later."""

from __future__ import annotations

import contextlib
import os
import uuid
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that this thread only ever runs synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached counts (agreements.caching) must not outlive the test whose rows they counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def english_outside_requests():
    """A request leaves its reader's language active in the thread; each test starts in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


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


# ---------------------------------------------------------------- accounts, one per role (README, "Accounts and roles")

ROLES = ("Viewer", "Analyst", "Editor", "Administrator")
PASSWORD = "a long test password"


def ensure_roles() -> None:
    """The groups made by migration 0004_roles. A transactional test's flush empties every table,
    so the next test that needs them runs the migration's own code again."""
    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        import_module("agreements.migrations.0004_roles").create_roles(apps, None)


@pytest.fixture
def make_member(db, django_user_model):
    """make_member("Editor") is a new user in the Editor group; make_member("Editor", "erik", PASSWORD)
    one who can sign in with a password (hashing it is slow, so the others have none)."""

    def make(role: str, username: str = "", password: str | None = None):
        ensure_roles()
        user = django_user_model.objects.create_user(username or role.lower(), password=password)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_user(make_member):
    return make_member("Viewer")


@pytest.fixture
def analyst_user(make_member):
    return make_member("Analyst")


@pytest.fixture
def editor_user(make_member):
    return make_member("Editor")


@pytest.fixture
def administrator_user(make_member):
    return make_member("Administrator")


@pytest.fixture
def viewer_client(viewer_user):
    return client_for(viewer_user)


@pytest.fixture
def analyst_client(analyst_user):
    return client_for(analyst_user)


@pytest.fixture
def editor_client(editor_user):
    return client_for(editor_user)


@pytest.fixture
def administrator_client(administrator_user):
    return client_for(administrator_user)


@pytest.fixture
def anonymous_client():
    return Client()


@pytest.fixture
def client(analyst_client):
    """Every page needs a signed-in user: the shared client is an analyst's, who may browse and export."""
    return analyst_client


@pytest.fixture
def signed_in_page(live_server, page, make_member):
    """signed_in_page("Analyst"): the browser page, signed in as a new member of that role."""

    def sign_in(role: str):
        session = client_for(make_member(role)).cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])
        return page

    return sign_in


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


# ---------------------------------------------------------------- background jobs

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextlib.contextmanager
def real_worker(broker_url: str, result_backend: str):
    """A real Celery worker, in a thread of this process (so that it sees the test database), taking
    tasks from a real broker. Its queue and its Redis keys carry a prefix of their own, so that
    runs in parallel never take each other's tasks."""
    import redis
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import agreements.tasks  # noqa: F401  (registers the tasks with every app)
    from cooperation.celery import app as project_app

    prefix = f"tracker-test-{connection.settings_dict['NAME']}-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    app = Celery("tracker-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=broker_url,
        result_backend=result_backend,
        task_always_eager=False,
        task_ignore_result=False,
        task_default_queue=f"{prefix}tasks",
        broker_transport_options={"global_keyprefix": prefix} if broker_url.startswith("redis") else {},
        result_backend_transport_options={"global_keyprefix": prefix},
    )
    try:
        app.connection_for_write().ensure_connection(max_retries=1)
    except Exception as error:  # kombu raises whatever its transport raises
        pytest.fail(f"These tests need the broker at {broker_url} (see .ci/run): {error}")
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20):
            yield app
    finally:
        project_app.set_current()
        project_app.set_default()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker on the real Redis broker."""
    with real_worker(REDIS_URL, REDIS_URL) as app:
        yield app
