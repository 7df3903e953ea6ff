"""Several processes, one archive: a real gunicorn with three workers, with each worker's own cache
and with a cache they share. A delete, an import and an edit are sent to the site; the lists, the
overview, the dossiers and the API's list are then read at once from every worker, and every answer must be
correct for the records as they now are: no server error, no stale value, whichever worker had
cached what before."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from bench.harness import SignedIn, fetch, form_values
from tests import factories
from tests.test_concurrency import client_for, free_port
from tests.test_history import change_url
from tests.test_import import FORMAT, MEMORANDUM_HEADER

WORKERS = 3
SHARED_CACHE_TABLE = "tracker_shared_cache"
READ_AT_ONCE = 2 * WORKERS  # concurrent requests per page: every worker answers some


class Site(SignedIn):
    """gunicorn with three workers on the test database (on SQLite, a file copy of it), as a
    signed-in editor sees it; each answer's worker is read from gunicorn's access log."""

    def __init__(self, port: int, access_log: Path, session: str):
        super().__init__(port, session)
        self.access_log = access_log

    def workers_that_served(self, method: str, path: str) -> list[int]:
        """The worker of every answer to `method path` so far, oldest first."""
        time.sleep(0.05)  # the access log line follows the response
        line = re.compile(rf'^<(\d+)> "{method} {re.escape(path)} HTTP/1\.1" \d+$')
        return [int(match[1]) for match in map(line.match, self.access_log.read_text().splitlines()) if match]

    def read_at_once(self, path: str) -> list[tuple[int, str]]:
        """`READ_AT_ONCE` concurrent GETs of `path`, so that every worker answers some."""
        answers: list = [None] * READ_AT_ONCE
        start = threading.Barrier(READ_AT_ONCE)

        def read(n: int) -> None:
            start.wait()
            answers[n] = self.get(path)

        threads = [threading.Thread(target=read, args=[n]) for n in range(READ_AT_ONCE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers


@pytest.fixture
def archive(transactional_db, belarus, oman, oncology, django_user_model):
    """Thirty Belarus–Oman memoranda in oncology (two list pages), and an editor signed in."""
    memoranda = [
        factories.MemorandumFactory(
            title=f"Oncology memorandum {n:02}",
            slug=f"onc-{n:02}",
            country_a=belarus,
            country_b=oman,
            signed=f"2024-{n % 12 + 1:02}-{n % 27 + 1:02}",
        )
        for n in range(30)
    ]
    for memorandum in memoranda:
        memorandum.sectors.add(oncology)
    editor = client_for(django_user_model.objects.create_superuser("editor", "editor@example.org", "unused"))
    return memoranda, editor


@pytest.fixture(params=["per-process cache", "shared cache"])
def site(request, archive, tmp_path):
    _memoranda, editor = archive
    environment = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "cooperation.settings"}
    environment.pop("CACHE_URL", None)
    if request.param == "shared cache":
        call_command("createcachetable", SHARED_CACHE_TABLE, verbosity=0)
        environment["CACHE_URL"] = f"db://{SHARED_CACHE_TABLE}"
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        environment["DATABASE_URL"] = f"postgres://{database['USER']}:{database['PASSWORD']}@{host}/{database['NAME']}"
    else:
        # The in-memory test database cannot be shared with other processes: serve a file copy.
        sqlite_file = tmp_path / "site.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(sqlite_file)) as copy:
            connection.connection.backup(copy)
        environment["DATABASE_URL"] = f"sqlite:///{sqlite_file}"
    port, access_log = free_port(), tmp_path / "access.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "cooperation.wsgi", "--bind", f"127.0.0.1:{port}"),
        *("--workers", str(WORKERS), "--access-logfile", str(access_log), "--access-logformat", '%(p)s "%(r)s" %(s)s'),
        "--no-control-socket",
    ]
    server = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        for _attempt in range(200):
            try:
                with urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(server.stderr.read1().decode())
        yield Site(port, access_log, editor.cookies[settings.SESSION_COOKIE_NAME].value)
    finally:
        server.terminate()
        server.wait(timeout=30)


MEMORANDA_BY_OM = "/memoranda/?" + urlencode({"country": "OM", "sector": "oncology"})
PAGE_2 = "/memoranda/?" + urlencode({"country": "OM", "sector": "oncology", "page": "2"})
API_LIST = "/api/v1/memoranda/?" + urlencode({"country": "OM", "sector": "oncology", "page_size": "50"})
PAGES = [
    *("/memoranda/", MEMORANDA_BY_OM, PAGE_2, "/", "/countries/BY/", "/countries/BY/OM/", "/memoranda/onc-20/"),
    API_LIST,
]


def memoranda_counted(page: str) -> list[int]:
    """Every count of memoranda a page shows: a list's total, the overview's and a dossier's figure."""
    found = re.findall(r"(\d+) memoranda\b", page) + re.findall(r'stat__n">(\d+)</span> memoranda', page)
    return [int(n) for n in found]


def read_everywhere(site: Site, *, expect_total: int, present: list[str], absent: list[str]) -> set[int]:
    """Each page from every worker at once: no server error, the total as expected, the titles
    shown or gone as expected. The workers that answered."""
    workers = set()
    for path in PAGES:
        served_before = len(site.workers_that_served("GET", path))
        for status, page in site.read_at_once(path):
            assert status == 200, (path, status, page[:2000])
            if path.startswith("/memoranda/?") or path in ("/memoranda/", "/", "/countries/BY/OM/"):
                assert set(memoranda_counted(page)) <= {expect_total, 0}, (path, memoranda_counted(page))
                assert expect_total in memoranda_counted(page), (path, memoranda_counted(page))
            if path in ("/memoranda/", MEMORANDA_BY_OM, PAGE_2, "/countries/BY/OM/"):
                shown = re.findall(r"Oncology memorandum \d\d[^<]*", page)
                assert not [title for title in shown if any(title.startswith(gone) for gone in absent)], path
            if path == API_LIST:
                listed = [record["title"] for record in json.loads(page)["results"]]
                assert len(listed) == expect_total and set(present) <= set(listed), (path, listed)
            if path == "/memoranda/onc-20/":
                assert all(title in page for title in present if title.startswith("Oncology memorandum 20")), path
        workers |= set(site.workers_that_served("GET", path)[served_before:])
    # A whole list (both pages) holds every title expected.
    listed = site.get("/memoranda/")[1] + site.get("/memoranda/?page=2")[1]
    for title in present:
        assert title in listed, title
    return workers


@contextlib.contextmanager
def reading_meanwhile(site: Site, paths: list[str], clients: int = 4):
    """Clients reading `paths` over and over while the block runs; the server errors they met."""
    stop, failures = threading.Event(), []

    def read() -> None:
        while not stop.is_set():
            for path in paths:
                status = fetch(site.port, path, site.cookie)[0]
                if status >= 500:
                    failures.append((path, status))

    threads = [threading.Thread(target=read) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield failures
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def test_a_delete_an_import_and_an_edit_in_one_worker_are_seen_at_once_by_every_other(site, archive):
    memoranda, _editor = archive
    titles = [memorandum.title for memorandum in memoranda]

    # Every worker reads, and caches, each page first.
    workers = read_everywhere(site, expect_total=30, present=titles, absent=[])
    assert len(workers) == WORKERS, workers

    # A delete, as the admin makes it, while other clients keep reading the lists and the overview.
    doomed = memoranda[3]
    delete_url = reverse("admin:agreements_memorandum_delete", args=[doomed.pk])
    with reading_meanwhile(site, ["/memoranda/", PAGE_2, "/"]) as failures:
        assert site.post(delete_url, {"post": "yes"})[0] == 302
    assert failures == []
    [deleter] = site.workers_that_served("POST", delete_url)
    titles.remove(doomed.title)
    readers = read_everywhere(site, expect_total=29, present=titles, absent=[doomed.title])
    assert readers - {deleter}, "the other workers answered too"
    assert site.get(f"/memoranda/{doomed.slug}/")[0] == 404

    # An import of one new memorandum: preview, then confirm.
    rows = [
        ["onc-new", "Oncology memorandum 99 (imported)", "mou", "signed", "BY", "OM", "2025-11", "Minsk", "oncology"]
    ]
    csv_text = ",".join(MEMORANDUM_HEADER) + "\n" + "\n".join(",".join(row) for row in rows) + "\n"
    upload = {"resource": "0", "format": FORMAT["csv"], "import_file": _file("memoranda.csv", csv_text)}
    status, preview = site.post(reverse("admin:agreements_memorandum_import"), upload, multipart=True)
    assert status == 200, preview[:2000]
    process_url = reverse("admin:agreements_memorandum_process_import")
    confirmation = form_values(preview, process_url)
    assert confirmation, "the preview offers a confirmation"
    assert site.post(process_url, confirmation)[0] == 302
    titles.append(rows[0][1])
    read_everywhere(site, expect_total=30, present=titles, absent=[doomed.title])

    # An edit of a title in the admin, the form posted back as the browser would.
    edited = memoranda[20]
    form = form_values(site.get(change_url(edited))[1])
    form["title"] = ["Oncology memorandum 20, amended"]
    status, page = site.post(change_url(edited), form)
    assert status == 302, page[:3000]
    titles[titles.index(edited.title)] = form["title"][0]
    old_title = re.escape(edited.title)
    readers = read_everywhere(site, expect_total=30, present=titles, absent=[doomed.title])
    for path in ("/memoranda/", "/countries/BY/OM/", "/memoranda/onc-20/"):
        assert not re.search(rf"{old_title}(?!, amended)", site.get(path)[1]), path
    assert readers - set(site.workers_that_served("POST", change_url(edited))), "the other workers answered too"


def _file(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")
