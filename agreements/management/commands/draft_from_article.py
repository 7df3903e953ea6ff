"""Draft records from a news article, as the admin's "Draft from an article" page does, and print
the proposal (as JSON with --json). Writes nothing."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.drafting import DraftInputError, draft
from agreements.drafting.reading import read_bytes
from agreements.drafting.text import LANGUAGES


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--published must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Propose the source, countries, institutions, people, visits, memoranda and commitments an article reports."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the article: .txt, .html, .docx or .pdf")
        parser.add_argument("--language", choices=LANGUAGES, help="the article's language (detected if not given)")
        parser.add_argument("--published", type=iso_date, help="the article's date, YYYY-MM-DD")
        parser.add_argument("--publisher", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--json", action="store_true", help="print the proposal as JSON")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            text, title = read_bytes(path.name, data)
            proposal = draft(
                text,
                language=options["language"],
                published=options["published"],
                title=title,
                publisher=options["publisher"],
                url=options["url"],
                reference=path.name,
            )
        except DraftInputError as error:
            raise CommandError(str(error)) from None
        result = proposal.as_json()
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{result['source']['title']} ({result['language']}, {result['source']['published'] or '—'})")
        self.stdout.write("Countries: " + ", ".join(result["countries"]))
        for key in ("institutions", "people"):
            for item in result[key]:
                found = f"matches {item['match']} ({item['score']})" if item["match"] else "new"
                self.stdout.write(
                    f"  {key[:-1] if key == 'institutions' else 'person'}: {item['name']} [{item['country']}] — {found}"
                )
        for visit in result["visits"]:
            self.stdout.write(
                f"  visit {visit['id']}: {visit['kind']}, {visit['guest']} in {visit['host']}, "
                f"{visit['city'] or '—'}, {visit['date'] or '—'}"
            )
        for memorandum in result["memoranda"]:
            self.stdout.write(
                f"  memorandum {memorandum['id']}: {memorandum['kind']}, {'–'.join(memorandum['countries'])}, "
                f"{memorandum['signed'] or '—'}, during {memorandum['visit'] or '—'}"
            )
        for commitment in result["commitments"]:
            self.stdout.write(
                f"  commitment ({commitment['origin']}, due {commitment['due'] or '—'}): {commitment['text']}"
            )
