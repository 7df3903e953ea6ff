"""No secret is committed: every file git tracks (or would add) is scanned for keys, tokens,
credentials and password hashes. The one key allowed is the marked development default,
which the settings refuse when DEBUG is off."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from django.conf import settings

# Written so that this file does not match itself.
PATTERNS = {
    "a private key": re.compile("-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY" + "( BLOCK)?-----"),
    "a SECRET_KEY value": re.compile(r"""SECRET_KEY["']?\s*[:=]\s*["']([^"'\s]+)["']"""),
    "a key Django generated": re.compile("django" + r"-insecure-\S{20,}"),
    "a password hash": re.compile(r"\b(pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt_sha256|scrypt)\$\S{20,}"),
    "a URL with a password": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"<>]+:(?!<)(?!\$)[^\s/@'\"<>]+@"),
    "an AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a GitHub token": re.compile(r"\b(ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{30,}"),
    "a Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
}
# KEY=value lines of environment files, unit files and shell examples; Python passes keyword arguments so.
ENVIRONMENT_KEY = re.compile(r"^\s*(export\s+|Environment=)?SECRET_KEY=(?![$<])\S")
FORBIDDEN_NAMES = re.compile(r"(^|/)(\.env(\..+)?|id_(rsa|dsa|ecdsa|ed25519)|.+\.(pem|key|p12|pfx|sqlite3|dump))$")
FORBIDDEN_NAME_EXCEPTIONS = {".env.example"}


def tracked_files(root: Path) -> list[str]:
    """Files git tracks plus those it would add (untracked, not ignored)."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listing.stdout.split("\0") if name and (root / name).is_file()]


def secrets_in(root: Path, names: list[str]) -> list[str]:
    found = []
    for name in names:
        if FORBIDDEN_NAMES.search(name) and Path(name).name not in FORBIDDEN_NAME_EXCEPTIONS:
            found.append(f"{name}: a file of a kind that holds secrets or data")
            continue
        content = (root / name).read_bytes()
        if b"\0" in content:  # compiled catalogues, images
            continue
        text = content.decode("utf-8", errors="replace")
        for line_number, line in enumerate(text.splitlines(), start=1):
            for what, pattern in PATTERNS.items():
                match = pattern.search(line)
                if match and not (what == "a SECRET_KEY value" and match.group(1) == settings.DEVELOPMENT_SECRET_KEY):
                    found.append(f"{name}:{line_number}: {what}")
            if not name.endswith(".py") and ENVIRONMENT_KEY.search(line):
                found.append(f"{name}:{line_number}: a SECRET_KEY in an environment file")
        if name.startswith("fixtures/") and name.endswith(".json"):
            found += [f"{name}: {problem}" for problem in accounts_in_fixture(json.loads(text))]
    return found


def accounts_in_fixture(records: list[dict]) -> list[str]:
    return [
        f"record {index} ({record.get('model')}) carries a password or is a user account"
        for index, record in enumerate(records)
        if record.get("model", "").startswith("auth.") or "password" in record.get("fields", {})
    ]


def test_the_repository_holds_no_secrets():
    root = Path(settings.BASE_DIR)
    names = tracked_files(root)
    assert "cooperation/settings.py" in names and any(name.startswith("fixtures/") for name in names)
    assert secrets_in(root, names) == []


def test_the_scan_finds_each_kind_of_secret(tmp_path):
    planted = {
        "deploy/key.txt": "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nAAAA\n",
        "local.py": 'SECRET_KEY = "' + "q" * 50 + '"\n',
        "notes.md": "DATABASE_URL=postgres://tracker:" + "hunter2" + "@db.internal/tracker\n",
        "fixtures/users.json": json.dumps([{"model": "auth.user", "fields": {"username": "a", "password": "x"}}]),
        "dump.json": '"password": "pbkdf2_sha256' + '$870000$abcdefghijklmnopqrstuvwx$hash"\n',
        "prod.env.txt": "SECRET_KEY=" + "django" + "-insecure-" + "z" * 40 + "\n",
        "gunicorn.service": "Environment=DEBUG=false\n" + "Environment=SECRET_KEY=" + "w" * 50 + "\n",
        ".env": "DEBUG=false\n",
    }
    for name, text in planted.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = secrets_in(tmp_path, list(planted))
    assert {line.split(":")[0] for line in found} == set(planted)


def test_the_scan_allows_the_development_key_and_placeholders(tmp_path):
    (tmp_path / "settings.py").write_text("SECRET_KEY = " + json.dumps(settings.DEVELOPMENT_SECRET_KEY) + "\n")
    (tmp_path / "operations.md").write_text(
        "DATABASE_URL=postgres://tracker:<password>@127.0.0.1:5432/tracker\n"
        "DATABASE_URL=postgres://tracker:$DB_PASSWORD@db/tracker\n"
        "SECRET_KEY=$(python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())')\n"
        "SECRET_KEY=<fifty random characters>\n"
    )
    (tmp_path / ".env.example").write_text("SECRET_KEY=\n")
    assert secrets_in(tmp_path, ["settings.py", "operations.md", ".env.example"]) == []
