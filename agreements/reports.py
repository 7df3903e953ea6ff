"""Reports for people: a filtered list as a spreadsheet a reader can hand on.

Beside the import-format exports (`export.csv`, which import back unchanged), a report is worded
in the reader's language: headings in words, countries, institutions, people and sectors by
name, dates in words with their earliest and latest possible days as sortable dates, computed
columns (dormant, overdue, what led to a record, what kept it), and a description of what was
filtered, when and by whom. Nothing in it is a slug or a code.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, get_language_bidi, get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .bidi import isolate
from .formats import Echo, neutralise
from .fuzzydates import describe
from .models import Commitment, Institution, Memorandum, Visit


@dataclass(frozen=True)
class Column:
    """One column of a report: its heading, and its cell for a record (text, a number, a date or None)."""

    heading: str
    cell: Callable[[models.Model], object]
    wide: bool = False  # long text, wrapped in a wide column


def yes_no(value: bool | None) -> str:
    if value is None:
        return _("not known")
    return _("yes") if value else _("no")


def listed(items: Iterable[object]) -> str:
    """Several names in one cell; in a right-to-left report each is isolated, so that an English
    name between Arabic ones keeps its place."""
    texts = [str(item) for item in items if str(item)]
    if get_language_bidi() and len(texts) > 1:
        texts = [isolate(text) for text in texts]
    return "; ".join(texts)


def named(record) -> str:
    """A country, institution, person or sector by its name in the active language."""
    if record is None:
        return ""
    return getattr(record, "display_name", None) or str(record)


def with_title(person) -> str:
    """A person by name, with their title or role, both in the active language: "Aleksandr
    Khodzhayev (Minister of Health of Belarus)". In a right-to-left report each part is isolated,
    so that an English name or an untranslated title keeps its own order."""
    if person is None:
        return ""
    name, title = named(person), person.localized("title")
    if not title:
        return name
    if get_language_bidi():
        name, title = isolate(name), isolate(title)
    return f"{name} ({title})"


def with_origin(commitment: Commitment) -> str:
    """A commitment, with where it was made: "Link the cancer centres (Business forum)"."""
    return f"{commitment} ({commitment.origin})"


def sources(record) -> str:
    return listed(source.citation for source in record.sources.all())


def date_columns(heading: str, field: str, words: Callable[[models.Model], str]) -> list[Column]:
    """A fuzzy date in words, and its earliest and latest possible days as dates to sort by."""
    return [
        Column(heading, words),
        Column(_("%(date)s: earliest possible day") % {"date": heading}, lambda r: getattr(r, f"{field}_earliest")),
        Column(_("%(date)s: latest possible day") % {"date": heading}, lambda r: getattr(r, f"{field}_latest")),
    ]


def memorandum_columns() -> list[Column]:
    return [
        Column(_("Title"), str, wide=True),
        Column(_("Kind"), lambda m: m.get_kind_display()),
        Column(_("Status"), lambda m: m.get_status_display()),
        Column(_("First country"), lambda m: named(m.country_a)),
        Column(_("Second country"), lambda m: named(m.country_b)),
        Column(_("Signatory institutions"), lambda m: listed(named(s.institution) for s in m.signatories.all()), True),
        Column(_("Signed by"), lambda m: listed(with_title(s.person) for s in m.signatories.all()), True),
        *date_columns(_("Signed"), "signed", lambda m: m.signed_in_words),
        Column(_("Signed at"), lambda m: m.signed_at),
        Column(_("Signed during visit"), lambda m: str(m.visit or ""), True),
        Column(_("Valid until"), lambda m: m.valid_until_in_words),
        Column(_("Legally binding"), lambda m: yes_no(m.legally_binding)),
        Column(_("Sectors"), lambda m: listed(m.sectors.all())),
        Column(_("Dormant"), lambda m: yes_no(m.is_dormant)),
        Column(_("Commitments made"), lambda m: m.commitments_made),
        Column(_("Commitments kept"), lambda m: m.commitments_kept),
        Column(_("Commitments open"), lambda m: m.commitments_open),
        Column(_("Overdue commitments"), lambda m: yes_no(m.has_overdue)),
        Column(_("What led to it"), lambda m: listed(map(with_origin, m.fulfilled_commitments.all())), True),
        Column(_("Summary"), lambda m: m.localized("summary"), True),
        Column(_("Sources"), sources, True),
    ]


def visit_columns() -> list[Column]:
    return [
        Column(_("Title"), str, wide=True),
        Column(_("Kind"), lambda v: v.get_kind_display()),
        Column(_("Status"), lambda v: v.get_status_display()),
        Column(_("Host country"), lambda v: named(v.host_country)),
        Column(_("Guest country"), lambda v: named(v.guest_country)),
        Column(_("City"), lambda v: v.cities_in_words),
        *date_columns(_("Date"), "date", lambda v: v.date_in_words),
        Column(_("Delegation leader"), lambda v: with_title(v.leader), True),
        Column(_("Members of the delegation"), lambda v: listed(map(with_title, v.participants.all())), True),
        Column(_("Hosts and people met"), lambda v: listed(map(with_title, v.people_met.all())), True),
        Column(_("Institutions"), lambda v: listed(map(named, v.institutions.all())), True),
        Column(_("Sectors"), lambda v: listed(v.sectors.all())),
        Column(_("Memoranda signed"), lambda v: listed(v.memoranda.all()), True),
        Column(_("Commitments made"), lambda v: v.commitment_count),
        Column(_("Commitments kept"), lambda v: v.commitments_kept),
        Column(_("Commitments open"), lambda v: v.commitments_open),
        Column(_("Overdue commitments"), lambda v: yes_no(v.has_overdue)),
        Column(_("What led to it"), lambda v: listed(map(with_origin, v.fulfilled_commitments.all())), True),
        Column(_("Summary"), lambda v: v.localized("summary"), True),
        Column(_("Sources"), sources, True),
    ]


def commitment_columns(today: datetime.date) -> list[Column]:
    return [
        Column(_("What was promised"), str, wide=True),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("Made at"), lambda c: str(c.origin), True),
        Column(_("Countries"), lambda c: listed(map(named, c.origin_countries()))),
        *date_columns(_("Due"), "due", lambda c: c.due_in_words),
        Column(_("Overdue"), lambda c: yes_no(c.is_overdue(today))),
        Column(_("Fulfilled by"), lambda c: str(c.fulfilled_by or ""), True),
        Column(_("Responsible countries"), lambda c: listed(map(named, c.responsible_countries.all()))),
        Column(_("Responsible institutions"), lambda c: listed(map(named, c.responsible_institutions.all())), True),
        Column(_("Sectors"), lambda c: listed(c.sectors.all())),
        Column(_("Details"), lambda c: c.localized("details"), True),
        Column(_("Sources"), sources, True),
    ]


@dataclass(frozen=True)
class ReportKind:
    """What a report of one list holds: its name, file name and columns."""

    name: Callable[[], str]
    basename: str
    columns: Callable[[datetime.date], list[Column]]


REPORTS = {
    Memorandum: ReportKind(lambda: _("Memoranda"), "memoranda", lambda today: memorandum_columns()),
    Visit: ReportKind(lambda: _("Visits"), "visits", lambda today: visit_columns()),
    Commitment: ReportKind(lambda: _("Commitments"), "commitments", commitment_columns),
}

NO_FILTERS = gettext_lazy("none: every record")


class Report:
    """The report of a valid, filtered list, made by `user` at `made`, in the active language."""

    def __init__(self, filterset, user, made: datetime.datetime | None = None):
        self.filterset = filterset
        self.kind = REPORTS[filterset._meta.model]
        self.made = made or timezone.now()
        self.today = timezone.localdate(self.made)
        self.user = user
        self.columns = self.kind.columns(self.today)

    @property
    def records(self) -> models.QuerySet:
        return self.filterset.qs.for_report(self.today)

    def count(self, records) -> int:
        return records.count()

    def each(self, records, chunk_size: int) -> Iterator[models.Model]:
        return records.iterator(chunk_size=chunk_size)

    def headings(self) -> list[str]:
        return [column.heading for column in self.columns]

    def rows(self, records: Iterable[models.Model]) -> Iterator[list[object]]:
        for record in records:
            yield [column.cell(record) for column in self.columns]

    # ------------------------------------------------------------ what was filtered, when, by whom

    def filters_in_words(self) -> list[str]:
        """Each filter applied, "Country: Oman", in the order of the list's form."""
        form, described = self.filterset.form, []
        for name, value in form.cleaned_data.items():
            if name == "sort" or value in (None, "", [], False):
                continue
            label = str(self.filterset.filters[name].label)
            described.append(f"{label}: {self.value_in_words(name, value)}" if value is not True else label)
        return described

    def value_in_words(self, name: str, value) -> str:
        field = self.filterset.form.fields[name]
        if isinstance(value, list) and name == "institution":
            institutions = Institution.objects.filter(slug__in=[item for item, _pks in value]).prefetch_related(
                "alternative_names"
            )
            by_slug = {institution.slug: institution.display_name for institution in institutions}
            return listed(by_slug.get(item, f"“{item}”") for item, _pks in value)
        if isinstance(value, list):
            labels = {str(key): str(label).strip("\u2003") for key, label in getattr(field, "choices", [])}
            return listed(isolate(labels.get(str(item), item)) for item in value)
        if name == "pair":
            labels = dict(self.filterset.form.fields["country"].choices)
            return "–".join(isolate(labels.get(code, code)) for code in value)
        if isinstance(value, datetime.date):
            return describe(value.isoformat())
        return f"“{isolate(value)}”"

    def description(self, count: int) -> list[tuple[str, str]]:
        """The lines a report starts with: (what, which)."""
        user = self.user.get_full_name() or self.user.get_username() if self.user.is_authenticated else ""
        made = f"{describe(self.today.isoformat())}, {date_format(timezone.localtime(self.made), 'H:i T')}"
        return [
            (_("Report"), self.kind.name()),
            (_("Filters"), "; ".join(self.filters_in_words()) or str(NO_FILTERS)),
            (_("Made"), made),
            (_("Made by"), isolate(user) if user else _("an anonymous reader")),
            (_("Language"), get_language_info(self.language)["name_local"]),
            (_("Records"), str(count)),
        ]

    @property
    def language(self) -> str:
        return (get_language() or "en").split("-")[0]

    def file_name(self, extension: str) -> str:
        """The kind, the values filtered by and the day: memoranda-oncology-OM-2026-12-01.xlsx."""
        parts = [self.kind.basename]
        for name in self.filterset.filters:
            if name in ("sort",) or name not in self.filterset.data:
                continue
            values = self.filterset.data.getlist(name) if hasattr(self.filterset.data, "getlist") else []
            for value in values:
                if value in ("on", "true", "True", "1"):
                    value = name
                parts.append(re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-"))
        stem = "-".join(part for part in parts if part)[:100].strip("-")
        return f"{stem}-{self.today.isoformat()}.{extension}"

    # ------------------------------------------------------------ the two formats

    def csv_lines(self, chunk_size: int = 2000) -> Iterator[str]:
        """The report as CSV a line at a time (a byte-order mark first, so that spreadsheets read
        it as UTF-8): its description, an empty line, the headings, then a row per record."""
        writer = csv.writer(Echo())
        records = self.records
        yield "\ufeff"
        for line in self.description(self.count(records)):
            yield writer.writerow([neutralise(cell) for cell in line])
        yield writer.writerow([])
        yield writer.writerow(self.headings())
        for row in self.rows(self.each(records, chunk_size)):
            yield writer.writerow([neutralise(csv_cell(cell)) for cell in row])

    def workbook(self, limit: int) -> bytes | None:
        """The report as an XLSX workbook, or None if the list has more than `limit` records:
        a sheet describing the report, then the records' sheet (the one that opens) with its
        header row frozen and filtered, columns fitted, long texts wrapped, days as dates; both
        right to left in a right-to-left language."""
        records = list(self.records[: limit + 1])
        if len(records) > limit:
            return None
        rows = list(self.rows(records))
        return workbook_bytes(self.kind.name(), self.description(len(rows)), self.columns, rows)


class MapReport(Report):
    """The numbers behind the world map (`agreements.worldmap`): a row per country, its name and
    the number of records counted, most first, within the filters of the list they count."""

    def __init__(self, filterset, user, measure, rows: list, made: datetime.datetime | None = None):
        super().__init__(filterset, user, made)
        self.map_rows = rows
        label = str(measure.label)
        self.kind = ReportKind(
            lambda: _("%(records)s per country") % {"records": label.capitalize()}, f"map-{measure.name}", list
        )
        self.columns = [
            Column(_("Country"), lambda row: row.name),
            Column(label.capitalize(), lambda row: row.count),
        ]

    @property
    def records(self) -> list:
        return self.map_rows

    def count(self, records) -> int:
        return len(records)

    def each(self, records, chunk_size: int) -> Iterator:
        return iter(records)


def csv_cell(value) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else value


SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
WIDEST = 60  # characters: wider text is wrapped


def workbook_bytes(name: str, description: list[tuple[str, str]], columns: list[Column], rows: list[list]) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook(write_only=True)
    right_to_left = get_language_bidi()
    about = book.create_sheet(title=sheet_name(_("About this report")))
    sheet = book.create_sheet(title=sheet_name(name))
    for each in (about, sheet):
        each.sheet_view.rightToLeft = right_to_left
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def cell(owner, value, **style):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        written = WriteOnlyCell(owner, value=value)
        if isinstance(value, str):
            written.data_type = "s"  # never a formula, even if it starts with =
        elif isinstance(value, datetime.date):
            written.number_format = "yyyy-mm-dd"
        for attribute, setting in style.items():
            setattr(written, attribute, setting)
        return written

    about.column_dimensions["A"].width = max(len(what) for what, _which in description) + 2
    about.column_dimensions["B"].width = WIDEST
    for what, which in description:
        about.append([cell(about, what, font=bold), cell(about, which, alignment=wrapped)])

    widths = [len(column.heading) for column in columns]
    for row in rows:
        for index, value in enumerate(row):
            length = 10 if isinstance(value, datetime.date) else len(str(value or ""))
            widths[index] = max(widths[index], min(length, WIDEST))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, WIDEST)
    last = f"{get_column_letter(len(columns))}{len(rows) + 1}"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}"
    # A write-only sheet declares no size, and reading it back would need two passes.
    sheet.calculate_dimension = lambda: f"A1:{last}"
    sheet.append([cell(sheet, column.heading, font=bold, alignment=wrapped) for column in columns])
    for row in rows:
        sheet.append(
            [
                cell(sheet, value, alignment=wrapped) if column.wide else cell(sheet, value)
                for column, value in zip(columns, row, strict=True)
            ]
        )
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(text: str) -> str:
    return SHEET_NAME_FORBIDDEN.sub(" ", text)[:31] or "Sheet"
