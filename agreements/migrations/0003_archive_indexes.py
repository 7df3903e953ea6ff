"""Indexes for the filters, sorts and searches of the list pages at archive scale.

Plain B-tree indexes are declared in the models' Meta and work on every database. PostgreSQL
also gets what SQLite cannot build: the pg_trgm extension, GIN trigram indexes that serve the
search's LIKE '%word%' and UPPER(...) LIKE conditions, and "newest first" indexes whose NULLS
LAST matches the lists' default order. Those run inside OnPostgreSQL, which skips them on
other databases and leaves the migration state alone, so `makemigrations` never sees them.

The database cache table that keeps uploaded import files between preview and confirmation
(settings.CACHES["imports"]) is created here too, so `migrate` is all a new server needs.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.core.management import call_command
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Upper

from ._operations import OnPostgreSQL


def trigram(model_name, *fields):
    """GIN trigram indexes: on `search_text` as stored, on other fields as UPPER() (icontains)."""
    indexes = []
    for field in fields:
        name = f"{model_name}_{field}_trgm"
        if field == "search_text":
            index = GinIndex(fields=[field], opclasses=["gin_trgm_ops"], name=name)
        else:
            index = GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
        indexes.append(migrations.AddIndex(model_name, index))
    return indexes


def newest_first(model_name, date):
    """(earliest DESC NULLS LAST, latest DESC, title, id): the lists' default order and the Meta ordering."""
    index = models.Index(
        F(f"{date}_earliest").desc(nulls_last=True),
        F(f"{date}_latest").desc(),
        F("title"),
        F("id"),
        name=f"{model_name}_newest_first",
    )
    return migrations.AddIndex(model_name, index)


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_search_keys_and_sector_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="memorandum",
            index=models.Index(fields=["signed_earliest", "signed_latest", "title", "id"], name="memorandum_oldest_first"),
        ),
        migrations.AddIndex(
            model_name="memorandum",
            index=models.Index(fields=["title", "id"], name="memorandum_by_title"),
        ),
        migrations.AddIndex(
            model_name="memorandum",
            index=models.Index(fields=["kind"], name="memorandum_kind"),
        ),
        migrations.AddIndex(
            model_name="memorandum",
            index=models.Index(fields=["status", "signed_latest"], name="memorandum_status_signed"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["date_earliest", "date_latest", "title", "id"], name="visit_oldest_first"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["title", "id"], name="visit_by_title"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["kind"], name="visit_kind"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["status", "date_latest"], name="visit_status_date"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["due_latest", "title"], name="commitment_due"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["due_earliest", "due_latest", "title", "id"], name="commitment_due_first"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["title", "id"], name="commitment_by_title"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["status", "due_latest"], name="commitment_status_due"),
        ),
        OnPostgreSQL(
            TrigramExtension(),
            newest_first("memorandum", "signed"),
            newest_first("visit", "date"),
            newest_first("commitment", "due"),
            *trigram("memorandum", "search_text", "title", "summary"),
            *trigram("visit", "search_text", "title", "summary", "city"),
            *trigram("commitment", "search_text", "title", "details"),
            *trigram("institution", "search_text", "name"),
            *trigram("institutionname", "name"),
            *trigram("person", "search_text"),
        ),
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
