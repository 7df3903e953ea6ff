"""Load the seed records (fixtures/*.json) without ever undoing what someone did to them since.

Each record is found by its natural key and written through the model's own save(), so date
bounds, search keys and slugs are computed as for any record and the fixtures carry none of them.

- A record that is missing is added, and starts its history with a version "Loaded from the seed
  data" (one revision for the record and its own parts, so that reverting it touches nothing else).
- A record that still holds what the seed last loaded into it is brought up to date with the
  fixture, if the fixture changed.
- A record that was edited since it was loaded, or deleted since, is left alone and named in the
  report: the seed never overwrites an edit. The comparison is with the record's last version
  "Loaded from the seed data", over the fields the fixture sets.
- Loading the same seed again writes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.core.serializers.python import Deserializer
from django.db import models, transaction
from reversion.models import Version

from agreements import history

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
SEED_COMMENT = "Loaded from the seed data"


def owner_of(record: models.Model) -> models.Model:
    """The record whose history holds `record`: its owner for a part (an institution's alternative
    name, a memorandum's signatory), else the record itself."""
    for field in record._meta.concrete_fields:
        if field.many_to_one and field.remote_field.related_name in getattr(field.related_model, "history_parts", ()):
            return getattr(record, field.name)
    return record


def comparable(record: models.Model, names: list[str], links: dict[str, list]) -> dict:
    """The values of fields `names` of `record` in a form that compares equal however they were read;
    many-to-many fields from `links` (name → keys of the linked records)."""
    state = {}
    for name in names:
        field = record._meta.get_field(name)
        if field.many_to_many:
            state[name] = sorted(str(pk) for pk in links.get(name, []))
        else:
            state[name] = field.get_prep_value(field.value_from_object(record))
    return state


def stored_links(record: models.Model, names: list[str]) -> dict[str, list]:
    return {
        name: list(getattr(record, name).values_list("pk", flat=True))
        for name in names
        if record._meta.get_field(name).many_to_many
    }


class Seed:
    def __init__(self):
        self.added: list[models.Model] = []
        self.updated: list[models.Model] = []
        self.unchanged = 0
        self.skipped: list[tuple[str, str]] = []  # (record, why)
        self.owners: dict[type[models.Model], dict[object, models.Model]] = defaultdict(dict)
        self._deleted: dict[type[models.Model], set[tuple]] = {}

    def load_file(self, path: Path) -> None:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"{path.name}: {error}") from error
        waiting = []
        for entry in entries:
            if not self.load(entry, last_try=False):
                waiting.append(entry)
        # Records that name a record later in the files: once more, now that those are in.
        for entry in waiting:
            self.load(entry, last_try=True)

    def load(self, entry: dict, *, last_try: bool) -> bool:
        """Load one fixture entry; False if it names records not in the database yet."""
        fields = entry.get("fields", {})
        label = f"{entry.get('model')} “{fields.get('slug') or fields.get('code') or fields.get('name', '')}”"
        try:
            [loaded] = Deserializer([entry], handle_forward_references=True)
        except (DeserializationError, ObjectDoesNotExist) as error:
            if not last_try:
                return False
            self.skipped.append((label, f"it names a record that is not in the database ({error})"))
            return True
        if loaded.deferred_fields:
            if not last_try:
                return False
            missing = ", ".join(field.name for field in loaded.deferred_fields)
            self.skipped.append((describe(loaded.object), f"its {missing} names a record that is not in the database"))
            return True
        self.apply(loaded, list(entry["fields"]))
        return True

    def apply(self, loaded: DeserializedObject, names: list[str]) -> None:
        record, model = loaded.object, type(loaded.object)
        links = loaded.m2m_data or {}
        if record.pk is None:
            if record.natural_key() in self.deleted_keys(model):
                self.skipped.append((describe(record), "deleted since it was loaded"))
                return
            record.save()
            for name, keys in links.items():
                getattr(record, name).set(keys)
            self.added.append(record)
            self.note_change(record)
            return
        stored = model._default_manager.get(pk=record.pk)
        wanted = comparable(record, names, links)
        now = comparable(stored, names, stored_links(stored, names))
        if now == wanted:
            self.unchanged += 1
            self.owners[type(owner := owner_of(stored))].setdefault(owner.pk, owner)
            return
        last_loaded = self.last_loaded(stored, names)
        if last_loaded is None:
            self.skipped.append((describe(stored), "differs from the seed data, and no load of it is in its history"))
            return
        if now != last_loaded:
            self.skipped.append((describe(stored), "changed since it was loaded"))
            return
        for name in names:
            field = model._meta.get_field(name)
            if field.many_to_many:
                getattr(stored, name).set(links.get(name, []))
            else:
                setattr(stored, field.attname, getattr(record, field.attname))
        stored.save()
        self.updated.append(stored)
        self.note_change(stored)

    def note_change(self, record: models.Model) -> None:
        """Its owner's history gets a new version "Loaded from the seed data" (`save_history`)."""
        owner = owner_of(record)
        self.owners[type(owner)][owner.pk] = owner
        owner.seed_changed = True

    def last_loaded(self, record: models.Model, names: list[str]) -> dict | None:
        """The fields `names` as the seed last loaded them into `record`, or None if it never did."""
        versions = Version.objects.get_for_object(record).filter(revision__comment=SEED_COMMENT)
        latest = versions.first()  # newest first
        if latest is None:
            return None
        loaded = latest._object_version
        return comparable(loaded.object, names, loaded.m2m_data or {})

    def deleted_keys(self, model: type[models.Model]) -> set[tuple]:
        """Natural keys of the records of `model` that were deleted (their last version is kept)."""
        if model not in self._deleted:
            keys = set()
            for version in Version.objects.get_deleted(model):
                try:
                    keys.add(version._object_version.object.natural_key())
                except (ObjectDoesNotExist, DeserializationError):
                    continue  # its owner is gone too: the owner is reported
            self._deleted[model] = keys
        return self._deleted[model]

    def save_history(self) -> int:
        """A first version for every record the seed added, a new one for every record it updated,
        and one for every seeded record that has none yet (loaded before the tracker kept history).
        The number of versions saved."""
        saved = 0
        for model, owners in self.owners.items():
            keys = [str(pk) for pk in owners]
            versioned = set(
                Version.objects.get_for_model(model).filter(object_id__in=keys).values_list("object_id", flat=True)
            )
            due = [
                owner
                for pk, owner in owners.items()
                if getattr(owner, "seed_changed", False) or str(pk) not in versioned
            ]
            saved += history.save_versions_each(due, SEED_COMMENT)
        return saved


def describe(record: models.Model) -> str:
    key = "/".join(str(part) for part in record.natural_key())
    return f"{record._meta.verbose_name} “{key}”"


class Command(BaseCommand):
    help = (
        "Load the seed records from fixtures/ (or the fixture files given): adds what is missing, "
        "updates what nobody changed since it was loaded, and never overwrites an edit."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixtures", nargs="*", help="JSON fixture files (default: fixtures/*.json)")

    def handle(self, *args, fixtures: list[str], **options):
        paths = [Path(name) for name in fixtures] or sorted(FIXTURES_DIR.glob("*.json"))
        if not paths:
            self.stdout.write("No seed fixtures to load.")
            return
        seed = Seed()
        with transaction.atomic():
            for path in paths:
                seed.load_file(path)
            versions = seed.save_history()
        if options["verbosity"] < 1:
            return
        self.stdout.write(
            f"Seed data: {len(seed.added)} added, {len(seed.updated)} updated, {seed.unchanged} already "
            f"up to date; {versions} history versions saved."
        )
        if seed.skipped:
            self.stdout.write(
                self.style.WARNING(f"Left alone {len(seed.skipped)} seed records that were changed since loading:")
            )
            for record, why in seed.skipped:
                self.stdout.write(f"  {record}: {why}")
