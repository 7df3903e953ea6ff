"""History (django-reversion): which records keep versions, with which of their parts.

Every change made in the admin, every confirmed import and every delete is saved as a
revision: the history page shows who changed what and when and can revert it, and
"Recover deleted" brings a deleted record back. A record's own parts (names in other
languages, a memorandum's signatories and relations) are saved with it.

django-reversion saves a version as each record is saved. Where records are written in bulk
(imports, deletes from the list) `save_versions()` writes the same versions in bulk instead.
"""

from __future__ import annotations

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import router
from django.db.models import Model, Prefetch, prefetch_related_objects
from reversion.models import Revision, Version

from . import models

HISTORY = {
    models.Country: (),
    models.Sector: (),
    models.Source: (),
    models.Institution: ("alternative_names",),
    models.InstitutionName: (),
    models.Person: ("alternative_names",),
    models.PersonName: (),
    models.Visit: (),
    models.Memorandum: ("signatories", "outgoing_relations"),
    models.Signatory: (),
    models.MemorandumRelation: (),
    models.Commitment: (),
}
for model, follow in HISTORY.items():
    if not reversion.is_registered(model):
        reversion.register(model, follow=follow)


def history_prefetches(model: type[Model]) -> list:
    """What serialising a version of a `model` record reads: its many-to-many links and its
    parts, each part with the records its name is made of (a signatory names its institution)."""
    lookups: list = [field.name for field in model._meta.many_to_many if field.remote_field.through._meta.auto_created]
    for name in HISTORY.get(model, ()):
        part = model._meta.get_field(name).related_model
        names_made_of = [field.name for field in part._meta.concrete_fields if field.many_to_one]
        lookups.append(Prefetch(name, queryset=part._default_manager.select_related(*names_made_of)))
    return lookups


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
            for name in HISTORY.get(type(record), ()):
                for part in getattr(record, name).all():
                    parts.setdefault((type(part), part.pk), part)
        saved += len(Version.objects.bulk_create(version(part, revision) for part in parts.values()))
    return saved


def version(record: Model, revision: Revision) -> Version:
    return Version(
        revision=revision,
        object_id=str(record.pk),
        content_type=ContentType.objects.get_for_model(record),
        db=router.db_for_write(type(record)),
        format="json",
        serialized_data=serializers.serialize("json", [record]),
        object_repr=str(record),
    )
