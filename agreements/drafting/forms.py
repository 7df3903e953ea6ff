"""The admin page's forms: the article to read, then the proposal to review, edit and confirm.

The proposal travels between the two requests signed in a hidden field (django.core.signing), so
nothing is stored until the editor confirms, and a forged proposal is refused.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..fuzzydates import FuzzyDateFormField
from ..models import Commitment, Institution, Language, Memorandum, Visit
from .proposal import Evidence, Proposal
from .reading import READABLE
from .text import LANGUAGES

MAX_TEXT = 200_000  # characters of pasted text: a long article is some 30,000
# The most proposals of each kind one review shows, so that its form stays under Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000 fields) when it is posted back.
MAX_PROPOSALS = {"institutions": 25, "people": 25, "visits": 20, "memoranda": 20, "commitments": 40}
SALT = "agreements.drafting.proposal"


def language_choices():
    labels = dict(Language.choices)
    return [(code, labels[code]) for code in LANGUAGES]


class ArticleForm(forms.Form):
    text = forms.CharField(
        label=_("Text of the article"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 14, "dir": "auto"}),
        help_text=_("Paste the article, or upload it below."),
    )
    upload = forms.FileField(
        label=_("Or upload a file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(READABLE)}),
        help_text=_(".txt, .html, .docx or .pdf, at most %(limit)s.")
        % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Detect it"))],
        help_text=_("English, Russian or Arabic; detected from the text unless chosen."),
    )
    url = forms.URLField(label=_("Address (URL)"), required=False, max_length=500)
    publisher = forms.CharField(label=_("Publisher"), required=False, max_length=200)
    published = forms.DateField(
        label=_("Published on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Dates without a year and words like “this autumn” are read against it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Detect it")), *language_choices()]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload and upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s; articles of at most %(limit)s can be read.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("text") or "").strip() and not cleaned.get("upload"):
            raise ValidationError(_("The article is empty: paste its text or upload a file."), code="empty")
        return cleaned


# ---------------------------------------------------------------- the review


def evidence_data(evidence: Evidence | None) -> dict | None:
    if evidence is None:
        return None
    return {"text": evidence.text, "start": evidence.start, "end": evidence.end, "note": evidence.note}


def review_data(proposal: Proposal) -> dict:
    """What the review shows and the confirmation writes: the proposal as plain data, with the
    sentence and the words each field came from."""
    data = proposal.as_json()
    institutions = proposal.institutions
    people = proposal.people
    for item, entity in zip(data["institutions"] + data["people"], institutions + people, strict=True):
        item["evidence"] = evidence_data(Evidence(entity.sentence, entity.start, entity.end))
    for item, visit in zip(data["visits"], proposal.visits, strict=True):
        item["evidence"] = evidence_data(visit.evidence)
        item["fields"] = {name: evidence_data(e) for name, e in visit.fields.items()}
    for item, memorandum in zip(data["memoranda"], proposal.memoranda, strict=True):
        item["evidence"] = evidence_data(memorandum.evidence)
        item["fields"] = {name: evidence_data(e) for name, e in memorandum.fields.items()}
    for item, commitment in zip(data["commitments"], proposal.commitments, strict=True):
        item["evidence"] = evidence_data(commitment.evidence)
    data["country_evidence"] = {code: evidence_data(e) for code, e in proposal.country_evidence.items()}
    data["left_out"] = 0
    for kind, most in MAX_PROPOSALS.items():
        data["left_out"] += max(0, len(data[kind]) - most)
        data[kind] = data[kind][:most]
    kept = {item["id"] for kind in ("visits", "memoranda") for item in data[kind]}
    data["commitments"] = [c for c in data["commitments"] if c["origin"] in kept]
    for memorandum in data["memoranda"]:
        memorandum["visit"] = memorandum["visit"] if memorandum["visit"] in kept else None
    return data


def sign(data: dict) -> str:
    return signing.dumps(data, salt=SALT, compress=True)


def unsign(token: str) -> dict | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def country_choices(codes=()) -> list[tuple[str, str]]:
    """The article's countries first, then every other."""
    first = [(code, countries.name(code)) for code in codes]
    return first + [(code, name) for code, name in countries if code not in codes]


def edtf_field(label) -> forms.CharField:
    return FuzzyDateFormField(label=label, required=False, max_length=64)


class SourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    publisher = forms.CharField(label=_("Publisher"), required=False, max_length=200)
    url = forms.URLField(label=_("Address (URL)"), required=False, max_length=500)
    published = edtf_field(_("Published"))
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In your own words; left empty unless you write one."),
    )


class ReviewForm(forms.Form):
    """One proposed record: ticked to be written."""

    include = forms.BooleanField(label=_("Write this record"), required=False, initial=True)

    def __init__(self, *args, item: dict, choices: dict, **kwargs):
        self.item = item
        super().__init__(*args, **kwargs)
        self.setup(choices)

    def setup(self, choices: dict) -> None:
        pass

    @property
    def heading(self) -> str:
        """The record as the review names it: its name or title in the proposal."""
        return self.item.get("name") or self.item.get("title") or self.item.get("text", "")[:80]

    @property
    def included(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("include"))

    def full_clean(self):
        super().full_clean()
        # An unticked record is not written: its other fields need not be valid.
        if self.is_bound and not self.data.get(self.add_prefix("include")):
            self._errors = forms.utils.ErrorDict()
            self.cleaned_data = {"include": False}


class EntityForm(ReviewForm):
    name = forms.CharField(label=_("Name"), max_length=300, widget=forms.TextInput(attrs={"dir": "auto"}))
    country = forms.ChoiceField(label=_("Country"))
    match = forms.ChoiceField(label=_("Record"), required=False)

    def setup(self, choices):
        self.fields["country"].choices = choices["countries"]
        new = [("", _("new record"))]
        self.fields["match"].choices = new + [
            (slug, _("matches: %(name)s (%(score)s%%)") % {"name": name, "score": score})
            for slug, name, score in ((c["slug"], c["name"], c["score"]) for c in self.item["candidates"])
        ]


class InstitutionForm(EntityForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Institution.Kind.choices)


class PersonForm(EntityForm):
    title = forms.CharField(label=_("Title or role"), required=False, max_length=300)


class VisitForm(ReviewForm):
    title = forms.CharField(label=_("Title"), max_length=300, widget=forms.TextInput(attrs={"dir": "auto"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Visit.Kind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Visit.Status.choices)
    host = forms.ChoiceField(label=_("Host country"))
    guest = forms.ChoiceField(label=_("Guest country"))
    city = forms.CharField(label=_("City"), required=False, max_length=120)
    date = edtf_field(_("Date"))
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    fulfils = forms.MultipleChoiceField(
        label=_("Keeps these commitments"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )

    def setup(self, choices):
        self.fields["host"].choices = self.fields["guest"].choices = choices["countries"]
        self.fields["fulfils"].choices = choices["open_commitments"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("host") and cleaned.get("host") == cleaned.get("guest"):
            self.add_error("guest", _("The guest country must differ from the host country."))
        return cleaned


class MemorandumForm(ReviewForm):
    title = forms.CharField(label=_("Title"), max_length=300, widget=forms.TextInput(attrs={"dir": "auto"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Memorandum.Kind.choices)
    country_a = forms.ChoiceField(label=_("First country"))
    country_b = forms.ChoiceField(label=_("Second country"))
    signed = edtf_field(_("Signed on"))
    visit = forms.ChoiceField(label=_("Signed during visit"), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    fulfils = forms.MultipleChoiceField(
        label=_("Keeps these commitments"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )

    def setup(self, choices):
        self.fields["country_a"].choices = self.fields["country_b"].choices = choices["countries"]
        self.fields["visit"].choices = [("", "—"), *choices["visits"]]
        self.fields["fulfils"].choices = choices["open_commitments"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("country_a") and cleaned.get("country_a") == cleaned.get("country_b"):
            self.add_error("country_b", _("The second country must differ from the first."))
        return cleaned


class CommitmentForm(ReviewForm):
    title = forms.CharField(
        label=_("What was promised"), max_length=300, widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"})
    )
    origin = forms.ChoiceField(label=_("Made at"))
    due = edtf_field(_("Due"))
    status = forms.ChoiceField(label=_("Status"), choices=Commitment.Status.choices)
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self, choices):
        self.fields["origin"].choices = choices["visits"] + choices["memoranda"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == Commitment.Status.FULFILLED:
            raise ValidationError(
                _("A new commitment cannot be fulfilled yet: mark it fulfilled once the record that kept it exists.")
            )
        return status


def initial_for(kind: str, item: dict) -> dict:
    if kind in ("institutions", "people"):
        initial = {"name": item["name"], "country": item["country"], "match": item["match"] or ""}
        initial.update(
            {"kind": item.get("kind", "other")} if kind == "institutions" else {"title": item.get("title", "")}
        )
        return initial
    if kind == "visits":
        return {k: item[k] for k in ("title", "kind", "status", "host", "guest", "city", "date", "fulfils")}
    if kind == "memoranda":
        a, b = (item["countries"] + ["", ""])[:2]
        return {
            "title": item["title"],
            "kind": item["kind"],
            "country_a": a,
            "country_b": b,
            "signed": item["signed"],
            "visit": item["visit"] or "",
            "fulfils": item["fulfils"],
        }
    return {
        "title": item["text"],
        "origin": item["origin"],
        "due": item["due"],
        "status": item["status"],
        "details": item["due_note"],
    }


FORMS = {
    "institutions": InstitutionForm,
    "people": PersonForm,
    "visits": VisitForm,
    "memoranda": MemorandumForm,
    "commitments": CommitmentForm,
}


class Review:
    """The whole review: the source and every proposed record, each its own small form."""

    def __init__(self, data: dict, post=None, open_commitments: list[tuple[str, str]] = ()):
        self.data = data
        self.post = post
        codes = data["countries"]
        choices = {
            "countries": country_choices(codes),
            "visits": [(v["id"], v["title"]) for v in data["visits"]],
            "memoranda": [(m["id"], m["title"]) for m in data["memoranda"]],
            "open_commitments": list(open_commitments),
        }
        source = data["source"]
        self.source = SourceForm(post, prefix="source", initial={**source, "summary": ""})
        self.sections = {}
        for kind, form_class in FORMS.items():
            self.sections[kind] = [
                form_class(post, prefix=f"{kind}-{index}", item=item, choices=choices, initial=initial_for(kind, item))
                for index, item in enumerate(data[kind])
            ]

    def is_valid(self) -> bool:
        valid = self.source.is_valid()
        for forms_ in self.sections.values():
            for form in forms_:
                valid = form.is_valid() and valid
        if not valid:
            return False
        return self.check_links()

    def check_links(self) -> bool:
        """A commitment is made at a visit or memorandum that is written too, and a memorandum is
        signed during a visit that is written (or none)."""
        written = {form.item["id"] for kind in ("visits", "memoranda") for form in self.sections[kind] if form.included}
        ok = True
        for form in self.sections["commitments"]:
            if form.included and form.cleaned_data["origin"] not in written:
                form.add_error(
                    "origin", _("This visit or memorandum is not ticked to be written: tick it or choose another.")
                )
                ok = False
        for form in self.sections["memoranda"]:
            visit = form.cleaned_data.get("visit") if form.included else ""
            if visit and visit not in written:
                form.add_error("visit", _("This visit is not ticked to be written: tick it or choose none."))
                ok = False
        return ok

    def included(self, kind: str) -> list[ReviewForm]:
        return [form for form in self.sections[kind] if form.included]

    def error_count(self) -> int:
        count = len(self.source.errors)
        for forms_ in self.sections.values():
            count += sum(1 for form in forms_ if form.errors)
        return count
