"""History (django-reversion): versions saved in bulk, as django-reversion saves them one by one.

Every change made in the admin, every confirmed import and every delete is saved as a
revision: the history page shows who changed what and when and can revert it, and
"Recover deleted" brings a deleted record back. A record's own parts (names in other
languages, a memorandum's signatories and relations) are saved with it; each model declares
which (`@keeps_history` in `agreements.models.base`).

django-reversion saves a version as each record is saved. Where records are written in bulk
(imports, deletes from the list) `save_versions()` writes the same versions in bulk instead.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import router
from django.db.models import Model, Prefetch, prefetch_related_objects
from reversion.models import Revision, Version


def history_prefetches(model: type[Model]) -> list[Prefetch]:
    """What serialising a version of a `model` record reads: its many-to-many links and its
    parts, each part with the records its name is made of (a signatory names its institution).
    Each into a list (`prefetched()`), which is much quicker to fill for thousands of records
    than Django's per-record querysets."""
    lookups = [
        Prefetch(field.name, to_attr=PREFETCHED % field.name)
        for field in model._meta.many_to_many
        if field.remote_field.through._meta.auto_created and field.name not in model.history_exclude
    ]
    for name in model.history_parts:
        relation = model._meta.get_field(name)
        part = relation.related_model
        names_made_of = [
            field.name for field in part._meta.concrete_fields if field.many_to_one and field != relation.field
        ]
        queryset = part._default_manager.select_related(*names_made_of)
        lookups.append(Prefetch(name, queryset=queryset, to_attr=PREFETCHED % name))
    return lookups


PREFETCHED = "versioned_%s"


def prefetched(record: Model, name: str) -> list[Model] | None:
    return getattr(record, PREFETCHED % name, None)


def save_versions(records: list[Model], revision: Revision, batch_size: int = 1000) -> int:
    """Save the state of `records` (all of one model) and their parts as versions in `revision`,
    as django-reversion would on saving them one by one; a few queries per `batch_size` records.
    The number of versions saved."""
    saved = 0
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        if not batch:
            continue
        prefetch_related_objects(batch, *history_prefetches(type(batch[0])))
        parts: dict[tuple[type[Model], object], Model] = {}
        for record in batch:
            parts.setdefault((type(record), record.pk), record)
            for name in type(record).history_parts:
                for part in prefetched(record, name):
                    parts.setdefault((type(part), part.pk), part)
        saved += len(Version.objects.bulk_create(version(part, revision) for part in parts.values()))
    return saved


def versioned_fields(model: type[Model]) -> list[str] | None:
    """The fields a version holds, as django-reversion chooses them: all but `history_exclude`."""
    if not model.history_exclude:
        return None
    return [
        field.name
        for field in model._meta.concrete_fields + model._meta.many_to_many
        if field.name not in model.history_exclude and not field.primary_key
    ]


def version(record: Model, revision: Revision) -> Version:
    return Version(
        revision=revision,
        object_id=str(record.pk),
        content_type=ContentType.objects.get_for_model(record),
        db=router.db_for_write(type(record)),
        format="json",
        serialized_data=PrefetchedLinksSerializer().serialize([record], fields=versioned_fields(type(record))),
        object_repr=str(record),
    )


class PrefetchedLinksSerializer(JSONSerializer):
    """Django's JSON serializer (what django-reversion stores), reading many-to-many links from
    `history_prefetches()`: Django's own builds the query it would run if they were not
    prefetched even when they are (a millisecond a column, more than the rest of the record)."""

    def handle_m2m_field(self, obj, field):
        links = prefetched(obj, field.name)
        if links is not None and field.remote_field.through._meta.auto_created:
            self._current[field.name] = [self._value_from_field(linked, linked._meta.pk) for linked in links]
        else:
            super().handle_m2m_field(obj, field)
