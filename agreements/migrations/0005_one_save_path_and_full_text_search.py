"""The data version that keys the cache, and full-text search on PostgreSQL.

- The `<name>_earliest` / `<name>_latest` columns are now added and filled by their
  FuzzyDateField (agreements.fuzzydates.FuzzyDateBound; 0001 names that class, with no change
  to the tables, so that a model rebuilt from the migrations has each bound once).
- The data version (agreements.caching): on PostgreSQL a sequence, elsewhere a one-row table.
- PostgreSQL: a GIN index on the tsvector of each searchable table's search keys, which the
  search matches (agreements.search.matches); the trigram indexes that served its LIKE
  conditions on the large tables go, since nothing reads them any more and each one slowed
  every insert.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from ._operations import OnPostgreSQL


def create_data_version(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS agreements_data_version")
        schema_editor.execute("SELECT nextval('agreements_data_version')")
    else:
        schema_editor.execute("CREATE TABLE agreements_data_version (number integer NOT NULL)")
        schema_editor.execute("INSERT INTO agreements_data_version (number) VALUES (1)")


def drop_data_version(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS agreements_data_version")
    else:
        schema_editor.execute("DROP TABLE IF EXISTS agreements_data_version")


SEARCHABLE = ["memorandum", "visit", "commitment", "institution", "person"]
UNUSED_TRIGRAM_INDEXES = [
    *(f"memorandum_{field}_trgm" for field in ("search_text", "title", "summary")),
    *(f"visit_{field}_trgm" for field in ("search_text", "title", "summary", "city")),
    *(f"commitment_{field}_trgm" for field in ("search_text", "title", "details")),
]


def full_text_index(model_name):
    index = GinIndex(SearchVector("search_text", config="simple"), name=f"{model_name}_search")
    return migrations.AddIndex(model_name, index)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0004_roles"),
    ]

    operations = [
        migrations.RunPython(create_data_version, drop_data_version),
        OnPostgreSQL(
            migrations.RunSQL(
                [f"DROP INDEX IF EXISTS {name}" for name in UNUSED_TRIGRAM_INDEXES], migrations.RunSQL.noop
            ),
            *(full_text_index(model_name) for model_name in SEARCHABLE),
        ),
    ]
