"""Write the template workbook for imports (the one the import page offers) to a file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from agreements.samples import template_workbook


class Command(BaseCommand):
    help = "Write the template import workbook (default: docs/import-samples/workbook.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="docs/import-samples/workbook.xlsx")

    def handle(self, *args, path: str, **options):
        Path(path).write_bytes(template_workbook())
        self.stdout.write(f"Wrote {path}")
