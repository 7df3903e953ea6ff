"""Migrations 0003 and 0005: plain indexes everywhere; "newest first" and full-text indexes, and the
trigram extension, on PostgreSQL only."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState

from agreements.models import Memorandum
from tests import factories

archive_indexes = importlib.import_module("agreements.migrations.0003_archive_indexes")
POSTGRES_ONLY = ["memorandum_search", "memorandum_newest_first"]


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@pytest.mark.django_db
def test_the_plain_indexes_exist_on_every_database():
    assert {"memorandum_oldest_first", "memorandum_by_title", "memorandum_status_signed"} <= index_names(
        "agreements_memorandum"
    )


@pytest.mark.django_db
def test_full_text_and_newest_first_indexes_exist_on_postgresql_only():
    present = set(POSTGRES_ONLY) & index_names("agreements_memorandum")
    if connection.vendor == "postgresql":
        assert present == set(POSTGRES_ONLY)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchone()
    else:
        assert not present


class RecordingSchemaEditor:
    """Stands in for a database's schema editor and records what an operation asks of it."""

    def __init__(self, vendor: str):
        self.connection = type("Connection", (), {"vendor": vendor, "alias": "default"})()
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append(name)


@pytest.mark.parametrize("vendor", ["sqlite", "mysql"])
def test_the_postgresql_operations_do_nothing_elsewhere(vendor):
    operation = next(op for op in archive_indexes.Migration.operations if isinstance(op, archive_indexes.OnPostgreSQL))
    editor = RecordingSchemaEditor(vendor)
    state = ProjectState()
    operation.database_forwards("agreements", editor, state, state)
    operation.database_backwards("agreements", editor, state, state)
    assert editor.calls == []
    operation.state_forwards("agreements", state)  # and leaves the models' state alone
    assert not state.models


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_on_postgresql_the_indexes_can_be_dropped_and_built_again():
    from django.db.migrations.loader import MigrationLoader

    operation = next(op for op in archive_indexes.Migration.operations if isinstance(op, archive_indexes.OnPostgreSQL))
    state = MigrationLoader(connection).project_state(("agreements", "0003_archive_indexes"))
    with connection.schema_editor() as editor:
        operation.database_backwards("agreements", editor, state, state)
    assert "memorandum_newest_first" not in index_names("agreements_memorandum")
    with connection.schema_editor() as editor:
        operation.database_forwards("agreements", editor, state, state)
    assert "memorandum_newest_first" in index_names("agreements_memorandum")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_on_postgresql_the_search_is_served_by_the_full_text_index(memorandum):
    factories.MemorandumFactory.create_batch(5)
    with connection.cursor() as cursor:
        # A table this small would be read whole, or in the order of another index, otherwise.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = Memorandum.objects.search("cancer centres").order_by().query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "memorandum_search" in plan


@pytest.mark.django_db
def test_the_search_finds_the_same_records_through_the_indexes(memorandum):
    other = factories.MemorandumFactory(title="Меморандум о сотрудничестве в онкологии")
    assert list(Memorandum.objects.search("Cancer centres")) == [memorandum]
    assert list(Memorandum.objects.search("онкологии")) == [other]
    assert list(Memorandum.objects.search("onkologii")) == [other]
