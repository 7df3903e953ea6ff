"""What the benchmark (`bench/run.py`) and the soak (`bench/soak.py`) share: production-like
settings, the bench database, gunicorn and nginx started and stopped, a threaded load client on
loopback, and the workers' resident memory read from /proc."""

from __future__ import annotations

import html.parser
import http.client
import os
import secrets
import shutil
import socket
import subprocess  # nosec B404 # starts gunicorn, nginx and apt-get with fixed arguments
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
ARCHIVE_SIZE = 100_000
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
# One key for this process and every server it starts, so that they read each other's sessions.
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)


def default_database(memoranda: int) -> str:
    """`bench_cooperation` for the archive-scale run; a database of its own for any other size,
    so that a quick run never replaces the archive-scale data."""
    name = "bench_cooperation" if memoranda == ARCHIVE_SIZE else f"bench_cooperation_{memoranda}"
    return os.environ.get("BENCH_DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{name}"


def production_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production server: DEBUG off, persistent connections, the bench
    database; plain HTTP on loopback (TLS and its redirects belong to the proxy in front)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CONN_MAX_AGE": "60",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "cooperation.settings",
        **extra,
    }


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str = "/health/", seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if fetch(port, path)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


# ---------------------------------------------------------------- servers


class Gunicorn:
    """gunicorn serving cooperation.wsgi on 127.0.0.1 with `workers` sync workers."""

    def __init__(self, environment: dict[str, str], workers: int = 2, log: Path | None = None):
        self.environment = environment
        self.workers = workers
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            *(sys.executable, "-m", "gunicorn", "cooperation.wsgi"),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "300"),
            *("--graceful-timeout", "10", "--log-level", "warning", "--no-control-socket"),
        ]
        output = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(  # nosec B603 # a fixed command, no shell
            command, cwd=BASE_DIR, env=self.environment, stdout=output, stderr=output
        )
        if not wait_for(self.port, seconds=60):
            self.__exit__()
            raise RuntimeError(f"gunicorn did not start (see {self.log})")
        # Every worker answers once before anything is measured.
        while len(self.worker_pids()) < self.workers:
            time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def worker_rss_kb(self) -> dict[int, int]:
        return {pid: rss_kb(pid) for pid in self.worker_pids()}


def stop(process: subprocess.Popen | None) -> None:
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(entry.name))
    return sorted(pids)


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


NGINX_CONFIG = """\
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream tracker {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://tracker;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 300s;
            proxy_buffering off;
        }}
    }}
}}
"""


def install_nginx(log: Callable[[str], None]) -> str:
    """nginx from Debian, installed with apt-get if it is not there yet; its version."""
    if not shutil.which("nginx"):
        log("   installing nginx (apt-get install -y nginx)")
        quiet = {"stdout": subprocess.DEVNULL, "check": True}
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx"], env=environment, **quiet)  # nosec B603 B607 # fixed command
    found = subprocess.run(["nginx", "-v"], capture_output=True, text=True)  # nosec B603 B607 # fixed command
    return found.stderr.strip().removeprefix("nginx version: ").removeprefix("nginx/")


class Nginx:
    """nginx on a free loopback port, passing requests round robin to the given gunicorn ports."""

    def __init__(self, upstream_ports: list[int]):
        self.upstream_ports = upstream_ports
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in self.upstream_ports)
        config = self.root / "nginx.conf"
        config.write_text(NGINX_CONFIG.format(root=self.root, servers=servers, port=self.port))
        command = ["nginx", "-p", str(self.root), "-c", str(config), "-g", "daemon off;"]
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)  # nosec B603 B607 # fixed command
        if not wait_for(self.port):
            self.__exit__()
            raise RuntimeError(f"nginx did not start: {(self.root / 'error.log').read_text()}")
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- load


@dataclass
class Result:
    """The answers to one series of requests for one address."""

    name: str
    path: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        """Answers that were not 2xx, and requests that got no answer."""
        return sum(count for status, count in self.statuses.items() if not 200 <= status < 300)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500 or status == 0)

    def percentile(self, p: float) -> float:
        """In milliseconds; nearest rank."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def fetch(
    port: int, path: str, cookie: str = "", method: str = "GET", body: str | None = None, headers: dict | None = None
) -> tuple[int, int, float, float]:
    """One request on a fresh connection (gunicorn's sync workers close after each response).
    Status, body bytes, seconds to the first byte and seconds in all."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request(
            method, path, body=body, headers={**({"Cookie": cookie} if cookie else {}), **(headers or {})}
        )
        response = connection.getresponse()
        first_byte = time.perf_counter() - started
        size = 0
        while chunk := response.read(65536):
            size += len(chunk)
        return response.status, size, first_byte, time.perf_counter() - started
    finally:
        connection.close()


def run_clients(clients: int, work: Callable[[], Callable[[], bool]]) -> float:
    """`clients` threads, each calling the function `work()` made for it until it returns False;
    the seconds it took."""
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: loop(work())) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def loop(step: Callable[[], bool]) -> None:
    while step():
        pass


def load(
    port: int,
    result: Result,
    *,
    clients: int,
    requests: int,
    seconds: float,
    cookie: str = "",
    before_each: Callable[[], Callable[[], None]] | None = None,
) -> Result:
    """`clients` threads GET `result.path` until `requests` are answered or `seconds` have passed.
    `before_each()` makes, per thread, what runs before each request, untimed (emptying the cache)."""
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + seconds

    def work() -> Callable[[], bool]:
        prepare = before_each() if before_each else None

        def step() -> bool:
            nonlocal issued
            with lock:
                if issued >= requests or time.monotonic() > deadline:
                    return False
                issued += 1
            if prepare:
                prepare()
            try:
                status, _size, _first, elapsed = fetch(port, result.path, cookie)
            except OSError:
                status, elapsed = 0, 0.0
            with lock:
                result.statuses[status] += 1
                if 200 <= status < 300:
                    result.latencies.append(elapsed)
            return True

        return step

    result.seconds = run_clients(clients, work)
    return result


class CacheEmptier:
    """What makes a request cold: every cached value made unreachable in every process and server.
    The data version is raised, as every write to the records raises it (agreements/caching.py), so
    no process reads a value cached before; a shared Redis cache is flushed as well."""

    def __init__(self, database_url: str, redis_url: str = ""):
        self.database_url = database_url
        self.redis_url = redis_url

    def __call__(self) -> Callable[[], None]:
        import psycopg2
        import redis

        connection = psycopg2.connect(self.database_url)
        connection.autocommit = True
        cursor = connection.cursor()
        shared = redis.Redis.from_url(self.redis_url) if self.redis_url else None

        def empty() -> None:
            cursor.execute("SELECT nextval('agreements_data_version')")
            if shared is not None:
                shared.flushdb()

        return empty


class RssSampler:
    """The resident memory of each worker of `server` before, and at its largest while this runs
    (read from /proc every 20 ms)."""

    def __init__(self, server: Gunicorn):
        self.server = server
        self.before: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, kb in self.server.worker_rss_kb().items():
                self.peak[pid] = max(self.peak.get(pid, 0), kb)
            self._stop.wait(0.02)

    def __enter__(self) -> RssSampler:
        self.before = self.server.worker_rss_kb()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def largest_growth_kb(self) -> tuple[int, int, int]:
        """The worker that grew most: its memory before, at its peak, and the growth."""
        pid = max(self.before, key=lambda pid: self.peak.get(pid, 0) - self.before[pid])
        return self.before[pid], self.peak.get(pid, 0), self.peak.get(pid, 0) - self.before[pid]


# ---------------------------------------------------------------- forms, as a browser posts them


class FormReader(html.parser.HTMLParser):
    """What a browser would post from the form whose `action` ends with `action` (or, with
    `action=""`, the first form with an `id` ending in `_form`, as the admin's change forms):
    inputs, checked boxes, selected options and text areas; buttons left out."""

    def __init__(self, action: str = ""):
        super().__init__()
        self.action = action
        self.inside = self.done = False
        self.values: dict[str, list[str]] = {}
        self.select: tuple[str, bool] | None = None  # name, multiple
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None

    def wanted(self, attrs: dict) -> bool:
        if self.action:
            return (attrs.get("action") or "").endswith(self.action)
        return (attrs.get("id") or "").endswith("_form")

    def add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            self.inside = self.wanted(attrs)
        if not self.inside or not attrs.get("name") and tag not in ("option",):
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(attrs["name"], attrs.get("value") or "on")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.add(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self.select, self.options = (attrs["name"], "multiple" in attrs), []
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea":
            self.textarea, self.values[attrs["name"]] = attrs["name"], [""]

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            self.values[name] = chosen
            self.select = None
        elif tag == "textarea":
            if self.textarea:
                self.values[self.textarea][-1] = self.values[self.textarea][-1].removeprefix("\n")
            self.textarea = None


def form_values(page: str, action: str = "") -> dict[str, list[str]]:
    reader = FormReader(action)
    reader.feed(page)
    return reader.values


CSRF_SECRET = secrets.token_hex(16)  # 32 characters, as Django's cookie holds


class SignedIn:
    """A signed-in browser over plain HTTP: its session cookie, and a CSRF cookie whose secret it
    posts back as the form's token."""

    def __init__(self, port: int, session: str):
        from django.conf import settings

        self.port = port
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request("GET", path, headers={"Cookie": self.cookie})
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def post(self, path: str, data: dict, *, multipart: bool = False) -> tuple[int, str]:
        from urllib.parse import urlencode

        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

        data = {**data, "csrfmiddlewaretoken": CSRF_SECRET}
        if multipart:
            body, content_type = encode_multipart(BOUNDARY, data), MULTIPART_CONTENT
        else:
            body, content_type = urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request("POST", path, body, {"Content-Type": content_type, "Cookie": self.cookie})
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()
