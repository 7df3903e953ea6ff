"""A backup taken as docs/operations.md describes restores every row, history included.

Transactional tests: the data is committed, so pg_dump (another process) sees it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess

import psycopg2
import pytest
import reversion
from django.core.management import call_command
from django.db import connection
from reversion.models import Version

from agreements.admin import save_last_versions
from agreements.models import Commitment, Memorandum

# What docs/operations.md gives for a portable dump: content types and permissions are made
# by `migrate`, so they are left out and referred to by their natural keys.
DUMPDATA_ARGUMENTS = ["--natural-foreign", "--exclude=contenttypes", "--exclude=auth.permission"]


def seed_with_history(django_user_model) -> None:
    """The seed records, an edit saved as a revision, and a deleted commitment kept for recovery."""
    call_command("seed", verbosity=0)
    archivist = django_user_model.objects.create_user("archivist")
    memorandum = Memorandum.objects.order_by("pk").first()
    with reversion.create_revision():
        reversion.set_user(archivist)
        reversion.set_comment("Title corrected.")
        memorandum.title = f"{memorandum.title} (corrected)"
        memorandum.save()
    commitment = Commitment.objects.order_by("pk").last()
    save_last_versions([commitment], archivist)
    commitment.delete()
    assert Version.objects.get_deleted(Commitment).count() == 1


def require_tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install postgresql-client); CI must have them")
    assert not missing, f"{', '.join(missing)} not installed"


# ---------------------------------------------------------------- PostgreSQL: pg_dump and pg_restore


def postgresql_client_environment() -> dict[str, str]:
    database = connection.settings_dict
    given = {
        "PGHOST": database["HOST"],
        "PGPORT": str(database["PORT"] or ""),
        "PGUSER": database["USER"],
        "PGPASSWORD": database["PASSWORD"],
    }
    return {**os.environ, **{name: value for name, value in given.items() if value}}


def postgresql_contents(name: str) -> dict:
    """Every row of every table, each table's definition and each sequence's position."""
    database = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=name,
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
        ) as raw,
        raw.cursor() as cursor,
    ):
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [table for (table,) in cursor.fetchall()]
        contents = {}
        for table in tables:
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t ORDER BY 1')
            contents[table] = [row for (row,) in cursor.fetchall()]
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        )
        contents["constraints"] = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
        contents["indexes"] = cursor.fetchall()
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")
        contents["sequences"] = cursor.fetchall()
    raw.close()
    return contents


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_dump_restores_to_identical_data(tmp_path, django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    require_tools("pg_dump", "pg_restore")
    seed_with_history(django_user_model)
    original = connection.settings_dict["NAME"]
    restored = f"{original}_restored"
    environment = postgresql_client_environment()
    dump = tmp_path / "tracker.dump"

    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", original], env=environment, check=True)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}" TEMPLATE template0')
    try:
        subprocess.run(
            ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={restored}", str(dump)],
            env=environment,
            check=True,
        )
        before, after = postgresql_contents(original), postgresql_contents(restored)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')

    assert len(before["agreements_memorandum"]) == Memorandum.objects.count() > 0
    assert len(before["reversion_version"]) == Version.objects.count() > 0
    assert set(before) == set(after)
    for part in before:
        assert before[part] == after[part], part


# ---------------------------------------------------------------- SQLite: the online backup API


def sqlite_contents(database: sqlite3.Connection) -> dict:
    """Every row of every table (sqlite_sequence too) and the whole schema."""
    schema = database.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    contents = {"schema": schema}
    for kind, name, _table, _sql in schema:
        if kind == "table":
            # Each row as SQL literals: the same text whichever type converters the connection has.
            columns = [column for _cid, column, *_ in database.execute(f'PRAGMA table_info("{name}")')]
            row = " || ',' || ".join(f'quote("{column}")' for column in columns)
            contents[name] = [text for (text,) in database.execute(f'SELECT {row} FROM "{name}" ORDER BY 1')]
    return contents


@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restores_to_identical_data(tmp_path, django_user_model):
    if connection.vendor != "sqlite":
        pytest.skip("needs SQLite: unset DATABASE_URL")
    seed_with_history(django_user_model)
    connection.ensure_connection()
    live = connection.connection
    backup_file, restored_file = tmp_path / "tracker-backup.sqlite3", tmp_path / "db.sqlite3"

    with sqlite3.connect(backup_file) as backup:
        live.backup(backup)
    backup.close()
    with sqlite3.connect(backup_file) as backup, sqlite3.connect(restored_file) as restored:
        backup.backup(restored)
        before, after = sqlite_contents(live), sqlite_contents(restored)
    backup.close()
    restored.close()

    assert len(before["agreements_memorandum"]) == Memorandum.objects.count() > 0
    assert len(before["reversion_version"]) == Version.objects.count() > 0
    assert set(before) == set(after)
    for part in before:
        assert before[part] == after[part], part


# ---------------------------------------------------------------- either database: dumpdata and loaddata


@pytest.mark.django_db(transaction=True)
def test_dumpdata_with_natural_keys_loads_back_to_identical_data(tmp_path, django_user_model):
    seed_with_history(django_user_model)
    dump, dumped_again = tmp_path / "tracker.json", tmp_path / "again.json"
    call_command("dumpdata", *DUMPDATA_ARGUMENTS, output=str(dump), verbosity=0)

    call_command("flush", interactive=False, verbosity=0)
    assert not Memorandum.objects.exists() and not Version.objects.exists()
    call_command("loaddata", str(dump), verbosity=0)
    call_command("dumpdata", *DUMPDATA_ARGUMENTS, output=str(dumped_again), verbosity=0)

    before, after = json.loads(dump.read_text()), json.loads(dumped_again.read_text())
    assert {record["model"] for record in before} >= {"agreements.memorandum", "reversion.version", "auth.user"}
    assert before == after
    # The history still works: the deleted commitment can be recovered.
    [deleted] = Version.objects.get_deleted(Commitment)
    deleted.revision.revert()
    assert Commitment.objects.filter(pk=deleted.object_id).exists()
