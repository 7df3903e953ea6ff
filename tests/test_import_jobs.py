"""Imports above IMPORT_BACKGROUND_ROWS: written by a real Celery worker (on the real Redis broker),
followed on the job's page, its progress counted in a real Redis cache."""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision

from agreements.models import ImportJob, Memorandum, Sector
from tests.conftest import REDIS_URL, client_for
from tests.test_import import GOOD_ROWS, MEMORANDUM_HEADER, confirm, preview, write_csv
from tests.test_import_workbook import confirm as confirm_workbook
from tests.test_import_workbook import upload, workbook_bytes

THREE_ROWS = [*GOOD_ROWS, ["mou-trade", "MoU on trade", "mou", "signed", "BY", "OM", "2025-11-02", "Muscat", ""]]


@pytest.fixture(autouse=True)
def background_above_two_rows(settings):
    """Files of more than two rows go to the background, and their progress to a Redis cache of
    their own, which the worker's thread and the test's share as a worker and a site would."""
    prefix = f"tracker-test-progress-{uuid.uuid4().hex[:8]}"
    settings.IMPORT_BACKGROUND_ROWS = 2
    settings.CACHES = {
        **settings.CACHES,
        "progress": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    yield
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def sectors(oncology):
    return oncology


def task_of(response) -> str:
    """The task of the job a confirmation redirected to. The test asks the database nothing until
    the task has ended: SQLite's in-memory test database locks a table a thread is reading, rather
    than making the worker wait for it as a database file does."""
    assert response.status_code == 302
    pk = int(response["Location"].rstrip("/").rpartition("/")[2])
    return ImportJob(pk=pk).task_id


def job_page(client, job: ImportJob) -> str:
    response = client.get(reverse("import-job", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_file_above_the_threshold_is_written_once_by_a_worker(
    celery_worker, admin_client, tmp_path, belarus, oman, sectors
):
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", MEMORANDUM_HEADER, THREE_ROWS), "csv")
    assert "once confirmed, it is written in the background" in response.content.decode()

    response = confirm(admin_client, "memorandum", response)

    assert celery_worker.AsyncResult(task_of(response)).get(timeout=60) == "finished"
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import-job", args=[job.pk])
    assert Memorandum.objects.count() == 3
    [revision] = Revision.objects.all()
    assert revision.version_set.count() == 3
    page = job_page(admin_client, job)
    assert "3 of 3 rows" in page
    assert "Imported memoranda: 3 new, 0 changed, 0 unchanged." in page
    assert 'http-equiv="refresh"' not in page
    # The task delivered again (as after a worker's death) writes nothing more.
    assert celery_worker.tasks["agreements.tasks.run_import"].delay(job.pk).get(timeout=60) == "finished"
    assert (Memorandum.objects.count(), Revision.objects.count()) == (3, 1)


@contextlib.contextmanager
def sector_locked(slug: str):
    """The sector `slug` locked FOR UPDATE by another connection's open transaction: an import
    linking a memorandum to it waits, as it writes, until the block ends."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM agreements_sector WHERE slug = %s FOR UPDATE", [slug])
            yield
            cursor.execute("ROLLBACK")
    finally:
        other.close()


def test_the_count_is_seen_while_the_import_transaction_is_still_open(
    celery_worker, admin_client, tmp_path, belarus, oman, sectors
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: no other connection can hold the import at a write")
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", MEMORANDUM_HEADER, THREE_ROWS), "csv")

    with sector_locked("oncology"):
        response = confirm(admin_client, "memorandum", response)
        page, deadline = "", time.monotonic() + 60
        while "3 of 3 rows" not in page and time.monotonic() < deadline:
            time.sleep(0.1)
            page = admin_client.get(response["Location"]).content.decode()
        assert "3 of 3 rows" in page, "every row read, the worker waits to write them"
        assert '<progress id="import-progress" max="3" value="3">' in page
        assert '<meta http-equiv="refresh" content="5">' in page
        assert not Memorandum.objects.exists(), "nothing is seen before the import's transaction ends"

    assert celery_worker.AsyncResult(task_of(response)).get(timeout=60) == "finished"
    assert Memorandum.objects.count() == 3


def test_a_failing_row_in_a_background_import_writes_nothing_and_is_named(
    celery_worker, admin_client, tmp_path, belarus, oman, sectors
):
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", MEMORANDUM_HEADER, THREE_ROWS), "csv")
    Sector.objects.filter(slug="oncology").delete()  # row 3 names it; it goes after the preview

    response = confirm(admin_client, "memorandum", response)

    assert celery_worker.AsyncResult(task_of(response)).get(timeout=60) == "failed"
    assert not Memorandum.objects.exists()
    job = ImportJob.objects.get()
    assert [(problem["row"], problem["column"]) for problem in job.problems] == [(3, "sectors")]
    page = job_page(admin_client, job)
    assert "Nothing was imported." in page
    assert "oncology" in page
    assert '<code lang="en" dir="ltr">sectors</code>' in page
    assert reverse("admin:agreements_memorandum_import") in page


def test_a_file_under_the_threshold_is_imported_in_the_request(admin_client, tmp_path, belarus, oman, sectors):
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", MEMORANDUM_HEADER, GOOD_ROWS), "csv")
    assert "in the background" not in response.content.decode()

    response = confirm(admin_client, "memorandum", response)

    assert response["Location"] == reverse("admin:agreements_memorandum_changelist")
    assert Memorandum.objects.count() == 2
    assert not ImportJob.objects.exists()


def test_without_a_broker_a_large_workbook_is_written_before_its_page_opens(
    admin_client, django_capture_on_commit_callbacks
):
    data = workbook_bytes(
        {"Sectors": [["name", "slug"], ["Tourism", "tourism"], ["Energy", "energy"], ["Water", "water"]]}
    )
    response = upload(admin_client, data)

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_workbook(admin_client, response)

    job = ImportJob.objects.get()
    assert (response.status_code, response["Location"]) == (302, job.get_absolute_url())
    assert (job.status, job.rows_done, job.rows_total) == ("finished", 3, 3)
    assert Sector.objects.count() == 3
    assert "Imported sectors: 3 new, 0 changed, 0 unchanged." in job_page(admin_client, job)


# ---------------------------------------------------------------- the page while it runs


@pytest.fixture
def running_job(admin_user):
    return ImportJob.objects.create(
        user=admin_user,
        target="memorandum",
        stored_file=uuid.uuid4().hex,
        file_name="memoranda.csv",
        file_format="csv",
        status=ImportJob.Status.RUNNING,
        started=timezone.now(),
        rows_total=120,
    )


def test_a_running_job_shows_its_progress_and_reloads_itself(admin_client, running_job):
    page = job_page(admin_client, running_job)
    assert "working… (120 rows in all)" in page, "no count yet is no error"

    running_job.note_progress(50)

    page = job_page(admin_client, running_job)
    assert '<progress id="import-progress" max="120" value="50">' in page
    assert "50 of 120 rows" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert (
        'http-equiv="refresh"' not in admin_client.get(running_job.get_absolute_url() + "?refresh=off").content.decode()
    )


def test_a_job_that_stops_moving_says_so_then_is_failed(admin_client, running_job):
    running_job.note_progress(50)
    later = timezone.now() + datetime.timedelta(minutes=10)
    assert running_job.not_moved_since(later) is not None

    ImportJob.objects.filter(pk=running_job.pk).update(started=timezone.now() - datetime.timedelta(hours=1))

    page = job_page(admin_client, running_job)
    running_job.refresh_from_db()
    assert running_job.status == "failed"
    assert "The worker running this import stopped before it ended. Nothing was written" in page


def test_only_its_editor_and_superusers_see_a_job(make_member, admin_client, running_job):
    erik, emma = make_member("Editor", "erik"), make_member("Editor", "emma")
    running_job.user = erik
    running_job.save()

    assert client_for(emma).get(running_job.get_absolute_url()).status_code == 404
    assert (
        running_job.file_name
        not in client_for(emma).get(reverse("admin:agreements_importjob_changelist")).content.decode()
    )
    assert client_for(erik).get(running_job.get_absolute_url()).status_code == 200
    assert (
        running_job.file_name in client_for(erik).get(reverse("admin:agreements_importjob_changelist")).content.decode()
    )
    assert admin_client.get(running_job.get_absolute_url()).status_code == 200
    assert client_for(make_member("Viewer", "vera")).get(running_job.get_absolute_url()).status_code == 302


# ---------------------------------------------------------------- a worker killed in the middle


@contextlib.contextmanager
def worker_process(queue: str):
    """A real `celery worker` process, with one pool process, taking tasks from `queue` on the Redis
    broker, on the test database."""
    database = connection.settings_dict
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}:{database['PASSWORD']}@{host}/{database['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
    }
    environment.pop("CACHE_URL", None)
    command = [sys.executable, "-m", "celery", "-A", "cooperation", "worker", "-Q", queue, "--concurrency=1"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=WARNING"]
    worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment, stderr=subprocess.DEVNULL)
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).delete(queue)


def waiting_on_a_lock() -> int:
    """The database connections that wait for a lock, as the import does behind `sector_locked`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def eventually(condition, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)
    return condition()


def test_a_worker_killed_in_the_middle_of_an_import_writes_it_once_when_its_task_runs_again(
    transactional_db, admin_client, admin_user, tmp_path, belarus, oman, sectors
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database only on PostgreSQL")
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", MEMORANDUM_HEADER, THREE_ROWS), "csv")
    initial = response.context["confirm_form"].initial
    job = ImportJob.objects.create(
        user=admin_user,
        target="memorandum",
        stored_file=initial["import_file_name"],
        file_name="m.csv",
        file_format="csv",
        rows_total=3,
    )
    queue = f"tracker-test-killed-{uuid.uuid4().hex[:8]}"
    sender = Celery("tracker-test-sender", broker=REDIS_URL, set_as_current=False)

    with worker_process(queue) as worker, sector_locked("oncology"):
        sender.send_task("agreements.tasks.run_import", args=[job.pk], task_id=job.task_id, queue=queue)
        assert eventually(lambda: waiting_on_a_lock() == 1), "the worker holds the import at its write"
        [pool_process] = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        os.kill(int(pool_process), signal.SIGKILL)
        job.refresh_from_db()
        assert job.status == "running"
        assert not Memorandum.objects.exists()
    # The lock released, the killed run's transaction is rolled back and the task, handed back to
    # the worker, runs the job again from its start.
    assert eventually(lambda: ImportJob.objects.get(pk=job.pk).status == "finished")
    assert (Memorandum.objects.count(), Revision.objects.count()) == (3, 1)
