"""The interface in English, Russian and Arabic: complete catalogues, every page in each language."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.test import Client
from django.urls import reverse
from django.utils import translation

from agreements.models import Commitment, Sector, Visit
from tests import factories

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["ru", "ar"]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def entry_key(entry) -> tuple[str | None, str]:
    return (entry.msgctxt or None, entry.msgid)


# ---------------------------------------------------------------- catalogues


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    assert len(po.translated_entries()) > 300


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_plural_has_each_form_the_language_has(language):
    po = catalogue(language)
    forms = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    assert [e.msgid for e in po if e.msgid_plural and sorted(e.msgstr_plural) != list(range(forms))] == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(language):
    """The .mo is committed, so CI needs no gettext; it must say what the .po says."""
    source = catalogue(language)
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))

    def translations(entries):
        return {
            entry_key(e): (tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr)
            for e in entries
            if e.msgid and not e.obsolete and "fuzzy" not in e.flags
        }

    assert translations(compiled) == translations(source)


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_survive_translation(language):
    for entry in catalogue(language).translated_entries():
        if "python-format" not in entry.flags:
            continue
        wanted = set(re.findall(r"%\((\w+)\)s", entry.msgid))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert set(re.findall(r"%\((\w+)\)s", text)) <= wanted, entry.msgid


def context_of(node) -> str | None:
    """A {% translate %} node's context: a constant is kept as the string itself, not as a variable."""
    if node.message_context is None:
        return None
    context = node.message_context.var
    return str(context) if isinstance(context, str) else context.literal


def template_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every {% translate %} and {% blocktranslate %} in the project's templates,
    as makemessages extracts them."""
    engine = engines["django"].engine
    found: set[tuple[str | None, str]] = set()
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        template = engine.from_string(path.read_text(encoding="utf-8"))
        for node in template.nodelist.get_nodes_by_type(TranslateNode):
            if node.filter_expression.var.literal is not None and not node.noop:
                found.add((context_of(node), str(node.filter_expression.var.literal)))
        for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
            singular, _ = node.render_token_list(node.singular)
            found.add((context_of(node), singular))
    return found


def test_templates_have_messages_to_check():
    assert len(template_messages()) > 50


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_template_message_is_in_the_catalogue(language):
    translated = {entry_key(e) for e in catalogue(language).translated_entries()}
    assert sorted(template_messages() - translated, key=str) == []


# ---------------------------------------------------------------- data shown in the reader's language


def test_country_names_follow_the_countries_own_usage(belarus, oman):
    """django-countries words Belarus "روسيا البيضاء" in Arabic; Belarus itself says "بيلاروس"."""
    with translation.override("ru"):
        assert (belarus.name, oman.name) == ("Беларусь", "Оман")
    with translation.override("ar"):
        assert (belarus.name, oman.name) == ("بيلاروس", "عُمان")


def test_a_sector_shows_its_name_in_the_readers_language(db):
    sector = Sector.objects.create(name="Oncology", name_ru="Онкология", name_ar="الأورام")
    partly = Sector.objects.create(name="Dairy", name_ru="Молочная промышленность")
    for language, expected in [("en", "Oncology"), ("ru", "Онкология"), ("ar", "الأورام")]:
        with translation.override(language):
            assert str(sector) == sector.localized_name == expected
    with translation.override("ar"):
        assert str(partly) == "Dairy"


def test_every_seed_sector_has_russian_and_arabic_names(db):
    from django.core.management import call_command

    call_command("seed", verbosity=0)
    assert not Sector.objects.filter(name_ru="").exists()
    assert not Sector.objects.filter(name_ar="").exists()


def test_an_institution_shows_its_official_name_in_the_readers_language(ministry_om):
    ministry_om.alternative_names.create(name="وزارة الصحة", language="ar", kind="short")
    ministry_om.alternative_names.create(name="وزارة الصحة العمانية", language="ar", kind="official")
    ministry_om.alternative_names.create(name="Минздрав Омана", language="ru", kind="abbreviation")
    with translation.override("ar"):
        assert ministry_om.display_name == "وزارة الصحة العمانية"
    with translation.override("ru"):
        assert ministry_om.display_name == ministry_om.name  # an abbreviation does not stand for it
    with translation.override("en"):
        assert ministry_om.display_name == "Ministry of Health of Oman"


# ---------------------------------------------------------------- messages written in Python

TRANSLATION_CALLS = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}
PYTHON_SOURCES = ["agreements", "cooperation"]


def python_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every gettext call with literal arguments in the project's Python code,
    as makemessages extracts them."""
    found: set[tuple[str | None, str]] = set()
    for folder in PYTHON_SOURCES:
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                roles = TRANSLATION_CALLS.get(node.func.id)
                if roles is None or len(node.args) < len(roles):
                    continue
                literals = dict(zip(roles, node.args, strict=False))
                if all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in literals.values()):
                    context = literals["context"].value if "context" in literals else None
                    found.add((context, literals["msgid"].value))
    return found


def test_python_code_has_messages_to_check():
    assert len(python_messages()) > 150


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_python_message_is_in_the_catalogue(language):
    translated = {entry_key(e) for e in catalogue(language).translated_entries()}
    assert sorted(python_messages() - translated, key=str) == []


# The link from an admin inline's row to the record it is edited in: the admin never labels it.
INLINE_PARENT_LINKS = {"InstitutionName.institution", "PersonName.person", "Signatory.memorandum"}


def model_labels() -> list[tuple[str, object]]:
    """Every verbose name and choice label of the tracker's models that a reader or editor sees,
    lazily translated. Columns kept in step by the code (editable=False) have no form to label."""
    labels: list[tuple[str, object]] = []
    for model in apps.get_app_config("agreements").get_models():
        labels += [
            (f"{model.__name__} verbose_name", model._meta.verbose_name),
            (f"{model.__name__} verbose_name_plural", model._meta.verbose_name_plural),
        ]
        for field in model._meta.get_fields():
            name = f"{model.__name__}.{field.name}"
            if hasattr(field, "verbose_name") and not field.auto_created and name not in INLINE_PARENT_LINKS:
                if field.editable or field.verbose_name != field.name.replace("_", " "):
                    labels.append((name, field.verbose_name))
            for value, label in getattr(field, "flatchoices", None) or []:
                labels.append((f"{model.__name__}.{field.name}={value}", label))
    return labels


# Labels that read the same in every language.
SAME_IN_EVERY_LANGUAGE = {"URL"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_model_label_and_choice_is_translated(language):
    with translation.override("en"):  # not whatever language an earlier test's request left active
        english = {name: str(label) for name, label in model_labels()}
    with translation.override(language):
        translated = {name: str(label) for name, label in model_labels()}
    assert len(english) > 100
    untranslated = [
        name for name, text in english.items() if translated[name] == text and text not in SAME_IN_EVERY_LANGUAGE
    ]
    assert untranslated == []


def test_statuses_kinds_and_relations_read_in_the_readers_language(chain):
    memorandum = chain["centres_mou"]
    with translation.override("ru"):
        assert memorandum.get_status_display() == "подписан"
        assert memorandum.get_kind_display() == "меморандум о взаимопонимании"
        assert str(Commitment.Status.IN_PROGRESS.label) == "выполняется"
    with translation.override("ar"):
        assert memorandum.get_status_display() == "موقّعة"
        assert memorandum.get_kind_display() == "مذكرة تفاهم"
        assert str(Visit.Kind.STATE.label) == "زيارة دولة"


# ---------------------------------------------------------------- every page in each language


class VisibleText(HTMLParser):
    """The text a reader sees or hears in the page's language: text nodes, and labels carried in
    attributes. Text marked as another language (`<option lang="en">English</option>`) is left out."""

    SPOKEN_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.nodes: list[str] = []
        self.hidden_depth = 0
        self.page_language = ""
        self.foreign: list[str] = []  # open elements in another language, innermost last

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.page_language = attributes.get("lang", "")
        elif attributes.get("lang", self.page_language) != self.page_language or (
            self.foreign and tag == self.foreign[-1]
        ):
            self.foreign.append(tag)
        if tag in ("script", "style"):
            self.hidden_depth += 1
        if not self.foreign:
            self.nodes += [value for name, value in attrs if name in self.SPOKEN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden_depth -= 1
        if self.foreign and tag == self.foreign[-1]:
            self.foreign.pop()

    def handle_data(self, data):
        if not self.hidden_depth and not self.foreign and data.strip():
            self.nodes.append(" ".join(data.split()))


def untranslated_interface_text(html: str, language: str) -> list[str]:
    """English interface messages (from templates and Python) that appear in `html` although
    `language` should say them otherwise: as a whole text node, or, for messages of three words or
    more, anywhere in the text. A message the catalogue keeps as it is ("CSV") does not count."""
    parser = VisibleText()
    parser.feed(html)
    nodes = set(parser.nodes)
    text = " ".join(parser.nodes)
    kept_as_is = {entry_key(e) for e in catalogue(language).translated_entries() if e.msgstr == e.msgid}
    found = []
    for key in template_messages() | python_messages():
        msgid = " ".join(key[1].split())
        if "%(" in msgid or "<" in msgid or key in kept_as_is:
            continue
        if msgid in nodes or (len(msgid.split()) >= 3 and msgid in text):
            found.append(msgid)
    return sorted(found)


def every_page(chain) -> list[str]:
    return [
        reverse("agreements:overview"),
        reverse("agreements:memorandum-list"),
        reverse("agreements:visit-list"),
        reverse("agreements:commitment-list"),
        chain["centres_mou"].get_absolute_url(),
        chain["forum"].get_absolute_url(),
        chain["state_visit"].get_absolute_url(),
        chain["centres_mou"].signatories.first().institution.get_absolute_url(),
        chain["belarus"].get_absolute_url(),
        reverse("agreements:pair-detail", args=["BY", "OM"]),
        reverse("agreements:pair-brief", args=["BY", "OM"]),
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_speaks_the_readers_language_throughout(admin_client, chain, language):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = every_page(chain)
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html, url
        assert untranslated_interface_text(html, language) == [], url


def test_the_check_finds_english_left_in_a_page(admin_client, chain):
    html = admin_client.get(reverse("agreements:overview")).content.decode()  # English
    assert {"Cooperation at a glance", "Latest agreements", "Skip to content"} <= set(
        untranslated_interface_text(html, "ru")
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_sign_in_page_speaks_the_readers_language(db, language):
    client = Client()  # signed out
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("login")).content.decode()
    assert f'<html lang="{language}"' in html
    assert untranslated_interface_text(html, language) == []


def test_dates_names_and_arrows_follow_the_reader(admin_client, chain):
    centres_mou, state_visit = chain["centres_mou"], chain["state_visit"]
    Sector.objects.filter(pk=chain["oncology"].pk).update(name_ru="Онкология")
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = admin_client.get(centres_mou.get_absolute_url()).content.decode()
    assert "6 октября 2025" in html
    assert ">Онкология</a>" in html
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = admin_client.get(state_visit.get_absolute_url()).content.decode()
    assert "عُمان ← بيلاروس" in html  # guest ← host, read from the right
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = admin_client.get(state_visit.get_absolute_url()).content.decode()
    assert "Oman → Belarus" in html


# ---------------------------------------------------------------- choosing a language


def test_every_page_offers_the_languages_in_their_own_names(admin_client, chain):
    html = admin_client.get(reverse("agreements:overview")).content.decode()
    form = re.search(r'<form class="language-switcher" action="/i18n/setlang/" method="post".*?</form>', html, re.S)
    assert form, "no language form in the header"
    assert '<label for="language-select">Language</label>' in form[0]
    assert re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>([^<]+)</option>', form[0]) == [
        ("en", "English"),
        ("ru", "Русский"),
        ("ar", "العربيّة"),
    ]
    assert '<button type="submit"' in form[0]


def test_the_chosen_language_is_remembered(admin_client, chain):
    response = admin_client.post("/i18n/setlang/", {"language": "ar", "next": "/memoranda/"})
    assert response.status_code == 302 and response["Location"] == "/memoranda/"
    assert admin_client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    html = admin_client.get("/visits/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert '<option value="ar" lang="ar" selected>' in html


def test_a_language_can_be_chosen_before_signing_in(db):
    client = Client()  # signed out
    response = client.post("/i18n/setlang/", {"language": "ru", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert '<html lang="ru"' in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize(
    ("language", "visits", "memoranda"),
    [
        ("en", "2</span> visits", "2</span> memoranda"),
        ("ru", "2</span> визита", "2</span> меморандума"),
        ("ar", "2</span> زيارتان", "2</span> مذكرتا تفاهم"),
    ],
)
def test_counts_take_the_plural_form_of_each_language(client, chain, language, visits, memoranda):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for page in ("/", "/countries/BY/OM/"):
        html = client.get(page).content.decode()
        assert visits in html and memoranda in html, page


def test_the_admin_names_the_sign_in_attempts_in_the_readers_language(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = admin_client.get("/admin/")
    assert response.status_code == 200, response
    html = response.content.decode()
    assert "محاولات تسجيل الدخول" in html
    assert not re.search(r">\s*Axes\s*<", html, re.IGNORECASE)


def test_a_joint_statements_badge_names_its_kind(client, chain):
    from agreements.models import Memorandum

    factories.MemorandumFactory(
        title="Joint statement",
        kind=Memorandum.Kind.JOINT_STATEMENT,
        country_a=chain["belarus"],
        country_b=chain["oman"],
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = client.get("/countries/BY/OM/").content.decode()
    assert '<span class="badge badge--kind">بيان مشترك</span>' in html
    assert '<span class="badge badge--kind">زيارة دولة</span>' in html
