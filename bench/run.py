"""Benchmark the tracker at archive scale: `make bench` (see docs/benchmarks.md).

Creates a dedicated PostgreSQL database, migrates it, fills it with generate_demo_data
(reused when it already holds the same number of memoranda from the same seed), serves the
site with gunicorn on 127.0.0.1 with two workers, and loads each page from a small threaded
client on loopback: a fixed number of concurrent clients, a bounded number of requests and
a bounded duration per page. Query counts come from Django's test client in this process,
the CSV import goes through MemorandumResource here too. Writes docs/benchmarks.md.

Not part of the test suite; it takes several minutes and needs PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import io
import os
import platform
import secrets
import socket
import statistics
import subprocess  # nosec B404 # starts gunicorn with fixed arguments
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_cooperation"
TARGET_PAGE_P95_MS = 100
TARGET_SEARCH_P95_MS = 150
TARGET_QUERIES = 10
TARGET_EXPORT_RSS_MB = 150
TARGET_IMPORT_ROWS_PER_S = 2000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memoranda", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="At most this many requests per page.")
    parser.add_argument("--seconds", type=float, default=20, help="At most this long per page.")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--output", default=str(BASE_DIR / "docs" / "benchmarks.md"))
    return parser.parse_args()


def prepare_environment(database_url: str) -> None:
    """Production-like settings: DEBUG off, persistent connections, the bench database."""
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        CONN_MAX_AGE="60",
        # Plain HTTP on loopback: TLS and its redirects belong to the proxy in front.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        DJANGO_SETTINGS_MODULE="cooperation.settings",
    )


def create_database(database_url: str) -> None:
    import psycopg2

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


# ---------------------------------------------------------------- load


@dataclass
class Result:
    name: str
    path: str
    status: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    queries: int | None = None
    cold_queries: int | None = None
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.status == 404

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def fetch(port: int, path: str, cookie: str = "") -> tuple[int, int, float, float]:
    """One GET on a fresh connection (gunicorn's sync workers close after each response).

    Returns status, body bytes, seconds to the first byte and seconds in all.
    """
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        first_byte = time.perf_counter() - started
        size = 0
        while chunk := response.read(65536):
            size += len(chunk)
        return response.status, size, first_byte, time.perf_counter() - started
    finally:
        connection.close()


def load(port: int, result: Result, clients: int, requests: int, seconds: float, cookie: str = "") -> Result:
    """`clients` threads request `result.path` until `requests` are done or `seconds` have passed."""
    for _ in range(2):  # warm the workers' caches and connections
        result.status = fetch(port, result.path, cookie)[0]
    if result.missing:
        return result
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + seconds

    def client() -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= requests or time.monotonic() > deadline:
                    return
                issued += 1
            try:
                status, _, _, elapsed = fetch(port, result.path, cookie)
            except OSError:
                status, elapsed = 0, 0.0
            with lock:
                if 200 <= status < 300:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


class RssSampler:
    """The largest resident set of the gunicorn workers while it runs (read from /proc)."""

    def __init__(self, master_pid: int):
        self.master_pid = master_pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.master_pid:
                    pids.append(int(entry.name))
        return pids

    def rss_kb(self) -> int:
        largest = 0
        for pid in self.workers():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        largest = max(largest, int(line.split()[1]))
            except OSError:
                continue
        return largest

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            self._stop.wait(0.02)

    def __enter__(self) -> RssSampler:
        self.before_kb = self.rss_kb()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "cooperation.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--timeout",
        "300",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR)  # nosec B603 # a fixed command, no shell
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


# ---------------------------------------------------------------- the run


def main() -> None:
    args = parse_args()
    load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    create_database(args.database_url)
    prepare_environment(args.database_url)

    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import NoReverseMatch, reverse

    from agreements.models import Memorandum, Sector

    setup_test_environment()  # the test client records the template context
    log = print
    log("== migrate and collect static files")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)

    prefix = f"demo-{args.seed}-"
    demo = Memorandum.objects.filter(slug__startswith="demo-")
    started = time.monotonic()
    if demo.count() == args.memoranda and demo.filter(slug__startswith=prefix).count() == args.memoranda:
        log(f"== reusing {args.memoranda} demo memoranda (seed {args.seed})")
        generated = "reused"
    else:
        log(f"== generating {args.memoranda} demo memoranda (seed {args.seed})")
        call_command("generate_demo_data", memoranda=args.memoranda, seed=args.seed, clear=True)
        generated = f"{time.monotonic() - started:.0f} s"
    _analyze(connection)

    counts = {
        "memoranda": Memorandum.objects.count(),
        "visits": _count("agreements_visit", connection),
        "commitments": _count("agreements_commitment", connection),
        "signatories": _count("agreements_signatory", connection),
        "institutions": _count("agreements_institution", connection),
    }

    # What the pages are asked for: the busiest sector and country, a mid-sized memorandum.
    sector = (
        Sector.objects.filter(slug__in=["oncology", "demo-oncology"]).first()
        or Sector.objects.filter(parent__isnull=False).order_by("slug").first()
    )
    country, partner = "BY", "OM"
    memorandum = Memorandum.objects.filter(slug__startswith=prefix).order_by("slug")[args.memoranda // 2]
    word = "oncology"
    filter_query = urlencode({"sector": sector.slug, "country": country})
    admin_query = urlencode({"sectors__id__exact": sector.pk, "country": country})

    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    user.set_password(secrets.token_urlsafe(16))
    user.is_staff = user.is_superuser = True
    user.save()
    admin_client = Client()
    admin_client.force_login(user)
    cookie = f"sessionid={admin_client.cookies['sessionid'].value}"

    pages = [
        Result("Overview", "/"),
        Result("Memoranda, unfiltered", "/memoranda/"),
        Result("Memoranda, sector + country", f"/memoranda/?{filter_query}"),
        Result("Memoranda, text search", f"/memoranda/?{urlencode({'q': word})}"),
        Result("Memorandum page", f"/memoranda/{memorandum.slug}/"),
        Result("Pair dossier", f"/countries/{country}/{partner}/"),
        Result("Partners compared", f"/countries/{country}/compare/?{urlencode({'with': partner})}"),
        Result("Memoranda, deep page", "/memoranda/?page=2"),  # the page number is found below
        Result("Admin changelist, same filter", f"/admin/agreements/memorandum/?{admin_query}"),
        Result("Admin changelist, unfiltered", "/admin/agreements/memorandum/"),
        Result("API memoranda, unfiltered", "/api/v1/memoranda/"),
        Result("API memoranda, sector + country", f"/api/v1/memoranda/?{filter_query}"),
        Result("API memorandum", f"/api/v1/memoranda/{memorandum.slug}/"),
    ]

    log("== counting queries per page (Django test client, in process): first request, then again")
    # Every page is asked for as the logged-in bench user, whether or not the site requires a login.
    client = admin_client
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path)
            if response.streaming:
                for _ in response.streaming_content:
                    pass
        page.status = response.status_code
        page.cold_queries = len(queries)
        with CaptureQueriesContext(connection) as queries:
            client.get(page.path)
        page.queries = len(queries)
        if page.name == "Memoranda, unfiltered" and response.status_code == 200 and response.context:
            page_obj = response.context.get("page_obj") or response.context.get("page")
            if page_obj is not None and hasattr(page_obj, "paginator"):
                deep = max(1, int(page_obj.paginator.num_pages * 0.8))
                pages[6].path = f"/memoranda/?page={deep}"
                pages[6].note = f"page {deep} of {page_obj.paginator.num_pages}"
        log(f"   {page.name}: {page.status}, {page.cold_queries} queries first, {page.queries} after")
    with CaptureQueriesContext(connection) as queries:
        status = client.get(pages[6].path).status_code
    pages[6].status, pages[6].cold_queries = status, len(queries)
    with CaptureQueriesContext(connection) as queries:
        client.get(pages[6].path)
    pages[6].queries = len(queries)

    export_path = find_export_path(reverse, NoReverseMatch)

    port = free_port()
    log(f"== gunicorn on 127.0.0.1:{port}, 2 workers; {args.clients} clients, <= {args.requests} requests or")
    log(f"   <= {args.seconds:.0f} s per page")
    server = start_gunicorn(port)
    export = Result("CSV export, all rows", export_path or "(no export URL yet)")
    try:
        for page in pages:
            load(port, page, args.clients, args.requests, args.seconds, cookie)
            log(f"   {page.name}: {describe(page)}")
        if export_path:
            export, rss = measure_export(port, server.pid, export_path, cookie)
            log(f"   {export.name}: {describe(export)}; peak worker RSS {rss[1] / 1024:.0f} MB")
        else:
            rss = (0, 0)
    finally:
        server.terminate()
        server.wait(timeout=30)

    log(f"== import of {args.import_rows} rows through MemorandumResource")
    if args.import_rows:
        imported = measure_import(args.import_rows, args.seed)
    else:
        imported = {"rows": 0, "seconds": 0.0, "rows_per_second": 0.0, "ok": False, "written": 0}
        imported["all_or_nothing"] = False
    log(f"   {imported}")

    machine = describe_machine(connection)
    machine["load_before"] = load_before
    write_report(
        args,
        Path(args.output),
        pages=pages,
        export=export,
        export_rss=rss,
        imported=imported,
        machine=machine,
        counts=counts,
        generated=generated,
        params={
            "sector": sector.slug,
            "country": country,
            "pair": f"{country}/{partner}",
            "word": word,
            "memorandum": memorandum.slug,
        },
    )
    log(f"== wrote {args.output}")


def _analyze(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _count(table: str, connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # nosec B608 # table names are literals in this file
        return cursor.fetchone()[0]


def find_export_path(reverse, no_match) -> str:
    """The memorandum CSV export, wherever the URLconf puts it."""
    for name, kwargs in [
        ("agreements:memorandum-export", {"fmt": "csv"}),
        ("agreements:memorandum-export", {}),
        ("agreements:memoranda-export", {}),
    ]:
        try:
            path = reverse(name, kwargs=kwargs)
        except no_match:
            continue
        return path if "csv" in path else f"{path}?format=csv"
    return ""


def measure_export(port: int, master_pid: int, path: str, cookie: str) -> tuple[Result, tuple[int, int]]:
    """Three downloads one after another, with the workers' resident memory sampled throughout."""
    result = Result("CSV export, all rows", path)
    first_bytes, sizes = [], []
    started = time.monotonic()
    with RssSampler(master_pid) as sampler:
        for _ in range(3):
            status, size, first_byte, elapsed = fetch(port, path, cookie)
            result.status = status
            if status == 404:
                break
            if status == 200:
                result.latencies.append(elapsed)
                first_bytes.append(first_byte)
                sizes.append(size)
            else:
                result.errors += 1
    result.seconds = time.monotonic() - started
    if sizes:
        result.note = (
            f"{sizes[-1] / 1e6:.1f} MB per download, first byte after {statistics.median(first_bytes) * 1000:.0f} ms"
        )
    return result, (sampler.before_kb, sampler.peak_kb)


def measure_import(rows: int, seed: int) -> dict:
    """Import `rows` new memoranda in one all-or-nothing run, then remove them again.

    A second, small file with one bad last row checks that nothing of it is written.
    """
    import tablib
    from django.db import transaction

    from agreements.management.commands.generate_demo_data import wipe
    from agreements.models import Institution, Memorandum, Sector, Signatory, Source
    from agreements.resources import MemorandumResource

    prefix = "demo-import-"
    remove_imported(prefix, wipe)
    institutions = {}
    for slug, code in Institution.objects.filter(slug__startswith="demo-").values_list("slug", "country__code"):
        institutions.setdefault(code, []).append(slug)
    codes = sorted(code for code, slugs in institutions.items() if len(slugs) > 1)
    sectors = list(Sector.objects.order_by("slug").values_list("slug", flat=True))
    sources = list(Source.objects.filter(slug__startswith="demo-").order_by("pk").values_list("slug", flat=True)[:500])
    import random

    rng = random.Random(seed)  # nosec B311 # reproducible sample rows, not a secret
    dates = ["2024-05-14", "2023-11", "2022-22", "2021", "2020-03-02/2020-03-04", "2019~", "2018-06?", ""]
    # The import's columns without the translations, which these rows leave out.
    header = [column for column in MemorandumResource.Meta.fields if column[-3:] not in ("_ru", "_ar")]

    def row(i: int) -> list:
        a, b = rng.sample(codes, 2)
        return [
            f"{prefix}{i}",
            f"Imported memorandum {i} on cooperation in {rng.choice(sectors)}",
            rng.choice(["mou", "agreement", "programme"]),
            rng.choice(["", "1", "0"]),
            rng.choice(["signed", "in-force"]),
            a,
            b,
            f"{rng.choice(institutions[a])}|{rng.choice(institutions[b])}",
            rng.choice(dates),
            "",
            "",
            "",
            rng.choice(sectors),
            "Imported to measure the import.",
            rng.choice(sources),
        ]

    dataset = tablib.Dataset(*(row(i) for i in range(rows)), headers=header)
    csv_text = dataset.export("csv")
    before = Memorandum.objects.count()
    started = time.perf_counter()
    result = MemorandumResource().import_data(
        tablib.Dataset().load(io.StringIO(csv_text).read(), format="csv"), dry_run=False, use_transactions=True
    )
    elapsed = time.perf_counter() - started
    ok = not result.has_errors() and not result.has_validation_errors()
    written = Memorandum.objects.count() - before

    bad = tablib.Dataset(*(row(rows + i) for i in range(20)), headers=header)
    bad[19] = tuple(bad[19][:5]) + ("XX",) + tuple(bad[19][6:])
    before_bad = Memorandum.objects.count()
    bad_result = MemorandumResource().import_data(bad, dry_run=False, use_transactions=True)
    refused = bad_result.has_errors() or bad_result.has_validation_errors()
    all_or_nothing = refused and Memorandum.objects.count() == before_bad
    with transaction.atomic():
        remove_imported(prefix, wipe)
    if Signatory.objects.filter(memorandum__slug__startswith=prefix).exists():
        raise RuntimeError("The imported rows were not all removed.")
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_second": rows / elapsed if elapsed else 0.0,
        "ok": ok and written == rows,
        "written": written,
        "all_or_nothing": all_or_nothing,
    }


def remove_imported(prefix: str, wipe) -> None:
    from agreements.models import Memorandum, Signatory

    wipe(Memorandum.sectors.through.objects.filter(memorandum__slug__startswith=prefix))
    wipe(Memorandum.sources.through.objects.filter(memorandum__slug__startswith=prefix))
    wipe(Signatory.objects.filter(memorandum__slug__startswith=prefix))
    wipe(Memorandum.objects.filter(slug__startswith=prefix))


def describe(result: Result) -> str:
    if result.missing:
        return "404 (page not built yet)"
    return (
        f"p50 {result.percentile(50):.0f} ms, p95 {result.percentile(95):.0f} ms, "
        f"{result.throughput:.1f} req/s, {len(result.latencies)} ok, {result.errors} errors"
    )


def describe_machine(connection) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    import django

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "postgres": postgres,
        "python": platform.python_version(),
        "django": django.get_version(),
        "load": " / ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def verdict(met: bool, detail: str) -> str:
    return f"**met** ({detail})" if met else f"**missed** ({detail})"


def write_report(args, output: Path, *, pages, export, export_rss, imported, machine, counts, generated, params):
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Measured {now} with `make bench` (`{Path(sys.executable).name} bench/run.py {' '.join(sys.argv[1:])}`).",
        "",
        "## Machine",
        "",
        f"- {machine['cores']} cores ({machine['cpu']}), {machine['memory']} memory",
        f"- PostgreSQL {machine['postgres']}, Python {machine['python']}, Django {machine['django']}",
        f"- load average (1 / 5 / 15 min) before the run: {machine['load_before']}; when the report was written: "
        f"{machine['load']} (above 0 before the run means other work shared the cores)",
        "- gunicorn with 2 sync workers on 127.0.0.1, DEBUG off, CONN_MAX_AGE=60; the load client runs "
        "on the same two cores",
        "",
        "## Data",
        "",
        f"- {counts['memoranda']:,} memoranda, {counts['visits']:,} visits, {counts['commitments']:,} commitments, "
        f"{counts['signatories']:,} signatories, {counts['institutions']:,} institutions "
        f"(`generate_demo_data --memoranda {args.memoranda} --seed {args.seed}`; generation: {generated})",
        f"- filter: sector `{params['sector']}`, country `{params['country']}`; search word `{params['word']}`; "
        f"pair `{params['pair']}`; memorandum `{params['memorandum']}`",
        "",
        "## Pages",
        "",
        f"{args.clients} concurrent clients, at most {args.requests} requests or {args.seconds:.0f} s per page, "
        "after two warm-up requests. Queries: counted with Django's test client on a first request "
        "(counts not cached yet) and on a second.",
        "",
        "| page | URL | p50 ms | p95 ms | req/s | ok | errors | SQL queries (first / cached) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in [*pages, export]:
        if page.missing or not page.latencies and not page.errors:
            status = "404, not built yet" if page.missing else "not measured"
            lines.append(f"| {page.name} | `{page.path}` | {status} | | | | | {page.queries or ''} |")
            continue
        lines.append(
            f"| {page.name} | `{page.path}` | {page.percentile(50):.0f} | {page.percentile(95):.0f} | "
            f"{page.throughput:.1f} | {len(page.latencies)} | {page.errors} | "
            f"{'' if page.queries is None else f'{page.cold_queries} / {page.queries}'} |"
        )
    notes = [p for p in [*pages, export] if p.note]
    if notes:
        lines += ["", *[f"- {p.name}: {p.note}" for p in notes]]
    lines += [
        "",
        "## Export and import",
        "",
        f"- CSV export: worker RSS {export_rss[0] / 1024:.0f} MB before, peak {export_rss[1] / 1024:.0f} MB during "
        "three downloads (sampled every 20 ms from /proc)",
        f"- import of {imported['rows']:,} memoranda through `MemorandumResource` (use_transactions): "
        f"{imported['seconds']:.1f} s, **{imported['rows_per_second']:.0f} rows/s**, "
        f"{'all rows written' if imported['ok'] else 'NOT all rows written'}; a 20-row file whose last row is "
        f"bad wrote {'nothing' if imported['all_or_nothing'] else 'SOMETHING'}",
        "",
        "## Targets",
        "",
    ]
    by_name = {page.name: page for page in pages}
    ours = by_name["Memoranda, sector + country"]
    admin = by_name["Admin changelist, same filter"]
    measured = [p for p in pages if p.latencies and not p.name.startswith("Admin") and "search" not in p.name]
    missing = [p.name for p in pages if p.missing]
    slow = [p for p in measured if p.percentile(95) > TARGET_PAGE_P95_MS]
    errors = sum(p.errors for p in [*pages, export])
    search = by_name["Memoranda, text search"]
    heavy = [p for p in pages if p.cold_queries is not None and p.cold_queries > TARGET_QUERIES and not p.missing]
    heavy_cached = [p for p in pages if p.queries is not None and p.queries > TARGET_QUERIES and not p.missing]
    rows = [
        (
            "zero errors under load",
            verdict(errors == 0, f"{errors} errors"),
        ),
        (
            f"every page p95 <= {TARGET_PAGE_P95_MS} ms",
            verdict(
                not slow,
                ", ".join(f"{p.name} {p.percentile(95):.0f} ms" for p in slow) or "all within",
            ),
        ),
        (
            f"text search p95 <= {TARGET_SEARCH_P95_MS} ms",
            verdict(search.percentile(95) <= TARGET_SEARCH_P95_MS, f"{search.percentile(95):.0f} ms")
            if search.latencies
            else "not measured",
        ),
        (
            "our filtered list faster than the admin changelist",
            verdict(
                ours.percentile(95) < admin.percentile(95),
                f"p95 {ours.percentile(95):.0f} ms against {admin.percentile(95):.0f} ms",
            )
            if ours.latencies and admin.latencies
            else "not measured",
        ),
        (
            f"SQL queries per page <= {TARGET_QUERIES}",
            verdict(
                not heavy,
                (", ".join(f"{p.name} {p.cold_queries}" for p in heavy) or "all within")
                + " on a first request; once counts are cached: "
                + (", ".join(f"{p.name} {p.queries}" for p in heavy_cached) or "all within"),
            ),
        ),
        (
            f"CSV export streamed, worker peak RSS < {TARGET_EXPORT_RSS_MB} MB",
            verdict(export_rss[1] / 1024 < TARGET_EXPORT_RSS_MB, f"{export_rss[1] / 1024:.0f} MB")
            if export.latencies
            else "not measured (no export URL)",
        ),
        (
            f"import >= {TARGET_IMPORT_ROWS_PER_S} rows/s",
            verdict(
                imported["rows_per_second"] >= TARGET_IMPORT_ROWS_PER_S, f"{imported['rows_per_second']:.0f} rows/s"
            ),
        ),
    ]
    lines += ["| target | result |", "| --- | --- |", *[f"| {name} | {result} |" for name, result in rows]]
    if missing:
        lines += ["", f"Pages not built yet (404): {', '.join(missing)}."]
    marker = "<!-- analysis -->"
    analysis = ""
    if output.exists() and marker in output.read_text():
        analysis = output.read_text().split(marker, 1)[1]
    lines += ["", marker + analysis.rstrip("\n") if analysis else marker]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
