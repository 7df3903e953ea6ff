from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = "Load the seed records from fixtures/ (natural keys), through the models' own save."

    def handle(self, *args, **options):
        fixtures = sorted(FIXTURES_DIR.glob("*.json"))
        if not fixtures:
            self.stdout.write("No seed fixtures to load.")
            return
        count = 0
        with transaction.atomic():
            for fixture in fixtures:
                with fixture.open(encoding="utf-8") as stream:
                    for loaded in serializers.deserialize("json", stream):
                        # save() rather than a raw load: dates get their bounds, records their search keys.
                        loaded.object.save()
                        for name, values in loaded.m2m_data.items():
                            getattr(loaded.object, name).set(values)
                        count += 1
        if options["verbosity"]:
            self.stdout.write(f"Loaded {count} seed records.")
