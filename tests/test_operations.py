"""What production operations rely on (docs/operations.md): the health check and the log."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from django.urls import reverse

from tests.test_security import production_environment


def test_the_health_check_answers_ok_without_signing_in(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_only_reads(client, db):
    assert client.head(reverse("health")).status_code == 200
    assert client.post(reverse("health")).status_code == 405


def test_without_its_database_the_health_check_fails_and_errors_reach_the_log(tmp_path):
    """Production settings and a PostgreSQL server that is not there (nothing listens on port 9)."""
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='tracker.example.org', raise_request_exception=False)\n"
        "health = client.get('/health/', secure=True)\n"
        "assert (health.status_code, health.content) == (503, b'database unavailable\\n'), health\n"
        # A session to look up: signed in or not, the page needs the database.
        "client.cookies['sessionid'] = 'x' * 32\n"
        "page = client.get('/memoranda/', secure=True)\n"
        "assert page.status_code == 500, page.status_code\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=production_environment(tmp_path, DATABASE_URL="postgres://tracker@127.0.0.1:9/tracker"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "ERROR agreements.views: Health check: the database cannot be reached." in result.stderr
    # A server error's traceback is written out, not only e-mailed to ADMINS (there are none).
    assert "ERROR django.request: Internal Server Error: /memoranda/" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "OperationalError" in result.stderr
