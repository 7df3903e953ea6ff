"""The admin's import pages: upload, preview, confirm, and the report of what is wrong.

django-import-export runs the flow; this module adds what an editor needs around it:
- the encoding of a text file, found or chosen, shown with the preview and carried to the
  confirmation, and a way to read the same upload again in another encoding;
- every problem in a table under the preview, by the row a spreadsheet shows, the column, the
  value and the reason; a whole-file problem as one sentence, never a traceback;
- a confirmation that writes nothing says so, lists why, and keeps the file for another try;
- a confirmation whose hidden fields were tampered with is refused with a message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import reversion
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from import_export.forms import ConfirmImportForm, ImportForm
from reversion.models import Revision

from . import encodings, stale_imports
from .formats import ReadsText, SharedCacheStorage, current_reading, reading_as
from .models import ImportJob
from .models.imports import PROGRESS_EVERY
from .readers import ImportFileError, spreadsheet_row
from .workbooks import read_sheets

logger = logging.getLogger(__name__)

DETECT = ("", gettext_lazy("Find it from the file"))


class LimitedImportForm(ImportForm):
    """The upload form, which also reads again a file uploaded before (`stored_file`), in
    another encoding, without uploading it again."""

    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"),
        choices=[DETECT, *encodings.ENCODINGS.items()],
        required=False,
        help_text=gettext_lazy(
            "For CSV, TSV and JSON files. Leave it to be found from the file, unless the preview shows "
            "the text garbled."
        ),
    )
    create_missing = forms.BooleanField(
        label=gettext_lazy("Create the institutions and people the file names but the tracker lacks"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "Only where the row says their country. The preview lists each record that would be created."
        ),
    )
    stored_file = forms.CharField(widget=forms.HiddenInput, required=False)
    original_file_name = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].required = False
        self.fields["import_file"].label = _("File to import")

    def clean_import_file(self):
        import_file = self.cleaned_data["import_file"]
        if import_file and import_file.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; files of at most %(limit)s can be imported. Split it into smaller files.")
                % {"size": filesizeformat(import_file.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        return import_file

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("import_file") or "import_file" in self.errors:
            return cleaned_data
        stored = cleaned_data.get("stored_file")
        if not stored:
            self.add_error("import_file", _("Choose a file to import."))
            return cleaned_data
        storage = SharedCacheStorage(name=stored)
        try:
            data = storage.read()
        except FileNotFoundError:
            self.add_error("import_file", _("The uploaded file is no longer available; upload it again."))
            return cleaned_data
        storage.remove()  # the preview keeps a fresh copy
        cleaned_data["import_file"] = SimpleUploadedFile(cleaned_data.get("original_file_name") or "import", data)
        return cleaned_data


class ReadAgainForm(forms.Form):
    """Read the upload kept from the preview again, in the encoding chosen here; its fields are
    those of LimitedImportForm, to which it posts."""

    resource = forms.CharField(widget=forms.HiddenInput, required=False)
    format = forms.CharField(widget=forms.HiddenInput)
    stored_file = forms.CharField(widget=forms.HiddenInput)
    original_file_name = forms.CharField(widget=forms.HiddenInput, required=False)
    create_missing = forms.BooleanField(widget=forms.HiddenInput, required=False)
    encoding = forms.ChoiceField(
        label=gettext_lazy("Read it as"), choices=[DETECT, *encodings.ENCODINGS.items()], required=False
    )

    def __init__(self, *args, text: bool, **kwargs):
        kwargs.setdefault("auto_id", "id_read_again_%s")  # beside the upload form, whose fields have the same names
        super().__init__(*args, **kwargs)
        if not text:
            self.fields["encoding"].widget = forms.HiddenInput()
            self.fields["encoding"].required = False


class CheckedConfirmForm(ConfirmImportForm):
    """The confirmation's hidden fields, each checked: a format and a resource this import offers,
    an encoding the tracker reads."""

    encoding = forms.ChoiceField(
        widget=forms.HiddenInput, required=False, choices=[DETECT, *encodings.ENCODINGS.items()]
    )
    create_missing = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, formats: int = 1, resources: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"] = forms.TypedChoiceField(
            widget=forms.HiddenInput, coerce=int, choices=[(str(index), str(index)) for index in range(formats)]
        )
        self.fields["resource"] = forms.TypedChoiceField(
            widget=forms.HiddenInput,
            coerce=int,
            required=False,
            empty_value=0,
            choices=[(str(index), str(index)) for index in range(resources)],
        )


# ---------------------------------------------------------------- the report


@dataclass
class Problem:
    """One problem of a row, where the editor will find it."""

    row: int
    column: str
    value: str
    reason: str
    sheet: str = ""


@dataclass
class PreviewRow:
    row: int | None
    import_type: str
    cells: list


@dataclass
class Created:
    """A record the import creates because a row names it and the tracker lacks it."""

    row: int
    column: str
    record: str
    sheet: str = ""


@dataclass
class Report:
    file_problems: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    created: list[Created] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def counts(self) -> str:
        return _("%(new)s new, %(changed)s changed, %(unchanged)s unchanged") % {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }

    @property
    def rows_with_problems(self) -> int:
        return len({problem.row for problem in self.problems})


def sentence(error: BaseException) -> str:
    """A whole-file or row error as the editor reads it: our own messages as they are, anything
    else as one plain sentence (its traceback goes to the log, never to the page)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, ValueError) and not isinstance(error, UnicodeError):
        return str(error)
    logger.error("An import failed", exc_info=error)
    if isinstance(error, DatabaseError):
        return _(
            "The database refused the rows, perhaps because a record they name was changed or deleted "
            "meanwhile. Nothing was written; try again."
        )
    return _(
        "The import stopped on an unexpected problem and nothing was written. Try again; if it happens again, "
        "tell an administrator."
    )


def reason(error: ValidationError, model, name: str) -> str:
    """A field's error, with the valid choices listed where a value was not one of them."""
    if error.code == "invalid_choice":
        try:
            choices = model._meta.get_field(name).flatchoices
        except FieldDoesNotExist:
            choices = None
        if choices:
            listed = [value if str(label) == value else f"{value} ({label})" for value, label in choices]
            return _("“%(value)s” is not one of the choices: %(choices)s.") % {
                "value": (error.params or {}).get("value", ""),
                "choices": ", ".join(listed),
            }
    return " ".join(error.messages)


def report(result, resource, dataset) -> Report:
    """What the preview or the confirmation found, row by row, as the page shows it."""
    found = Report()
    if result is None:
        return found
    found.file_problems = [sentence(error.error) for error in result.base_errors]
    found.created = [Created(*created) for created in getattr(result, "created_on_the_fly", [])]
    found.warnings = [Problem(*warning) for warning in getattr(result, "warnings", [])]
    found.new, found.changed, found.unchanged = (result.totals[kind] for kind in ("new", "update", "skip"))
    for error_row in result.error_rows:
        row = spreadsheet_row(dataset, error_row.number)
        found.problems += [Problem(row, "", "", sentence(error.error)) for error in error_row.errors]
    columns = {
        imported.attribute or imported.column_name: imported.column_name for imported in resource.get_import_fields()
    }
    model = resource._meta.model
    for invalid in result.invalid_rows:
        values = dict(zip(result.diff_headers, invalid.values, strict=False))
        row = spreadsheet_row(dataset, invalid.number)
        error_dict = getattr(invalid.error, "error_dict", None) or {NON_FIELD_ERRORS: invalid.error.error_list}
        for name, errors in error_dict.items():
            column = "" if name == NON_FIELD_ERRORS else columns.get(name, name)
            value = values.get(column, "")
            value = "" if value in (None, "---") else str(value)
            found.problems += [Problem(row, column, value, reason(error, model, name)) for error in errors]
    found.problems.sort(key=lambda problem: problem.row)
    if len(result.rows) == len(dataset or ()):
        numbers = [spreadsheet_row(dataset, number) for number in range(1, len(result.rows) + 1)]
    else:
        numbers = [None] * len(result.rows)
    found.rows = [
        PreviewRow(number, row.import_type, row.diff or [])
        for number, row in zip(numbers, result.rows, strict=True)
        if row.import_type in ("new", "update", "delete", "skip")
    ]
    return found


# ---------------------------------------------------------------- the admin


class ImportPages:
    """The import views of TrackerAdmin (see the module's docstring)."""

    import_form_class = LimitedImportForm
    confirm_form_class = CheckedConfirmForm
    # The formats read the uploaded bytes and find the encoding themselves (encodings.decode).
    from_encoding = None

    def import_action(self, request, **kwargs):
        with reading_as(request.POST.get("encoding", "")) as reading:
            response = super().import_action(request, **kwargs)
            form = response.context_data.get("form") if isinstance(response, TemplateResponse) else None
            if form is not None and reading.stored_file and "format" in form.cleaned_data:
                response.context_data.update(
                    self.report_context(
                        request,
                        result=response.context_data.get("result"),
                        reading=reading,
                        stored_file=reading.stored_file,
                        original_file_name=reading.file_name,
                        format_index=int(form.cleaned_data["format"]),
                        resource_index=self.get_resource_index(form),
                    )
                )
                response.context_data["in_background"] = background_note(len(reading.dataset or ()))
        return response

    def write_to_tmp_storage(self, import_file, input_format):
        storage = super().write_to_tmp_storage(import_file, input_format)
        reading = current_reading()
        reading.stored_file, reading.file_name = storage.name, import_file.name
        return storage

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Import the previewed file for real, in the encoding of the preview, as one revision.
        If it writes nothing, the page says why and keeps the file for another try."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if not form.is_valid():
            return self.ask_for_the_file_again(
                request,
                _(
                    "This confirmation names a file, format or encoding that the import does not offer. "
                    "Upload the file again."
                ),
            )
        format_index, resource_index = form.cleaned_data["format"], form.cleaned_data["resource"]
        input_format = self.get_import_formats()[format_index]()
        storage = self.get_tmp_storage_class()(
            name=form.cleaned_data["import_file_name"],
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            data = storage.read()
        except FileNotFoundError:
            return self.ask_for_the_file_again(request, _("The uploaded file is no longer available; upload it again."))
        kept = {
            "stored_file": storage.name,
            "original_file_name": form.cleaned_data["original_file_name"],
            "format_index": format_index,
            "resource_index": resource_index,
        }
        with reading_as(form.cleaned_data["encoding"]) as reading:
            try:
                dataset = input_format.create_dataset(data)
            except ImportFileError as error:
                return self.failed_import_page(request, reading=reading, file_problem=str(error), **kept)
            if goes_to_background(len(dataset)):
                job = start_job(
                    request,
                    target=self.opts.model_name,
                    stored_file=storage.name,
                    file_name=form.cleaned_data["original_file_name"],
                    file_format=input_format.get_title(),
                    encoding=form.cleaned_data["encoding"],
                    create_missing=form.cleaned_data["create_missing"],
                    rows_total=len(dataset),
                )
                return redirect(job)
            with self.create_revision(request):
                reversion.set_comment(
                    _("Imported from “%(file)s”.") % {"file": form.cleaned_data["original_file_name"][:200]}
                )
                # Nothing is written if a record the file updates changed after the preview: the
                # check and the writes are one transaction, with those records locked.
                if stale := stale_imports.rows_changed_since_preview(self.model, storage.name):
                    return self.ask_for_the_file_again(request, stale_imports.refusal(stale))
                result = self.process_dataset(dataset, form, request, **kwargs)
            if result.has_errors() or result.has_validation_errors():
                return self.failed_import_page(request, reading=reading, result=result, **kept)
        storage.remove()
        return self.process_result(result, request)

    def ask_for_the_file_again(self, request, message: str):
        self.message_user(request, message, messages.ERROR)
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

    def failed_import_page(self, request, *, reading, result=None, file_problem: str = "", **kept):
        """The import page after a confirmation that wrote nothing: why, row by row, with the
        file kept so that it can be previewed again once what it names is put right."""
        import_form = self.get_import_form_class(request)(
            self.get_import_formats(),
            self.get_import_resource_classes(request),
            initial={"format": str(kept["format_index"]), "resource": str(kept["resource_index"])},
        )
        resource = self.get_import_resource_classes(request)[kept["resource_index"]](
            **self.get_import_resource_kwargs(request)
        )
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "form": import_form,
            "opts": self.model._meta,
            "media": self.media + import_form.media,
            "fields_list": [(resource.get_display_name(), [f.column_name for f in resource.get_user_visible_fields()])],
            "import_error_display": self.import_error_display,
            "result": result,
            "import_failed": True,
            **self.report_context(request, result=result, reading=reading, **kept),
        }
        context["encoding_chosen"] = None  # the preview's encoding, whether chosen or found: say neither
        if file_problem:
            context["report"].file_problems.insert(0, file_problem)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def report_context(
        self, request, *, result, reading, stored_file, original_file_name, format_index, resource_index
    ) -> dict:
        text = issubclass(self.get_import_formats()[format_index], ReadsText)
        resource = self.get_import_resource_classes(request)[resource_index](**self.get_import_resource_kwargs(request))
        found = report(result, resource, reading.dataset)
        return {
            "report": found,
            "problem_summary": ngettext(
                "%(count)s row has problems", "%(count)s rows have problems", found.rows_with_problems
            )
            % {"count": found.rows_with_problems},
            "read_encoding": encodings.label(reading.used_encoding) if text and reading.used_encoding else "",
            "encoding_chosen": bool(reading.encoding),
            "read_again_form": ReadAgainForm(
                text=text,
                initial={
                    "resource": str(resource_index),
                    "format": str(format_index),
                    "stored_file": stored_file,
                    "original_file_name": original_file_name,
                    "encoding": reading.used_encoding or reading.encoding,
                    "create_missing": request.POST.get("create_missing", "") not in ("", "False", "false", "off"),
                },
            )
            if stored_file
            else None,
        }

    def get_import_resource_kwargs(self, request, **kwargs):
        """Whether the import creates the institutions and people its rows name with their country:
        as the upload form, or the confirmation carrying it, says; yes unless unticked."""
        form = kwargs.get("form")
        create = True
        if form is not None and hasattr(form, "cleaned_data") and "create_missing" in form.fields:
            create = bool(form.cleaned_data.get("create_missing"))
        return {**super().get_import_resource_kwargs(request, **kwargs), "create_missing": create}

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {
            **super().get_confirm_form_kwargs(request, import_form),
            "formats": len(self.get_import_formats()),
            "resources": len(self.get_import_resource_classes(request)),
        }

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["encoding"] = current_reading().used_encoding  # the confirmation reads as the preview did
            initial["create_missing"] = import_form.cleaned_data.get("create_missing", True)
        return initial

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", str(e) if isinstance(e, ImportFileError) else sentence(e))

    def add_success_message(self, result, request):
        messages.success(
            request,
            _("Imported %(records)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "new": result.totals["new"],
                "changed": result.totals["update"],
                "unchanged": result.totals["skip"],
                "records": self.model._meta.verbose_name_plural,
            },
        )


# ---------------------------------------------------------------- the workbook


@dataclass
class Sheet:
    """One sheet of a workbook import, with the resource that imports it."""

    name: str  # as the workbook names it
    resource_class: type
    dataset: object
    result: object = None
    report: Report | None = None

    @property
    def records(self) -> str:
        return force_str(self.resource_class._meta.model._meta.verbose_name_plural)


def sheet_resources() -> list[type]:
    """The resources a workbook's sheets are imported with, in the order they are imported: each
    after those whose records its rows may name."""
    from . import resources

    return [
        resources.SectorResource,
        resources.SourceResource,
        resources.InstitutionResource,
        resources.PersonResource,
        resources.VisitResource,
        resources.MemorandumResource,
        resources.CommitmentResource,
    ]


def sheet_names() -> dict[str, type]:
    """The names a sheet may have, folded, with its resource: the records' name in English,
    singular or plural, or the model's name."""
    from .resources import folded

    names = {}
    for resource_class in sheet_resources():
        meta = resource_class._meta.model._meta
        with translation.override("en"):
            names.update(dict.fromkeys(map(folded, [meta.verbose_name, meta.verbose_name_plural]), resource_class))
        names[meta.model_name] = resource_class
    return names


def workbook_sheets(data: bytes) -> list[Sheet]:
    """The workbook's sheets in the order they import; an ImportFileError names a sheet that is
    no record type, or two sheets of the same one."""
    from .resources import folded

    names, found = sheet_names(), {}
    for name, dataset in read_sheets(data):
        resource_class = names.get(folded(name))
        if resource_class is None:
            raise ImportFileError(
                _("The workbook has a sheet “%(sheet)s”; sheets must be named %(names)s.")
                % {"sheet": name, "names": ", ".join(english_sheet_names())}
            )
        if resource_class in found:
            raise ImportFileError(
                _("The sheets “%(first)s” and “%(second)s” hold the same records; put them in one sheet.")
                % {"first": found[resource_class].name, "second": name}
            )
        found[resource_class] = Sheet(name, resource_class, dataset)
    return [found[resource_class] for resource_class in sheet_resources() if resource_class in found]


def english_sheet_names() -> list[str]:
    with translation.override("en"):
        return [str(r._meta.model._meta.verbose_name_plural) for r in sheet_resources()]


class WorkbookImport:
    """A workbook's sheets imported in dependency order in one transaction: each sheet's good rows
    are written so that later sheets may name them, and if any row of any sheet fails, or this is
    the preview, everything is rolled back. A row naming a record whose row failed says so
    (`failed_rows`, shared by the sheets). One revision holds every record written."""

    def __init__(self, sheets: list[Sheet], *, create_missing: bool, on_row=None):
        self.sheets = sheets
        self.create_missing = create_missing
        self.on_row = on_row
        self.failed_rows: dict = {}
        self.shared_revision = None

    def revision(self):
        if self.shared_revision is None:
            self.shared_revision = Revision.objects.create(
                date_created=reversion.get_date_created(), user=reversion.get_user(), comment=reversion.get_comment()
            )
        return self.shared_revision

    @property
    def failed(self) -> bool:
        return any(sheet.report.file_problems or sheet.report.problems for sheet in self.sheets)

    def run(self, *, preview: bool, stored_file: str) -> str:
        """Import the sheets; in a preview, note the records each sheet names as they are
        (`stale_imports`, beside the stored upload `stored_file`); in the confirmation, write
        nothing if one of them changed since, and say why (the refusal, else "")."""
        notes = {}
        with transaction.atomic():
            if not preview:
                for sheet in self.sheets:
                    model = sheet.resource_class._meta.model
                    if stale := stale_imports.rows_changed_since_preview(model, notes_name(stored_file, model)):
                        return _("Sheet “%(sheet)s”: %(refusal)s") % {
                            "sheet": sheet.name,
                            "refusal": stale_imports.refusal(stale),
                        }
            for sheet in self.sheets:
                resource = sheet.resource_class(
                    create_missing=self.create_missing,
                    workbook=self,
                    all_or_nothing=False,
                    preview=preview,
                    on_row=self.on_row,
                )
                rows = [dict(zip(sheet.dataset.headers, values, strict=False)) for values in sheet.dataset]
                kwargs = {stale_imports.PREVIEW_KEY: notes.setdefault(sheet.resource_class, {})} if preview else {}
                sheet.result = resource.import_data(sheet.dataset, dry_run=False, use_transactions=True, **kwargs)
                sheet.report = report(sheet.result, resource, sheet.dataset)
                if sheet.report.file_problems:  # no row of it was read: later rows naming one say so
                    for number, row in enumerate(rows, 1):
                        resource.note_failure(row, number)
                for problem in sheet.report.problems:
                    problem.sheet = sheet.name
                for created in [*sheet.report.created, *sheet.report.warnings]:
                    created.sheet = sheet.name
            if preview or self.failed:
                transaction.set_rollback(True)
        for resource_class, noted in notes.items():  # after the rollback, which would undo them
            stale_imports.keep(notes_name(stored_file, resource_class._meta.model), noted)
        return ""

    @property
    def rows(self) -> int:
        return sum(len(sheet.dataset) for sheet in self.sheets)

    @property
    def problems(self) -> list[Problem]:
        return [problem for sheet in self.sheets for problem in sheet.report.problems]

    @property
    def warnings(self) -> list[Problem]:
        return [warning for sheet in self.sheets for warning in sheet.report.warnings]

    @property
    def created(self) -> list[Created]:
        return [created for sheet in self.sheets for created in sheet.report.created]

    @property
    def file_problems(self) -> list[str]:
        return [
            _("Sheet “%(sheet)s”: %(problem)s") % {"sheet": sheet.name, "problem": problem}
            for sheet in self.sheets
            for problem in sheet.report.file_problems
        ]


def notes_name(stored_file: str, model) -> str:
    """Where the preview's notes on one sheet wait, beside the stored workbook."""
    return f"{stored_file}:{model._meta.model_name}"


class WorkbookForm(forms.Form):
    workbook = forms.FileField(label=gettext_lazy("Workbook (XLSX)"))
    create_missing = LimitedImportForm.base_fields["create_missing"]

    def clean_workbook(self):
        workbook = self.cleaned_data["workbook"]
        if workbook.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; files of at most %(limit)s can be imported. Split it into smaller files.")
                % {"size": filesizeformat(workbook.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        return workbook


class WorkbookConfirmForm(forms.Form):
    stored_file = forms.CharField(widget=forms.HiddenInput)
    original_file_name = forms.CharField(widget=forms.HiddenInput, required=False)
    create_missing = forms.BooleanField(widget=forms.HiddenInput, required=False)


def may_import_workbooks(user) -> bool:
    """A workbook adds and changes records of every kind, so it takes both rights on each."""
    models_ = [resource_class._meta.model._meta for resource_class in sheet_resources()]
    return all(
        user.has_perm(f"{meta.app_label}.add_{meta.model_name}")
        and user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
        for meta in models_
    )


def workbook_page(request, context: dict, status: int = 200) -> TemplateResponse:
    from django.contrib import admin

    request.current_app = admin.site.name
    return TemplateResponse(
        request,
        "admin/agreements/workbook_import.html",
        {
            **admin.site.each_context(request),
            "title": _("Import a workbook"),
            "sheet_names": english_sheet_names(),
            "sheet_columns": [
                (str(r._meta.model._meta.verbose_name_plural), [f.column_name for f in r().get_import_fields()])
                for r in sheet_resources()
            ],
            **context,
        },
        status=status,
    )


def workbook_import(request):
    """/admin/import/: upload a workbook, see one preview of all its sheets, confirm once."""
    if not may_import_workbooks(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return workbook_page(request, {"form": WorkbookForm()})
    form = WorkbookForm(request.POST, request.FILES)
    if not form.is_valid():
        return workbook_page(request, {"form": form})
    upload = form.cleaned_data["workbook"]
    data = upload.read()
    try:
        sheets = workbook_sheets(data)
    except ImportFileError as error:
        return workbook_page(request, {"form": form, "file_problems": [str(error)]})
    except Exception as error:
        return workbook_page(request, {"form": form, "file_problems": [sentence(error)]})
    workbook = WorkbookImport(sheets, create_missing=form.cleaned_data["create_missing"])
    storage = SharedCacheStorage()
    storage.save(data)
    workbook.run(preview=True, stored_file=storage.name)
    context = {"form": form, "workbook": workbook, "in_background": background_note(workbook.rows)}
    if workbook.failed:
        storage.remove()
    else:
        context["confirm_form"] = WorkbookConfirmForm(
            initial={
                "stored_file": storage.name,
                "original_file_name": upload.name,
                "create_missing": form.cleaned_data["create_missing"],
            }
        )
    return workbook_page(request, context)


@require_POST
def workbook_confirm(request):
    """Import the previewed workbook for real, as one revision, or nothing of it."""
    if not may_import_workbooks(request.user):
        raise PermissionDenied
    form = WorkbookConfirmForm(request.POST)
    storage = SharedCacheStorage(name=form.data.get("stored_file", ""))
    try:
        if not form.is_valid():
            raise FileNotFoundError
        data = storage.read()
    except FileNotFoundError:
        messages.error(request, _("The uploaded file is no longer available; upload it again."))
        return redirect("workbook-import")
    name = form.cleaned_data["original_file_name"][:200]
    try:
        sheets = workbook_sheets(data)
    except ImportFileError as error:
        return workbook_page(request, {"form": WorkbookForm(), "file_problems": [str(error)]})
    workbook = WorkbookImport(sheets, create_missing=form.cleaned_data["create_missing"])
    if goes_to_background(workbook.rows):
        job = start_job(
            request,
            target=ImportJob.WORKBOOK,
            stored_file=storage.name,
            file_name=name,
            file_format="xlsx",
            create_missing=form.cleaned_data["create_missing"],
            rows_total=workbook.rows,
        )
        return redirect(job)
    try:
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(_("Imported from “%(file)s”.") % {"file": name})
            refusal = workbook.run(preview=False, stored_file=storage.name)
    except DatabaseError as error:
        return workbook_page(request, {"form": WorkbookForm(), "file_problems": [sentence(error)]})
    if refusal:
        storage.remove()
        messages.error(request, refusal)
        return redirect("workbook-import")
    if workbook.failed:
        return workbook_page(request, {"form": WorkbookForm(), "workbook": workbook, "import_failed": True})
    storage.remove()
    for sheet in workbook.sheets:
        report_ = sheet.report
        messages.success(
            request,
            _("Imported %(records)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "records": sheet.records,
                "new": report_.new,
                "changed": report_.changed,
                "unchanged": report_.unchanged,
            },
        )
    return redirect("admin:index")


def workbook_template(request):
    """The template workbook: a sheet per record type with every column and a filled example."""
    from django.http import HttpResponse

    from .samples import template_workbook

    if not may_import_workbooks(request.user):
        raise PermissionDenied
    response = HttpResponse(
        template_workbook(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="tracker-workbook.xlsx"'
    return response


# ---------------------------------------------------------------- in the background


def goes_to_background(rows: int) -> bool:
    """Whether a confirmed import of `rows` rows is written by a worker (IMPORT_BACKGROUND_ROWS)."""
    return rows > settings.IMPORT_BACKGROUND_ROWS


def background_note(rows: int) -> str:
    """What the preview of `rows` rows says of its confirmation, if a worker will write it."""
    if not goes_to_background(rows):
        return ""
    return _(
        "This file has more than %(limit)s rows: once confirmed, it is written in the background, and you are "
        "taken to a page that shows its progress."
    ) % {"limit": f"{settings.IMPORT_BACKGROUND_ROWS:,}"}


def start_job(request, **fields) -> ImportJob:
    """A job for an import too large to write while its editor waits, handed to a worker once
    it is stored (agreements.tasks.run_import). Without a broker the task runs here and now, and
    the job's page shows it ended."""
    from .tasks import run_import

    job = ImportJob.objects.create(user=request.user, language=translation.get_language() or "en", **fields)
    transaction.on_commit(lambda: run_import.apply_async(args=[job.pk], task_id=job.task_id))
    return job


class JobRefused(Exception):
    """An import job that writes nothing, with why: `error`, a sentence, and the rows' `problems`."""

    def __init__(self, error: str = "", problems: list[Problem] = ()):
        super().__init__(error)
        self.error, self.problems = error, list(problems)


class JobEnded(Exception):
    """The job was ended meanwhile by another run of its task: this run must write nothing."""


class Progress:
    """Counts a job's rows as its import reads them, noting the count every PROGRESS_EVERY rows
    and after the last, while the rows read are written."""

    def __init__(self, job: ImportJob):
        self.job, self.done = job, 0
        job.note_progress(0)

    def __call__(self) -> None:
        self.done = min(self.done + 1, self.job.rows_total)
        if self.done % PROGRESS_EVERY == 0 or self.done == self.job.rows_total:
            self.job.note_progress(self.done)


def outcome(records, found: Report) -> dict:
    return {"records": force_str(records), "new": found.new, "changed": found.changed, "unchanged": found.unchanged}


def finish(job: ImportJob, summary: list[dict], rows_done: int) -> None:
    """Mark the job finished, in the transaction that wrote its rows; if another run of its task
    ended it meanwhile, roll this run back (JobEnded)."""
    if not job.end(ImportJob.Status.FINISHED, summary=summary, rows_done=rows_done):
        raise JobEnded


def run_job(pk: int) -> str:
    """Run the import job `pk` if it has not ended; its status afterwards. A task delivered again
    after its worker died runs the job again from its start: nothing of the first run was written."""
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None:
        return ""
    if not job.claim():
        return job.status
    progress = Progress(job)
    with translation.override(job.language):
        try:
            if job.is_workbook:
                import_workbook_job(job, progress)
            else:
                import_file_job(job, progress)
        except JobEnded:
            pass
        except JobRefused as refused:
            problems = [vars(problem) for problem in refused.problems]
            job.end(ImportJob.Status.FAILED, error=refused.error, problems=problems, rows_done=progress.done)
        except FileNotFoundError:
            job.end(ImportJob.Status.FAILED, error=_("The uploaded file is no longer available; upload it again."))
        except Exception as error:  # never a job left running: its page says what happened
            job.end(ImportJob.Status.FAILED, error=sentence(error), rows_done=progress.done)
    return ImportJob.objects.values_list("status", flat=True).get(pk=pk)


def import_file_job(job: ImportJob, progress: Progress) -> None:
    """One record type's file, as the admin's confirmation imports it (ImportPages.process_import)."""
    from types import SimpleNamespace

    from django.contrib import admin
    from import_export.signals import post_import

    model_admin = admin.site.get_model_admin(job.model)
    [input_format] = [f() for f in model_admin.get_import_formats() if f().get_title() == job.file_format]
    storage = SharedCacheStorage(name=job.stored_file, read_mode=input_format.get_read_mode())
    data = storage.read()
    with reading_as(job.encoding) as reading:
        try:
            dataset = input_format.create_dataset(data)
        except ImportFileError as error:
            raise JobRefused(str(error)) from error
        resource_class = model_admin.get_import_resource_classes(None)[0]
        with reversion.create_revision():
            reversion.set_user(job.user)
            reversion.set_comment(_("Imported from “%(file)s”.") % {"file": job.file_name[:200]})
            if stale := stale_imports.rows_changed_since_preview(job.model, job.stored_file):
                raise JobRefused(stale_imports.refusal(stale))
            resource = resource_class(create_missing=job.create_missing, on_row=progress)
            result = resource.import_data(
                dataset, dry_run=False, file_name=job.file_name, user=job.user, retain_instance_in_row_result=True
            )
            found = report(result, resource, reading.dataset)
            if result.has_errors() or result.has_validation_errors():
                raise JobRefused(" ".join(found.file_problems), found.problems)
            # The admin's log of what the import wrote, by whom (it reads only `request.user`).
            model_admin.generate_log_entries(result, SimpleNamespace(user=job.user))
            finish(job, [outcome(job.model._meta.verbose_name_plural, found)], progress.done)
    storage.remove()
    post_import.send(sender=None, model=job.model)


def import_workbook_job(job: ImportJob, progress: Progress) -> None:
    """A workbook, as its confirmation imports it (workbook_confirm)."""
    storage = SharedCacheStorage(name=job.stored_file)
    try:
        sheets = workbook_sheets(storage.read())
    except ImportFileError as error:
        raise JobRefused(str(error)) from error
    workbook = WorkbookImport(sheets, create_missing=job.create_missing, on_row=progress)
    with reversion.create_revision():
        reversion.set_user(job.user)
        reversion.set_comment(_("Imported from “%(file)s”.") % {"file": job.file_name[:200]})
        if refusal := workbook.run(preview=False, stored_file=storage.name):
            raise JobRefused(refusal)
        if workbook.failed:
            raise JobRefused(" ".join(workbook.file_problems), workbook.problems)
        finish(job, [outcome(sheet.records, sheet.report) for sheet in workbook.sheets], progress.done)
    storage.remove()


def may_import(request, job: ImportJob) -> bool:
    """The right to import what the job imports, as its import page asks."""
    from django.contrib import admin

    if job.is_workbook:
        return may_import_workbooks(request.user)
    return admin.site.get_model_admin(job.model).has_import_permission(request)


def import_job(request, pk: int):
    """/admin/import/jobs/<pk>/: a background import's progress, refreshing itself while it runs,
    then what it wrote or why it wrote nothing. Only for the editor who started it, or a superuser."""
    from django.contrib import admin

    ImportJob.objects.fail_lost()
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    if not may_import(request, job):
        raise PermissionDenied
    rows_done, _counted = job.progress()
    request.current_app = admin.site.name
    if job.is_workbook:
        again = reverse("workbook-import")
    else:
        again = reverse(f"admin:agreements_{job.target}_import")
    problems = [Problem(**problem) for problem in job.problems]
    return TemplateResponse(
        request,
        "admin/agreements/import_job.html",
        {
            **admin.site.each_context(request),
            "title": _("Import of “%(file)s”") % {"file": job.file_name or job.stored_file},
            "job": job,
            "rows_done": rows_done,
            "refresh": job.in_progress and request.GET.get("refresh") != "off",
            "not_moved_since": job.not_moved_since(),
            "problems": problems,
            "problem_summary": ngettext(
                "%(count)s row has problems", "%(count)s rows have problems", len({p.row for p in problems})
            )
            % {"count": len({p.row for p in problems})},
            "import_again": again,
            "outcomes": [
                _("Imported %(records)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.") % sheet
                for sheet in job.summary
            ],
        },
    )
