"""History (django-reversion): versions saved in bulk, as django-reversion saves them one by one.

Every change made in the admin, every confirmed import and every delete is saved as a
revision: the history page shows who changed what and when and can revert it, and
"Recover deleted" brings a deleted record back. A record's own parts (names in other
languages, a memorandum's signatories and relations) are saved with it; each model declares
which (`@keeps_history` in `agreements.models.base`).

django-reversion saves a version as each record is saved. Where records are written in bulk
(imports, deletes from the list) `save_versions()` writes the same versions in bulk instead, and
`save_versions_each()` gives records written outside the admin (the seed data, generated demo
data) a first version each.

Reverting is per record: `restore()` puts back one record and its own parts as a revision saved
them, never the other records of that revision (an import of thousands of rows is one revision).
Going back on a whole revision is `RevisionRevert`, which first lists what it would change and
refuses while any of those records was edited since.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import connections, router
from django.db.models import Max, Model, Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from reversion.models import Revision, Version

from .caching import data_changed

BATCH = 500


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
    return sum(versions_of(batch, lambda record: revision) for batch in batches(records, batch_size))


def save_versions_each(records: list[Model], comment: str, batch_size: int = 1000) -> int:
    """Save the state of `records` (all of one model) as versions, each record with its parts in a
    revision of its own with `comment`, so that reverting one record touches no other. For records
    written without django-reversion watching (the seed data, generated demo data), whose first
    version this is. The number of versions saved."""
    saved = 0
    for batch in batches(records, batch_size):
        now = timezone.now()
        revisions = Revision.objects.bulk_create(Revision(date_created=now, comment=comment) for _ in batch)
        revision_of = {record.pk: revision for record, revision in zip(batch, revisions, strict=True)}
        saved += versions_of(batch, lambda record, revision_of=revision_of: revision_of[record.pk])
    return saved


def versions_of(batch: list[Model], revision_of) -> int:
    """Save the versions of `batch` and their parts, each part in its record's revision (`revision_of`)."""
    prefetch_related_objects(batch, *history_prefetches(type(batch[0])))
    revisions: dict[tuple[type[Model], object], tuple[Model, Revision]] = {}
    for record in batch:
        revision = revision_of(record)
        revisions.setdefault((type(record), record.pk), (record, revision))
        for name in type(record).history_parts:
            for part in prefetched(record, name):
                revisions.setdefault((type(part), part.pk), (part, revision))
    records = [record for record, _ in revisions.values()]
    versions = (
        version(record, revision, data)
        for (record, revision), data in zip(revisions.values(), serialized(records), strict=True)
    )
    return len(Version.objects.bulk_create(versions))


def version(record: Model, revision: Revision, serialized_data: str) -> Version:
    return Version(
        revision=revision,
        object_id=str(record.pk),
        content_type=ContentType.objects.get_for_model(record),
        db=router.db_for_write(type(record)),
        format="json",
        serialized_data=serialized_data,
        object_repr=str(record),
    )


def serialized(records: list[Model]) -> list[str]:
    """Each record as django-reversion stores it: Django's JSON serialisation of a list of that one
    record. Read in one pass and encoded with the json module's C encoder; Django's JSON serializer
    streams through the pure-Python one, which took most of the time for a large import."""
    encoded = []
    for record, data in zip(records, PrefetchedLinksSerializer().serialize(records), strict=True):
        if exclude := type(record).history_exclude:  # left out of versions, as django-reversion does
            data["fields"] = {name: value for name, value in data["fields"].items() if name not in exclude}
        encoded.append(json.dumps([data], cls=DjangoJSONEncoder, ensure_ascii=False))
    return encoded


class PrefetchedLinksSerializer(PythonSerializer):
    """Django's serializer (what django-reversion stores), reading many-to-many links from
    `history_prefetches()`: Django's own builds the query it would run if they were not
    prefetched even when they are (a millisecond a column, more than the rest of the record)."""

    def handle_m2m_field(self, obj, field):
        links = prefetched(obj, field.name)
        if links is not None and field.remote_field.through._meta.auto_created:
            self._current[field.name] = [self._value_from_field(linked, linked._meta.pk) for linked in links]
        else:
            super().handle_m2m_field(obj, field)


def batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def decoded(serialized_data: str, model: type[Model]) -> dict:
    """The fields of one serialized record, its many-to-many links sorted (a version lists them
    in whatever order they were read)."""
    fields = json.loads(serialized_data)[0]["fields"]
    for field in model._meta.many_to_many:
        if isinstance(fields.get(field.name), list):
            fields[field.name] = sorted(fields[field.name], key=str)
    return fields


def part_relations(model: type[Model]) -> Iterator[tuple[str, type[Model], str]]:
    """Each declared part of `model` records (`@keeps_history`): its name, its model and the name
    of its foreign key to the record."""
    for name in model.history_parts:
        relation = model._meta.get_field(name)
        yield name, relation.related_model, relation.field.name


def serialized_fields(model: type[Model]) -> list:
    """The fields a version stores of a `model` record, as Django's serializer picks them."""
    return [field for field in model._meta.local_fields if field.serialize and not field.primary_key]


def rows_as_fields(model: type[Model], queryset) -> dict[str, dict]:
    """Each row of `queryset` (records of `model`) as the `fields` of its version, decoded, keyed
    by id as text: what Django's JSON serializer writes, read with `values()` rather than by
    serializing records one by one (many times quicker for thousands of records)."""
    fields = serialized_fields(model)
    rows = queryset.order_by().values("pk", *(field.attname for field in fields))
    found = {str(row["pk"]): {field.name: row[field.attname] for field in fields} for row in rows}
    return json.loads(json.dumps(found, cls=DjangoJSONEncoder))


def current_states(model: type[Model], pks: Iterable) -> dict[str, dict]:
    """The state stored now of each `model` record among `pks` and of its parts, keyed by the
    record's id as text (as versions name it), in the form `stored_states()` reads from versions;
    a record that no longer exists is missing. A few queries per batch."""
    states = {}
    for batch in batches(list(pks)):
        records = rows_as_fields(model, model._base_manager.filter(pk__in=batch))
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue  # a part (signatories), or not stored with the record
            own = through._meta.get_field(field.m2m_field_name()).attname
            other = through._meta.get_field(field.m2m_reverse_field_name()).attname
            links = defaultdict(list)
            for record, linked in through._default_manager.filter(**{f"{own}__in": batch}).values_list(own, other):
                links[str(record)].append(linked)
            for record, values in records.items():
                values[field.name] = sorted(links.get(record, []), key=str)
        parts = {record: {name: {} for name, _part, _owner in part_relations(model)} for record in records}
        for name, part_model, owner_field in part_relations(model):
            owner_attname = part_model._meta.get_field(owner_field).attname
            rows = rows_as_fields(part_model, part_model._base_manager.filter(**{f"{owner_attname}__in": batch}))
            for pk, values in rows.items():
                parts[str(values[owner_field])][name][pk] = values
        states.update((record, {"fields": values, "parts": parts[record]}) for record, values in records.items())
    return states


# A revision holding more of the records asked for than this is read whole, once; for fewer, each
# record's parts are picked out by a text match on the owner's id, without reading the rest.
PICK_OUT = 20


def part_versions(model: type[Model], versions: list[Version]) -> dict[tuple[int, str], dict[str, list[Version]]]:
    """The versions of the parts saved with each of `versions` (records of `model`), in the same
    revision: {(revision id, record id): {part name: [versions]}}. Reads the parts of these
    records only, however large their revisions: a few queries per batch of records."""
    found: dict[tuple[int, str], dict[str, list[Version]]] = defaultdict(lambda: defaultdict(list))
    owners_by_revision = defaultdict(set)
    for version in versions:
        owners_by_revision[version.revision_id].add(version.object_id)
    whole = [revision for revision, owners in owners_by_revision.items() if len(owners) > PICK_OUT]
    few = [revision for revision, owners in owners_by_revision.items() if len(owners) <= PICK_OUT]
    for name, part_model, owner_field in part_relations(model):
        part_history = Version.objects.get_for_model(part_model)
        queries = [part_history.filter(revision_id=revision) for revision in whole]
        for batch in batches(few, PICK_OUT):
            # As Django's serializer writes a foreign key: `"memorandum": 12,`, or `}` when last.
            patterns = [
                f'"{owner_field}": {owner}{end}'
                for revision in batch
                for owner in owners_by_revision[revision]
                for end in (",", "}")
            ]
            named = functools.reduce(operator.or_, (Q(serialized_data__contains=pattern) for pattern in patterns))
            queries.append(part_history.filter(named, revision_id__in=batch))
        for query in queries:
            for part in query.iterator(chunk_size=2000):
                owner = str(json.loads(part.serialized_data)[0]["fields"][owner_field])
                if owner in owners_by_revision[part.revision_id]:
                    found[(part.revision_id, owner)][name].append(part)
    return found


def stored_states(model: type[Model], versions: list[Version]) -> dict[str, dict]:
    """The state each of `versions` saved of its record and parts, keyed by the record's id."""
    parts = part_versions(model, versions)
    states = {}
    for version in versions:
        saved_parts = parts.get((version.revision_id, version.object_id), {})
        states[version.object_id] = {
            "fields": decoded(version.serialized_data, model),
            "parts": {
                name: {part.object_id: decoded(part.serialized_data, part_model) for part in saved_parts.get(name, [])}
                for name, part_model, _owner in part_relations(model)
            },
        }
    return states


def fingerprint(state: dict | None) -> str | None:
    """A short digest of a state, to compare it later without keeping it whole."""
    if state is None:
        return None
    text = json.dumps(state, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# ---------------------------------------------------------------- reverting


def restore(versions: list[Version]) -> None:
    """Put the record of each of `versions` back as its revision saved it, with its own parts:
    parts the revision held are restored (recreated if deleted since), parts added since are
    deleted. Nothing else of the revision is touched. A deleted record is recreated.

    Writes in a few statements per batch, without the per-record signals, then keys the records'
    search words again; the cached figures are made stale once. A record that now refers to
    something deleted since, or whose slug another record took since, raises IntegrityError
    here, before the transaction commits.
    """
    if not versions:
        return
    model = versions[0]._model
    parts = part_versions(model, versions)
    touched = {model}
    for batch in batches(versions):
        deserialized = [version._object_version for version in batch]
        records = [item.object for item in deserialized]
        pks = [record.pk for record in records]
        restored_parts = []
        for name, part_model, owner_field in part_relations(model):
            kept = [
                part._object_version.object
                for version in batch
                for part in parts.get((version.revision_id, version.object_id), {}).get(name, [])
            ]
            # Parts added since first: an alternative name's delete re-keys its owner, which is restored next.
            part_model._base_manager.filter(**{f"{owner_field}__in": pks}).exclude(
                pk__in=[part.pk for part in kept]
            ).delete()
            restored_parts.append((part_model, kept))
            touched.add(part_model)
        upsert(model, records)
        for part_model, kept in restored_parts:
            upsert(part_model, kept)
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue  # a part (signatories): restored above
            links = {item.object.pk: item.m2m_data[field.name] for item in deserialized if field.name in item.m2m_data}
            own = through._meta.get_field(field.m2m_field_name()).attname
            other = through._meta.get_field(field.m2m_reverse_field_name()).attname
            through._default_manager.filter(**{f"{own}__in": list(links)}).delete()
            through._default_manager.bulk_create(
                through(**{own: pk, other: linked}) for pk, linked_pks in links.items() for linked in linked_pks
            )
            touched.add(through)
    connection = connections[router.db_for_write(model)]
    connection.check_constraints(table_names=[touched_model._meta.db_table for touched_model in touched])
    # The keys hold the names of linked records, which may have changed since the version was saved.
    if hasattr(model, "search_text"):
        for batch in batches([version.object_id for version in versions]):
            model.store_search_keys(list(model._default_manager.filter(pk__in=batch)))
    data_changed()


def upsert(model: type[Model], records: list[Model]) -> None:
    """Write `records` with their ids: update those that exist, insert the others."""
    if not records:
        return
    fields = [field.name for field in model._meta.concrete_fields if not field.primary_key]
    model._base_manager.bulk_create(
        records, update_conflicts=True, unique_fields=[model._meta.pk.name], update_fields=fields
    )


@dataclass
class RevertStep:
    """What reverting a revision does to one record of it."""

    version: Version  # the record as the revision saved it
    earlier: Version | None  # the record as it was before the revision; None if the revision added it
    added: bool  # the revision added the record (the import created it)
    edited_by: Revision | None  # a later revision that changed the record: it was edited since
    changed: bool  # the record is stored now otherwise than the revision left it (or deleted)

    @property
    def refusal(self) -> str:
        """Why this record stops the revert ("" if nothing does)."""
        if self.edited_by is not None:
            return "edited"
        if self.changed:
            return "changed"
        if self.earlier is None and not self.added:
            return "no-earlier"
        return ""


class RevisionRevert:
    """Going back on a whole revision (an import) for the records of one model: each record is
    put back as it was before it, and each record the revision added is deleted. Refused while
    any of those records was edited since, or has no earlier state to go back to.

    Reads a few queries per batch of records, whatever the size of the revision.
    """

    def __init__(self, revision: Revision, model: type[Model]):
        self.revision = revision
        self.model = model

    @cached_property
    def steps(self) -> list[RevertStep]:
        return list(self.plan())

    def versions(self) -> list[Version]:
        return list(
            Version.objects.get_for_model(self.model).filter(revision=self.revision).order_by("object_id", "pk")
        )

    def plan(self) -> Iterator[RevertStep]:
        content_type = ContentType.objects.get_for_model(self.model)
        versions = self.versions()
        then = stored_states(self.model, versions)  # the revision's parts read once, not per batch
        for batch in batches(versions):
            ids = [version.object_id for version in batch]
            others = (
                Version.objects.get_for_model(self.model)
                .filter(object_id__in=ids)
                .exclude(revision=self.revision)
                .values("object_id")
                .annotate(latest=Max("pk"))
            )
            latest = {row["object_id"]: row["latest"] for row in others}
            own = {version.object_id: version.pk for version in batch}
            later_pks = [pk for object_id, pk in latest.items() if pk > own[object_id]]
            earlier_pks = [pk for object_id, pk in latest.items() if pk < own[object_id]]
            later = {
                version.object_id: version.revision
                for version in Version.objects.filter(pk__in=later_pks).select_related("revision__user")
            }
            earlier = {
                version.object_id: version
                for version in Version.objects.filter(pk__in=earlier_pks).select_related("revision")
            }
            added = set(
                LogEntry.objects.filter(
                    content_type=content_type,
                    object_id__in=[object_id for object_id in ids if object_id not in earlier],
                    action_flag=ADDITION,
                    action_time__gte=self.revision.date_created,
                ).values_list("object_id", flat=True)
            )
            now = current_states(self.model, [self.model._meta.pk.to_python(object_id) for object_id in ids])
            for version in batch:
                yield RevertStep(
                    version=version,
                    earlier=earlier.get(version.object_id),
                    added=version.object_id in added,
                    edited_by=later.get(version.object_id),
                    changed=now.get(version.object_id) != then[version.object_id],
                )

    @property
    def refused(self) -> list[RevertStep]:
        return [step for step in self.steps if step.refusal]

    @property
    def restored(self) -> list[RevertStep]:
        return [step for step in self.steps if step.earlier is not None]

    @property
    def deleted(self) -> list[RevertStep]:
        return [step for step in self.steps if step.earlier is None and step.added]

    def apply(self, revision: Revision) -> None:
        """Revert, saving the records' new states as versions in `revision`. Call only when
        nothing is refused, inside a transaction that locked the records first
        (`lock_records()`); a deleted record keeps its last version, so it can be recovered."""
        if self.refused:
            raise ValueError("A revision with refused records cannot be reverted.")
        restore([step.earlier for step in self.restored])
        for batch in batches([step.version.object_id for step in self.restored]):
            save_versions(list(self.model._default_manager.filter(pk__in=batch)), revision)
        for batch in batches([step.version.object_id for step in self.deleted]):
            save_versions(list(self.model._default_manager.filter(pk__in=batch)), revision)
            self.model._default_manager.filter(pk__in=batch).delete()
        data_changed()

    def lock_records(self) -> None:
        """Lock the revision's records until the transaction ends (PostgreSQL: SELECT … FOR UPDATE),
        so that nobody edits them between the check and the revert."""
        ids = [version.object_id for version in self.versions()]
        for batch in batches(ids):
            list(self.model._default_manager.select_for_update().filter(pk__in=batch).values_list("pk", flat=True))
