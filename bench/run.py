"""Benchmark the tracker at archive scale: `make bench` writes docs/benchmarks.md.

On a PostgreSQL database of its own (filled with generate_demo_data, reused when it already
holds the same memoranda), every list, search, dossier and overview page is measured:
- in this process, with Django's test client: the SQL each page runs on a cold request (every
  cache empty) and on a warm one, its query count, and the time of one request alone;
- that same SQL replayed on its own by as many concurrent clients as the pages get: the limit
  a page could reach if Python cost nothing;
- under load from concurrent clients on loopback, warm (after two warm-up requests) and cold
  (the cache emptied before each request, see harness.CacheEmptier), first against one gunicorn
  with the default per-process cache, then against two gunicorns behind nginx with the cache in
  Redis;
- the admin changelist for the same filter as our filtered list (the peer);
- the CSV export of every memorandum, with the memory its worker gains while streaming it;
- an all-or-nothing import of new memoranda through MemorandumResource, as the admin's import
  writes it (with its history).
Each target is then met or missed by a stated amount; for a page that misses one, the report
holds its profile (cProfile of one cold and one warm request, and EXPLAIN ANALYZE of its slowest
query). Not part of the test suite. `make bench BENCH_ARGS="--memoranda 5000 --seconds 3"` is
a quick run on a smaller database of its own.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import platform
import pstats
import random
import re
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    BASE_DIR,
    DEFAULT_REDIS,
    CacheEmptier,
    Gunicorn,
    Nginx,
    Result,
    RssSampler,
    create_database,
    default_database,
    fetch,
    install_nginx,
    production_environment,
    run_clients,
)

TARGET_WARM_P95_MS = 100
TARGET_SEARCH_P95_MS = 150
TARGET_COLD_P95_MS = 500
TARGET_COLD_OVER_SQL = 3
TARGET_OVER_ADMIN = 10
TARGET_QUERIES = 10
TARGET_EXPORT_GROWTH_MB = 10
TARGET_IMPORT_ROWS_PER_S = 2000
IMPORT_PREFIX = "demo-import-"
IMPORT_COMMENT = "Imported to measure the import"
SETUPS = {
    "one": "one gunicorn (2 workers), per-process cache",
    "two": "two gunicorns (2 workers each) behind nginx, cache in Redis",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memoranda", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="default: bench_cooperation (or bench_cooperation_<memoranda>)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300, help="At most this many requests per series.")
    parser.add_argument("--seconds", type=float, default=6, help="At most this long per series.")
    parser.add_argument("--sql-seconds", type=float, default=3, help="At most this long per SQL replay.")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--output", default=str(BASE_DIR / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    args.database_url = args.database_url or default_database(args.memoranda)
    return args


@dataclass
class Page:
    name: str
    path: str
    kind: str = "page"  # "search" (its own target) or "admin" (the peer)
    note: str = ""
    status: int = 0
    queries: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # warm/cold: (sql, seconds)
    alone_ms: dict[str, float] = field(default_factory=dict)  # warm/cold: one request in process
    sql: dict[str, Result] = field(default_factory=dict)  # warm/cold: the SQL replayed under load
    series: dict[tuple[str, str], Result] = field(default_factory=dict)  # (setup, warm/cold)

    def p95(self, setup: str, temperature: str) -> float:
        result = self.series.get((setup, temperature))
        return result.percentile(95) if result else float("nan")

    @property
    def target_ms(self) -> int:
        return TARGET_SEARCH_P95_MS if self.kind == "search" else TARGET_WARM_P95_MS


def log(message: str) -> None:
    print(f"{datetime.datetime.now(datetime.UTC):%H:%M:%S} {message}", flush=True)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # the servers are stopped on the way out
    started = time.monotonic()
    load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    create_database(args.database_url)
    os.environ.update(production_environment(args.database_url))

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client records the template context
    log("migrate and collect static files")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    generated = prepare_data(args, connection)
    counts = {
        table: count_rows(connection, f"agreements_{table}")
        for table in ("memorandum", "visit", "commitment", "signatory", "institution")
    }
    client, cookie = signed_in_client()
    pages, params = choose_pages(args, client)

    log("each page in process: its queries cold and warm, one request alone")
    for page in pages:
        measure_in_process(client, page)
        log(
            f"   {page.name}: {page.status}, {len(page.queries['cold'])} queries cold, {len(page.queries['warm'])} warm"
        )

    log(f"the SQL of each page replayed by {args.clients} clients, at most {args.sql_seconds:.0f} s each")
    for page in pages:
        for temperature in ("warm", "cold"):
            statements = [sql for sql, _seconds in page.queries[temperature]]
            page.sql[temperature] = replay(args, page.name, statements)
        log(
            f"   {page.name}: warm p95 {page.sql['warm'].percentile(95):.0f} ms, "
            f"cold {page.sql['cold'].percentile(95):.0f} ms"
        )

    logs = Path(tempfile.mkdtemp(prefix="bench-logs-"))  # the servers' own output, if something fails
    environment = production_environment(args.database_url)
    environment.pop("CACHE_URL", None)
    log(f"one gunicorn, 2 workers; {args.clients} clients, at most {args.requests} requests or {args.seconds:.0f} s")
    with Gunicorn(environment, workers=2, log=logs / "gunicorn-one.log") as server:
        for page in pages:
            measure_series(args, server.port, page, "one", cookie)
    export = measure_export(environment, cookie, logs / "gunicorn-export.log")
    log(
        f"   CSV export: {export['seconds']:.1f} s, {export['megabytes']:.1f} MB, "
        f"worker grew {export['growth_mb']:.1f} MB"
    )

    log("two gunicorns behind nginx, cache in Redis")
    nginx_version = install_nginx(log)
    check_redis_is_ours(args.redis_url)
    shared = production_environment(args.database_url, CACHE_URL=args.redis_url)
    with (
        Gunicorn(shared, workers=2, log=logs / "gunicorn-two-a.log") as first,
        Gunicorn(shared, workers=2, log=logs / "gunicorn-two-b.log") as second,
        Nginx([first.port, second.port]) as proxy,
    ):
        for page in pages:
            measure_series(args, proxy.port, page, "two", cookie)

    missing = {name for target in evaluate(pages, export, None) for name in target.pages}
    log(f"profiles of the {len(missing)} pages that miss a target")
    profiles = {page.name: profile(client, page) for page in pages if page.name in missing}

    log(f"import of {args.import_rows} rows through MemorandumResource")
    imported = measure_import(args.import_rows, args.seed)
    log(f"   {imported['rows_per_second']:.0f} rows/s, all or nothing: {imported['all_or_nothing']}")
    targets = evaluate(pages, export, imported)

    machine = describe_machine(connection)
    machine.update(load_before=load_before, nginx=nginx_version, minutes=(time.monotonic() - started) / 60)
    report = Report(args, pages, params, counts, generated, machine, export, imported, targets, profiles)
    report.write(Path(args.output))
    log(f"wrote {args.output} in {machine['minutes']:.1f} minutes")


# ---------------------------------------------------------------- data and pages


def prepare_data(args, connection) -> str:
    from django.core.management import call_command

    from agreements.models import Memorandum

    prefix = f"demo-{args.seed}-"
    demo = Memorandum.objects.filter(slug__startswith="demo-")
    if demo.count() == args.memoranda and demo.filter(slug__startswith=prefix).count() == args.memoranda:
        log(f"reusing {args.memoranda} demo memoranda (seed {args.seed})")
        generated = "reused"
    else:
        log(f"generating {args.memoranda} demo memoranda (seed {args.seed})")
        started = time.monotonic()
        call_command("generate_demo_data", memoranda=args.memoranda, seed=args.seed, clear=True)
        generated = f"{time.monotonic() - started:.0f} s"
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return generated


def count_rows(connection, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # nosec B608 # table names are literals in this file
        return cursor.fetchone()[0]


def signed_in_client():
    """A superuser `bench`, signed in: the test client, and its session cookie for the load."""
    import secrets

    from django.contrib.auth import get_user_model
    from django.test import Client

    # Its password is never changed afterwards: that would sign out a bench or soak running meanwhile.
    user, created = get_user_model().objects.get_or_create(username="bench")
    if created:
        user.set_password(secrets.token_urlsafe(16))
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}"


def choose_pages(args, client) -> tuple[list[Page], dict]:
    """The pages measured, with what they ask for: the leaf sector of the most memoranda (a leaf,
    so that the admin's exact-sector filter selects the same rows as ours), the busiest country,
    a mid-sized memorandum, an institution that signed many."""
    from django.db.models import Count

    from agreements.models import Institution, Memorandum, Sector

    prefix = f"demo-{args.seed}-"
    leaves = Sector.objects.filter(children__isnull=True).annotate(used=Count("memoranda")).order_by("-used", "slug")
    sector, other_sector = leaves[0], leaves[1]
    country, partner = "BY", "OM"
    memorandum = Memorandum.objects.filter(slug__startswith=prefix).order_by("slug")[args.memoranda // 2]
    institution = Institution.objects.annotate(signed=Count("signatures")).order_by("-signed", "slug").first()
    word = "oncology"
    filtered = urlencode({"sector": sector.slug, "country": country})
    several = urlencode({"sector": [sector.slug, other_sector.slug], "country": [country, "CU"]}, doseq=True)
    admin_filter = urlencode({"sectors__id__exact": sector.pk, "country": country})
    pages = [
        Page("Overview", "/"),
        Page("Memoranda", "/memoranda/"),
        Page("Memoranda, sector + country", f"/memoranda/?{filtered}"),
        Page("Memoranda, 2 sectors + 2 countries", f"/memoranda/?{several}"),
        Page("Memoranda, text search", f"/memoranda/?{urlencode({'q': word})}", kind="search"),
        Page("Memoranda, search + country", f"/memoranda/?{urlencode({'q': word, 'country': country})}", "search"),
        Page("Memoranda, deep page", "/memoranda/?page=2"),
        Page("Visits", "/visits/"),
        Page("Visits, text search", f"/visits/?{urlencode({'q': word})}", kind="search"),
        Page("Commitments, overdue", "/commitments/?overdue=on"),
        Page("Memorandum page", f"/memoranda/{memorandum.slug}/"),
        Page("Institution page", f"/institutions/{institution.slug}/"),
        Page("Country dossier", f"/countries/{country}/"),
        Page("Pair dossier", f"/countries/{country}/{partner}/"),
        Page("Partners compared", f"/countries/{country}/compare/?{urlencode({'with': partner})}"),
        Page("World map", "/map/"),
        Page("World map, a country's partners", f"/map/?{urlencode({'country': country, 'show': 'commitments'})}"),
        Page("Sectors", "/sectors/"),
        Page("Institutions", "/institutions/"),
        Page("API memoranda", "/api/v1/memoranda/"),
        Page("API memoranda, sector + country", f"/api/v1/memoranda/?{filtered}"),
        Page("API memorandum", f"/api/v1/memoranda/{memorandum.slug}/"),
        Page("API visits", "/api/v1/visits/"),
        Page("API commitments, overdue", "/api/v1/commitments/?overdue=on"),
        Page("Admin changelist, same filter", f"/admin/agreements/memorandum/?{admin_filter}", kind="admin"),
    ]
    response = client.get("/memoranda/")
    paginator = response.context["page"].paginator
    deep = max(1, int(paginator.num_pages * 0.8))
    pages[6].path, pages[6].note = f"/memoranda/?page={deep}", f"page {deep} of {paginator.num_pages}"
    ours = client.get(pages[2].path).context["page"].paginator.count
    theirs = client.get(pages[-1].path).context["cl"].result_count
    pages[-1].note = f"{theirs:,} rows; ours lists {ours:,} for the same filter"
    params = {
        "sector": sector.slug,
        "other sector": other_sector.slug,
        "country": country,
        "pair": f"{country}/{partner}",
        "word": word,
        "memorandum": memorandum.slug,
        "institution": institution.slug,
    }
    return pages, params


# ---------------------------------------------------------------- in process


def empty_caches() -> None:
    from agreements.caching import raise_version

    raise_version()


def request(client, path: str):
    response = client.get(path)
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    return response


def measure_in_process(client, page: Page) -> None:
    """The queries of a cold request and of the warm one after it, and the median of three cold and
    four warm requests alone (each with its queries captured, as the first)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: dict[str, list[float]] = {"cold": [], "warm": []}
    for temperature in ("cold", "warm", "cold", "warm", "warm", "cold", "warm"):
        if temperature == "cold":
            empty_caches()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            page.status = request(client, page.path).status_code
            times[temperature].append(time.perf_counter() - started)
        page.queries.setdefault(temperature, [(query["sql"], float(query["time"])) for query in captured])
        if page.status != 200:
            raise SystemExit(f"{page.name} ({page.path}) answered {page.status}")
    page.alone_ms = {temperature: statistics.median(seconds) * 1000 for temperature, seconds in times.items()}


def replay(args, name: str, statements: list[str]) -> Result:
    """`statements` run one after another, as the page runs them, by `args.clients` clients each
    on its own connection, until `args.requests` runs are done or `args.sql_seconds` have passed."""
    import threading

    import psycopg2

    result = Result(name, "")
    lock = threading.Lock()
    deadline = time.monotonic() + args.sql_seconds
    runs = 0

    def work():
        connection = psycopg2.connect(args.database_url)
        connection.autocommit = True
        cursor = connection.cursor()

        def step() -> bool:
            nonlocal runs
            with lock:
                if runs >= args.requests or time.monotonic() > deadline:
                    connection.close()
                    return False
                runs += 1
            began = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            elapsed = time.perf_counter() - began
            with lock:
                result.latencies.append(elapsed)
                result.statuses[200] += 1
            return True

        return step

    result.seconds = run_clients(args.clients, work)
    return result


# ---------------------------------------------------------------- under load


def measure_series(args, port: int, page: Page, setup: str, cookie: str) -> None:
    from bench.harness import load

    for _ in range(2):  # the workers' connections and caches warmed
        fetch(port, page.path, cookie)
    redis_url = args.redis_url if setup == "two" else ""
    emptier = CacheEmptier(args.database_url, redis_url)
    for temperature in ("warm", "cold"):
        result = Result(page.name, page.path)
        page.series[setup, temperature] = load(
            port,
            result,
            clients=args.clients,
            requests=args.requests,
            seconds=args.seconds,
            cookie=cookie,
            before_each=emptier if temperature == "cold" else None,
        )
    warm, cold = page.series[setup, "warm"], page.series[setup, "cold"]
    if warm.errors or cold.errors:
        log(f"   {page.name}: answers {dict(warm.statuses)} warm, {dict(cold.statuses)} cold")
    log(
        f"   {page.name}: warm p95 {warm.percentile(95):.0f} ms ({len(warm.latencies)} ok, {warm.errors} errors), "
        f"cold p95 {cold.percentile(95):.0f} ms ({len(cold.latencies)} ok, {cold.errors} errors)"
    )


def check_redis_is_ours(redis_url: str) -> None:
    """The cold series flush the Redis database: refuse one that holds keys other than Django's."""
    import redis

    shared = redis.Redis.from_url(redis_url)
    foreign = [key for key in shared.scan_iter(count=1000) if not key.startswith(b":")]
    if foreign:
        raise SystemExit(f"{redis_url} holds keys that are not the tracker's cache ({foreign[0]!r}); pass --redis-url")
    shared.flushdb()


def measure_export(environment: dict, cookie: str, log_file: Path) -> dict:
    """One download of every memorandum as CSV from a one-worker gunicorn that has already served
    a list and a smaller export (so that what the export's code costs once is not counted), its
    memory sampled throughout."""
    from django.urls import reverse

    path = reverse("agreements:memorandum-export", kwargs={"fmt": "csv"})
    with Gunicorn(environment, workers=1, log=log_file) as server:
        fetch(server.port, "/memoranda/", cookie)
        fetch(server.port, f"{path}?{urlencode({'country': 'OM'})}", cookie)
        with RssSampler(server) as sampler:
            status, size, first_byte, elapsed, rows = download_csv(server.port, path, cookie)
        before, peak, growth = sampler.largest_growth_kb()
    return {
        "path": path,
        "status": status,
        "seconds": elapsed,
        "first_byte_ms": first_byte * 1000,
        "megabytes": size / 1e6,
        "rows": rows,
        "before_mb": before / 1024,
        "peak_mb": peak / 1024,
        "growth_mb": growth / 1024,
    }


def download_csv(port: int, path: str, cookie: str) -> tuple[int, int, float, float, int]:
    """Status, bytes, seconds to the first byte and in all, and the CSV records after the header."""
    import csv
    import http.client

    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    first_byte = time.perf_counter() - started
    size = 0

    def lines():
        nonlocal size
        pending = b""
        while chunk := response.read(65536):
            size += len(chunk)
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                yield line.decode() + "\n"
        if pending:
            yield pending.decode()

    rows = sum(1 for _record in csv.reader(lines())) - 1
    connection.close()
    return response.status, size, first_byte, time.perf_counter() - started, max(rows, 0)


# ---------------------------------------------------------------- import


def measure_import(rows: int, seed: int) -> dict:
    """`rows` new memoranda in one all-or-nothing import with its history, as the admin writes
    it; then a 20-row file whose last row is bad, which must write nothing. Both removed after."""
    import reversion
    import tablib

    from agreements.models import Institution, Memorandum, Sector, Source
    from agreements.resources import MemorandumResource

    remove_imported()
    institutions: dict[str, list[str]] = {}
    for slug, code in Institution.objects.filter(slug__startswith="demo-").values_list("slug", "country__code"):
        institutions.setdefault(code, []).append(slug)
    codes = sorted(code for code, slugs in institutions.items() if len(slugs) > 1)
    sectors = list(Sector.objects.order_by("slug").values_list("slug", flat=True))
    sources = list(Source.objects.filter(slug__startswith="demo-").order_by("pk").values_list("slug", flat=True)[:500])
    rng = random.Random(seed)  # nosec B311 # reproducible sample rows, not a secret
    dates = ["2024-05-14", "2023-11", "2022-22", "2021", "2020-03-02/2020-03-04", "2019~", "2018-06?", ""]
    header = list(MemorandumResource.Meta.fields)

    def row(i: int) -> list:
        a, b = rng.sample(codes, 2)
        values = {
            "slug": f"{IMPORT_PREFIX}{i}",
            "title": f"Imported memorandum {i} on cooperation in {rng.choice(sectors)}",
            "kind": rng.choice(["mou", "agreement", "programme"]),
            "legally_binding": rng.choice(["", "1", "0"]),
            "status": rng.choice(["signed", "in-force"]),
            "country_a": a,
            "country_b": b,
            "parties": f"{rng.choice(institutions[a])}|{rng.choice(institutions[b])}",
            "signed": rng.choice(dates),
            "sectors": rng.choice(sectors),
            "summary": "Imported to measure the import.",
            "sources": rng.choice(sources),
        }
        return [values.get(column, "") for column in header]

    def import_file(dataset) -> object:
        with reversion.create_revision():
            reversion.set_comment(IMPORT_COMMENT)
            return MemorandumResource().import_data(dataset, dry_run=False, use_transactions=True)

    csv_text = tablib.Dataset(*(row(i) for i in range(rows)), headers=header).export("csv")
    before = Memorandum.objects.count()
    started = time.perf_counter()
    result = import_file(tablib.Dataset().load(csv_text, format="csv"))
    elapsed = time.perf_counter() - started
    written = Memorandum.objects.count() - before

    bad = tablib.Dataset(*(row(rows + i) for i in range(20)), headers=header)
    bad[19] = tuple("XX" if column == "country_a" else value for column, value in zip(header, bad[19], strict=True))
    before_bad = Memorandum.objects.count()
    bad_result = import_file(bad)
    refused = bad_result.has_errors() or bad_result.has_validation_errors()
    all_or_nothing = refused and Memorandum.objects.count() == before_bad
    remove_imported()
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_second": rows / elapsed if elapsed else 0.0,
        "ok": not result.has_errors() and not result.has_validation_errors() and written == rows,
        "written": written,
        "all_or_nothing": all_or_nothing,
    }


def remove_imported() -> None:
    from django.db import transaction
    from reversion.models import Revision

    from agreements.models import Memorandum

    with transaction.atomic():
        Memorandum.objects.filter(slug__startswith=IMPORT_PREFIX).delete()
        Revision.objects.filter(comment=IMPORT_COMMENT).delete()


# ---------------------------------------------------------------- targets and profiles


@dataclass
class Target:
    name: str
    met: bool
    detail: str
    pages: list[str] = field(default_factory=list)  # the pages that miss it


def over(value: float, limit: float) -> str:
    return f"{value:.0f} ms, {value - limit:+.0f} ms ({value / limit:.1f}×)"


def evaluate(pages: list[Page], export: dict, imported: dict | None) -> list[Target]:
    ours = [page for page in pages if page.kind != "admin"]
    admin = next(page for page in pages if page.kind == "admin")
    filtered = next(page for page in pages if page.name == "Memoranda, sector + country")
    targets = []
    errors = sum(result.server_errors for page in pages for result in page.series.values())
    targets.append(Target("no server error in any series", errors == 0, f"{errors} server errors"))
    for setup, described in SETUPS.items():
        slow = [p for p in ours if p.kind == "page" and not p.p95(setup, "warm") <= TARGET_WARM_P95_MS]
        targets.append(
            Target(
                f"{described}: every page warm p95 ≤ {TARGET_WARM_P95_MS} ms",
                not slow,
                "; ".join(f"{p.name} {over(p.p95(setup, 'warm'), TARGET_WARM_P95_MS)}" for p in slow) or "all within",
                [p.name for p in slow],
            )
        )
        slow = [p for p in ours if p.kind == "search" and not p.p95(setup, "warm") <= TARGET_SEARCH_P95_MS]
        targets.append(
            Target(
                f"{described}: search warm p95 ≤ {TARGET_SEARCH_P95_MS} ms",
                not slow,
                "; ".join(f"{p.name} {over(p.p95(setup, 'warm'), TARGET_SEARCH_P95_MS)}" for p in slow) or "all within",
                [p.name for p in slow],
            )
        )
        slow = [p for p in ours if not p.p95(setup, "cold") <= TARGET_COLD_P95_MS]
        targets.append(
            Target(
                f"{described}: every page cold p95 ≤ {TARGET_COLD_P95_MS} ms",
                not slow,
                "; ".join(f"{p.name} {over(p.p95(setup, 'cold'), TARGET_COLD_P95_MS)}" for p in slow) or "all within",
                [p.name for p in slow],
            )
        )

        def ratio(page: Page, setup: str = setup) -> float:
            return page.p95(setup, "cold") / page.sql["cold"].percentile(95)

        slow = [p for p in ours if not ratio(p) <= TARGET_COLD_OVER_SQL]
        targets.append(
            Target(
                f"{described}: every page cold within {TARGET_COLD_OVER_SQL}× of its SQL (p95)",
                not slow,
                "; ".join(f"{p.name} {ratio(p):.1f}×" for p in slow) or "all within",
                [p.name for p in slow],
            )
        )
        for temperature in ("warm", "cold"):
            speedup = admin.p95(setup, temperature) / filtered.p95(setup, temperature)
            targets.append(
                Target(
                    f"{described}: filtered list ≥ {TARGET_OVER_ADMIN}× faster than the admin changelist, "
                    f"{temperature} (p95)",
                    speedup >= TARGET_OVER_ADMIN,
                    f"{speedup:.1f}× ({filtered.p95(setup, temperature):.0f} ms against "
                    f"{admin.p95(setup, temperature):.0f} ms)",
                    [] if speedup >= TARGET_OVER_ADMIN else [filtered.name],
                )
            )
    heavy = [p for p in ours if max(len(p.queries["cold"]), len(p.queries["warm"])) > TARGET_QUERIES]
    targets.append(
        Target(
            f"SQL queries per page ≤ {TARGET_QUERIES}, cold and warm",
            not heavy,
            "; ".join(f"{p.name} {len(p.queries['cold'])} cold, {len(p.queries['warm'])} warm" for p in heavy)
            or "all within (most: " + str(max(len(p.queries["cold"]) for p in ours)) + ")",
            [p.name for p in heavy],
        )
    )
    targets.append(
        Target(
            f"CSV export of every memorandum adds < {TARGET_EXPORT_GROWTH_MB} MB to the worker",
            export["status"] == 200 and export["growth_mb"] < TARGET_EXPORT_GROWTH_MB,
            f"{export['growth_mb']:.1f} MB for {export['rows']:,} rows ({export['megabytes']:.0f} MB of CSV)",
        )
    )
    if imported:
        rate = imported["rows_per_second"]
        targets.append(
            Target(
                f"import ≥ {TARGET_IMPORT_ROWS_PER_S:,} rows/s, all or nothing",
                rate >= TARGET_IMPORT_ROWS_PER_S and imported["ok"] and imported["all_or_nothing"],
                f"{rate:,.0f} rows/s ({rate / TARGET_IMPORT_ROWS_PER_S:.2f}× the target); "
                f"{'all rows written' if imported['ok'] else 'NOT all rows written'}; a bad last row wrote "
                f"{'nothing' if imported['all_or_nothing'] else 'SOMETHING'}",
            )
        )
    return targets


OURS = r"agreements/(?!middleware|access)|templates/"


def top_functions(profiler: cProfile.Profile, order: str, count: int, only: str = "") -> str:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).sort_stats(order)
    stats.print_stats(*([only] if only else []), count)
    return shorten(stream.getvalue())


def profile(client, page: Page) -> dict:
    """cProfile of one cold and one warm request in process, SQL time apart, and EXPLAIN ANALYZE
    of the page's slowest cold query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = {}
    for temperature in ("cold", "warm"):
        if temperature == "cold":
            empty_caches()
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            profiler.enable()
            request(client, page.path)
            profiler.disable()
            total = time.perf_counter() - began
        sql = sum(float(query["time"]) for query in captured.captured_queries)
        found[temperature] = {
            "total_ms": total * 1000,
            "sql_ms": sql * 1000,
            "queries": len(captured.captured_queries),
            # Where the time is spent (own time of each function), and which of our functions spend it.
            "own": top_functions(profiler, "tottime", 12),
            "ours": top_functions(profiler, "cumulative", 12, OURS),
        }
    slowest_sql, seconds = max(page.queries["cold"], key=lambda query: query[1])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest_sql}")
        plan = [line for (line,) in cursor.fetchall()]
    found["slowest"] = {"sql": slowest_sql, "ms": seconds * 1000, "plan": plan}
    return found


def shorten(text: str) -> str:
    """pstats' table without its preamble, with paths made short."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    site = re.compile(r"\S*/(site-packages|lib/python3\.\d+)/")
    body = [site.sub("", line.replace(str(BASE_DIR) + "/", "")) for line in lines[start:] if line.strip()]
    return "\n".join(body)


def describe_machine(connection) -> dict:
    import django

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory = next(
        f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "",
    )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "postgres": postgres,
        "python": platform.python_version(),
        "django": django.get_version(),
        "load": " / ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


# ---------------------------------------------------------------- the report


def ms(value: float) -> str:
    return "–" if value != value else f"{value:.0f}"  # NaN: not measured


@dataclass
class Report:
    args: argparse.Namespace
    pages: list[Page]
    params: dict
    counts: dict
    generated: str
    machine: dict
    export: dict
    imported: dict
    targets: list[Target]
    profiles: dict

    def write(self, output: Path) -> None:
        lines = [*self.heading(), *self.summary()]
        for setup in SETUPS:
            lines += self.table(setup)
        lines += [*self.in_process(), *self.export_and_import(), *self.profile_sections()]
        marker = "<!-- analysis -->"
        analysis = output.read_text().split(marker, 1)[1] if output.exists() and marker in output.read_text() else ""
        lines += ["", marker + analysis.rstrip("\n") if analysis else marker]
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("\n".join(lines) + "\n")

    def heading(self) -> list[str]:
        m, args, c = self.machine, self.args, self.counts
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return [
            "# Benchmarks",
            "",
            f"Measured {now} with `make bench` (`python bench/run.py {' '.join(sys.argv[1:])}`), "
            f"in {m['minutes']:.0f} minutes.",
            "",
            "## Machine and data",
            "",
            f"- {m['cores']} cores ({m['cpu']}), {m['memory']} memory; PostgreSQL {m['postgres']}, "
            f"Python {m['python']}, Django {m['django']}, nginx {m['nginx']}, Redis on 127.0.0.1:6379",
            f"- load average (1 / 5 / 15 min) before the run {m['load_before']}, at its end {m['load']}; "
            "the load clients, gunicorn, nginx, Redis and PostgreSQL share the same cores",
            f"- {c['memorandum']:,} memoranda, {c['visit']:,} visits, {c['commitment']:,} commitments, "
            f"{c['signatory']:,} signatories, {c['institution']:,} institutions "
            f"(`generate_demo_data --memoranda {args.memoranda} --seed {args.seed}`; generation: {self.generated})",
            "- asked for: " + ", ".join(f"{name} `{value}`" for name, value in self.params.items()),
            "",
            "## How it is measured",
            "",
            f"- **Under load**: {args.clients} concurrent clients on loopback, each request on a new "
            f"connection, at most {args.requests} requests or {args.seconds:.0f} s per series, as the "
            "superuser `bench`, DEBUG off, `CONN_MAX_AGE=60`. *Warm*: after two warm-up requests. "
            "*Cold*: before each request (untimed) the data version is raised, as every write raises it, "
            "so no process or server reads any value cached before (with Redis the cache is flushed too).",
            f"- **SQL** (the limit): the exact statements the page ran in process (Django's test client, "
            f"cold or warm) replayed one after another on their own by {args.clients} concurrent clients, "
            f"each with its own connection, for at most {args.sql_seconds:g} s; p95 of one page's worth.",
            "- **Alone**: the median of three cold or four warm requests in process, one at a time "
            "(queries captured, so slightly slower than under gunicorn).",
            "- Latencies are p50 / p95 in milliseconds, from the request sent to the last byte read.",
            "",
        ]

    def summary(self) -> list[str]:
        lines = ["## Targets", "", "| target | result |", "| --- | --- |"]
        for target in self.targets:
            lines.append(f"| {target.name} | **{'met' if target.met else 'missed'}**: {target.detail} |")
        return [*lines, ""]

    def table(self, setup: str) -> list[str]:
        lines = [
            f"## Pages: {SETUPS[setup]}",
            "",
            "| page | warm p50 | warm p95 | req/s | cold p50 | cold p95 | SQL cold p95 | cold ÷ SQL | SQL warm p95 "
            "| ok / errors | queries cold / warm |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for page in self.pages:
            warm, cold = page.series[setup, "warm"], page.series[setup, "cold"]
            sql_cold, sql_warm = page.sql["cold"].percentile(95), page.sql["warm"].percentile(95)
            answered = len(warm.latencies) + len(cold.latencies)
            lines.append(
                f"| {page.name} | {ms(warm.percentile(50))} | {ms(warm.percentile(95))} | {warm.throughput:.1f} | "
                f"{ms(cold.percentile(50))} | {ms(cold.percentile(95))} | {ms(sql_cold)} | "
                f"{cold.percentile(95) / sql_cold:.1f}× | {ms(sql_warm)} | {answered} / {warm.errors + cold.errors} | "
                f"{len(page.queries['cold'])} / {len(page.queries['warm'])} |"
            )
        return [*lines, ""]

    def in_process(self) -> list[str]:
        lines = [
            "## The pages' addresses, and one request alone (in process)",
            "",
            "| page | URL | alone cold | of which SQL | alone warm | of which SQL |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for page in self.pages:
            sql = {t: sum(seconds for _sql, seconds in page.queries[t]) * 1000 for t in ("cold", "warm")}
            lines.append(
                f"| {page.name} | `{page.path}` | {ms(page.alone_ms['cold'])} | {ms(sql['cold'])} | "
                f"{ms(page.alone_ms['warm'])} | {ms(sql['warm'])} |"
            )
        notes = [f"- {page.name}: {page.note}" for page in self.pages if page.note]
        return [*lines, "", *notes, ""] if notes else [*lines, ""]

    def export_and_import(self) -> list[str]:
        e, i = self.export, self.imported
        return [
            "## Export and import",
            "",
            f"- CSV export of every memorandum (`{e['path']}`) from a one-worker gunicorn that had served a "
            "list and a smaller export: "
            f"{e['rows']:,} rows, {e['megabytes']:.1f} MB in {e['seconds']:.1f} s, first byte after "
            f"{e['first_byte_ms']:.0f} ms; the worker that served it held {e['before_mb']:.0f} MB before, "
            f"{e['peak_mb']:.0f} MB at its peak: **{e['growth_mb']:.1f} MB** added (resident memory from "
            "/proc, every 20 ms)",
            f"- import of {i['rows']:,} new memoranda through `MemorandumResource` with its history "
            f"(one revision, `use_transactions`): {i['seconds']:.1f} s, **{i['rows_per_second']:,.0f} rows/s**, "
            f"{i['written']:,} written; a 20-row file whose last row names country `XX` wrote "
            f"{'nothing' if i['all_or_nothing'] else 'SOMETHING'}. Both removed afterwards.",
            "",
        ]

    def profile_sections(self) -> list[str]:
        if not self.profiles:
            return []
        lines = [
            "## Profiles of the pages that miss a target",
            "",
            "One cold and one warm request in process under cProfile (the functions with the most time of "
            "their own, and our functions by cumulative time), and the plan of the page's slowest cold query.",
            "",
        ]
        for name, found in self.profiles.items():
            lines.append(f"### {name}")
            lines.append("")
            for temperature in ("cold", "warm"):
                p = found[temperature]
                lines.append(
                    f"- {temperature}: {p['total_ms']:.0f} ms in process under the profiler, of which SQL "
                    f"{p['sql_ms']:.0f} ms in {p['queries']} queries, Python {p['total_ms'] - p['sql_ms']:.0f} ms"
                )
            slowest = found["slowest"]
            lines += [
                f"- slowest cold query: {slowest['ms']:.0f} ms",
                "",
                "<details><summary>profiles and plan</summary>",
                "",
            ]
            for temperature in ("cold", "warm"):
                lines += [
                    f"{temperature}, the functions with the most time of their own:",
                    "",
                    "```",
                    found[temperature]["own"],
                    "```",
                    "",
                    f"{temperature}, our functions by cumulative time:",
                    "",
                    "```",
                    found[temperature]["ours"],
                    "```",
                    "",
                ]
            sql = slowest["sql"] if len(slowest["sql"]) < 1500 else slowest["sql"][:1500] + " …"
            lines += ["```sql", sql, "```", "", "```", *slowest["plan"][:45], "```", "", "</details>", ""]
        return lines


if __name__ == "__main__":
    main()
