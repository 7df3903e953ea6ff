"""A bounded soak: `make soak` (docs/security.md records a run).

gunicorn with three workers on the bench database (PostgreSQL, per-process cache unless
--cache-url names a shared one), and concurrent clients for a fixed time, each in a loop of
mixed requests as a signed-in editor: mostly reads of every list, search, dossier and the
overview, with filters, searches and page numbers drawn at random; the rest writes through the
admin, as a browser posts them: imports of new memoranda (preview, then confirm), edits of their
titles, deletes. It reports every answer by kind and status, the server errors, and each worker's
memory after a warm-up and at the end. Records it writes have slugs starting with "soak-" and
are removed at the end.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    Gunicorn,
    SignedIn,
    create_database,
    default_database,
    form_values,
    production_environment,
)

PREFIX = "soak-"
WORDS = ["oncology", "trade", "energy", "education", "agriculture", "health", "Минздрав", "وزارة", "nuclear"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--writes", type=float, default=0.15, help="The share of requests that write.")
    parser.add_argument("--memoranda", type=int, default=100_000, help="The bench database of this size.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--cache-url", default="", help="A shared cache for the workers (default: per process).")
    parser.add_argument("--record", help="Write the result between the soak markers of this file.")
    args = parser.parse_args()
    args.database_url = args.database_url or default_database(args.memoranda)
    return args


def log(message: str) -> None:
    print(f"{datetime.datetime.now(datetime.UTC):%H:%M:%S} {message}", flush=True)


class Soak:
    def __init__(self, args, browser_session: str):
        from agreements.models import Country, Institution, Memorandum, Sector

        self.args = args
        self.session = browser_session
        self.rng = random.Random(args.seed)  # nosec B311 # a reproducible mix of requests, not a secret
        self.lock = threading.Lock()
        self.answers: Counter = Counter()  # (kind, status)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.created: dict[str, int] = {}  # slug: pk of the memoranda this soak imported and has not deleted
        self.serial = 0
        self.sectors = list(Sector.objects.values_list("slug", flat=True))
        self.countries = [str(code) for code in Country.objects.values_list("code", flat=True)]
        self.memoranda = list(Memorandum.objects.order_by("?").values_list("slug", flat=True)[:500])
        self.institutions = list(Institution.objects.order_by("?").values_list("slug", flat=True)[:200])
        self.pages = max(1, Memorandum.objects.count() // 25)

    # ------------------------------------------------------------ what a client asks for

    def a_read(self) -> tuple[str, str]:
        rng = self.rng
        choice = rng.random()
        a, b = rng.sample(self.countries, 2)
        if choice < 0.35:
            query = {}
            if rng.random() < 0.5:
                query["sector"] = rng.sample(self.sectors, rng.choice([1, 1, 2]))
            if rng.random() < 0.5:
                query["country"] = rng.sample(self.countries, rng.choice([1, 1, 2]))
            if rng.random() < 0.3:
                query["q"] = rng.choice(WORDS)
            if rng.random() < 0.3:
                query["page"] = rng.randint(1, max(1, self.pages // 10))
            listed = rng.choice(["memoranda", "memoranda", "visits", "commitments"])
            return "list", f"/{listed}/?{urlencode(query, doseq=True)}"
        if choice < 0.5:
            return "overview", "/"
        if choice < 0.65:
            with self.lock:
                slugs = self.memoranda + list(self.created)
            return "record", f"/memoranda/{rng.choice(slugs)}/"
        if choice < 0.8:
            return "dossier", f"/countries/{a}/{b}/"
        if choice < 0.9:
            return "dossier", f"/countries/{a}/"
        return "record", f"/institutions/{rng.choice(self.institutions)}/"

    def step(self, browser: SignedIn) -> None:
        if self.rng.random() < self.args.writes:
            with self.lock:
                own = list(self.created.items())
            choice = self.rng.random()
            if choice < 0.4 or len(own) < 3:
                self.timed("import", lambda: self.import_some(browser))
            elif choice < 0.75:
                self.timed("edit", lambda: self.edit(browser, *self.rng.choice(own)))
            else:
                self.timed("delete", lambda: self.delete(browser, *self.rng.choice(own)))
        else:
            kind, path = self.a_read()
            self.timed(kind, lambda: browser.get(path)[0], path)

    def timed(self, kind: str, action, what: str = "") -> None:
        started = time.perf_counter()
        try:
            status = action()
        except OSError as error:
            status, what = 0, f"{what} {error}"
        elapsed = time.perf_counter() - started
        with self.lock:
            self.answers[kind, status] += 1
            self.latencies[kind].append(elapsed)
            if status >= 500 or status == 0:
                self.failures.append(f"{kind} {what}: {status}")

    # ------------------------------------------------------------ writes, as the admin takes them

    def import_some(self, browser: SignedIn) -> int:
        """Preview a CSV of one to three new memoranda, then confirm it: the status of the confirm."""
        with self.lock:
            self.serial += 1
            serial = self.serial
        rows = []
        for n in range(self.rng.randint(1, 3)):
            a, b = self.rng.sample(self.countries, 2)
            slug = f"{PREFIX}{serial}-{n}"
            title = f"Soak memorandum {serial}-{n} on {self.rng.choice(WORDS[:6])}"
            rows.append([slug, title, "mou", "signed", a, b, "2025-11", "Minsk", self.rng.choice(self.sectors)])
        header = ["slug", "title", "kind", "status", "country_a", "country_b", "signed", "signed_at", "sectors"]
        text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile(f"soak-{serial}.csv", text.encode(), content_type="text/csv")
        status, page = browser.post(
            "/admin/agreements/memorandum/import/",
            {"resource": "0", "format": "0", "import_file": upload},
            multipart=True,
        )
        if status != 200:
            return status
        confirmation = form_values(page, "process_import/")
        if not confirmation:
            return 299  # a preview without a confirmation: counted, not an error of the server
        status, _page = browser.post("/admin/agreements/memorandum/process_import/", confirmation)
        if status == 302:
            from agreements.models import Memorandum

            found = dict(Memorandum.objects.filter(slug__in=[row[0] for row in rows]).values_list("slug", "pk"))
            with self.lock:
                self.created.update(found)
        return status

    def edit(self, browser: SignedIn, slug: str, pk: int) -> int:
        path = f"/admin/agreements/memorandum/{pk}/change/"
        status, page = browser.get(path)
        if status != 200:
            return status
        form = form_values(page)
        form["title"] = [f"Soak memorandum {slug.removeprefix(PREFIX)}, edited {self.rng.randint(1, 10**6)}"]
        return browser.post(path, form)[0]  # 302 saved; 200 shown again (an edit conflict, a deleted row)

    def delete(self, browser: SignedIn, slug: str, pk: int) -> int:
        status = browser.post(f"/admin/agreements/memorandum/{pk}/delete/", {"post": "yes"})[0]
        with self.lock:
            self.created.pop(slug, None)
        return status

    # ------------------------------------------------------------ the run

    def run(self, port: int, seconds: float) -> float:
        deadline = time.monotonic() + seconds
        started = time.monotonic()

        def client() -> None:
            browser = SignedIn(port, self.session)
            while time.monotonic() < deadline:
                self.step(browser)

        threads = [threading.Thread(target=client) for _ in range(self.args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def remove_soak_records() -> int:
    from django.db import transaction

    from agreements.models import Memorandum

    with transaction.atomic():
        return Memorandum.objects.filter(slug__startswith=PREFIX).delete()[0]


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # the server is stopped on the way out
    create_database(args.database_url)
    environment = production_environment(args.database_url)
    environment.pop("CACHE_URL", None)
    if args.cache_url:
        environment["CACHE_URL"] = args.cache_url
    os.environ.update(environment)

    import django

    django.setup()
    from django.core.management import call_command

    from agreements.models import Memorandum
    from bench.run import signed_in_client

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    if not Memorandum.objects.filter(slug__startswith="demo-").exists():
        log(f"generating {args.memoranda} demo memoranda")
        call_command("generate_demo_data", memoranda=args.memoranda, seed=args.seed)
    remove_soak_records()
    client, _cookie = signed_in_client()
    from django.conf import settings

    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    soak = Soak(args, session)
    memoranda = Memorandum.objects.count()
    logs = Path(tempfile.mkdtemp(prefix="soak-logs-"))
    log(f"gunicorn with {args.workers} workers; {args.clients} clients for {args.minutes:g} minutes")
    with Gunicorn(environment, workers=args.workers, log=logs / "gunicorn.log") as server:
        soak.run(server.port, min(30, args.minutes * 60 / 10))  # warm-up: every worker has served pages
        warm = server.worker_rss_kb()
        soak.answers.clear()
        soak.latencies.clear()
        soak.failures.clear()
        seconds = soak.run(server.port, args.minutes * 60)
        after = server.worker_rss_kb()
    removed = remove_soak_records()
    result = describe(args, soak, seconds, warm, after, memoranda, removed, logs)
    print(result)
    if args.record:
        record(Path(args.record), result)
        log(f"recorded in {args.record}")


def describe(args, soak: Soak, seconds: float, warm: dict, after: dict, memoranda: int, removed: int, logs) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    total = sum(soak.answers.values())
    server_errors = len(soak.failures)
    lines = [
        f"Soak of {now} (`python bench/soak.py {' '.join(sys.argv[1:])}`): gunicorn with {args.workers} sync "
        f"workers, DEBUG off, {'cache ' + args.cache_url if args.cache_url else 'per-process cache'}, PostgreSQL "
        f"with {memoranda:,} memoranda; {args.clients} clients for {seconds / 60:.1f} minutes after a warm-up; "
        f"{total:,} requests, about {args.writes:.0%} of them writes through the admin. "
        f"Load average at the end: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}.",
        "",
        f"**{server_errors} server errors** (5xx or no answer).",
        "",
        "| requests | answers by status | p50 ms | p95 ms |",
        "| --- | --- | ---: | ---: |",
    ]
    for kind in sorted(soak.latencies):
        statuses = sorted((status, count) for (k, status), count in soak.answers.items() if k == kind)
        latencies = sorted(soak.latencies[kind])
        p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))] * 1000
        lines.append(
            f"| {kind} | {', '.join(f'{count:,} × {status}' for status, count in statuses)} | "
            f"{statistics.median(latencies) * 1000:.0f} | {p95:.0f} |"
        )
    same = sorted(warm) == sorted(after)
    lines += [
        "",
        "| worker | resident memory after the warm-up | at the end | change |",
        "| --- | ---: | ---: | ---: |",
    ]
    for n, pid in enumerate(sorted(warm), start=1):
        before_mb, after_mb = warm[pid] / 1024, after.get(pid, 0) / 1024
        lines.append(f"| {n} | {before_mb:.0f} MB | {after_mb:.0f} MB | {after_mb - before_mb:+.0f} MB |")
    lines += [
        "",
        f"The same {len(warm)} worker processes throughout: {'yes' if same else 'no (a worker was replaced)'}. "
        f"{removed} rows the soak wrote were removed afterwards.",
    ]
    if soak.failures:
        lines += ["", "Server errors (first ten; the servers' output is in " + str(logs) + "):", ""]
        lines += [f"- {failure}" for failure in soak.failures[:10]]
    return "\n".join(lines)


def record(path: Path, result: str) -> None:
    start, end = "<!-- soak -->", "<!-- /soak -->"
    text = path.read_text()
    if start not in text:
        raise SystemExit(f"{path} has no {start} … {end} markers")
    before, rest = text.split(start, 1)
    _old, after = rest.split(end, 1)
    path.write_text(f"{before}{start}\n{result}\n{end}{after}")


if __name__ == "__main__":
    main()
