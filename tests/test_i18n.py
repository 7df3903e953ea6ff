"""The interface in English, Russian and Arabic: complete catalogues, every page in each language."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation

from agreements.models import Sector

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


def template_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every {% translate %} and {% blocktranslate %} in the project's templates,
    as makemessages extracts them."""
    engine = engines["django"].engine
    found: set[tuple[str | None, str]] = set()
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        template = engine.from_string(path.read_text(encoding="utf-8"))
        for node in template.nodelist.get_nodes_by_type(TranslateNode):
            if node.filter_expression.var.literal is not None and not node.noop:
                context = node.message_context.var.literal if node.message_context else None
                found.add((context, str(node.filter_expression.var.literal)))
        for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
            singular, _ = node.render_token_list(node.singular)
            context = node.message_context.var.literal if node.message_context else None
            found.add((context, singular))
    return found


def test_templates_have_messages_to_check():
    assert len(template_messages()) > 50


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_template_message_is_in_the_catalogue(language):
    translated = {entry_key(e) for e in catalogue(language).translated_entries()}
    assert sorted(template_messages() - translated, key=str) == []


# ---------------------------------------------------------------- data shown in the reader's language


def test_country_names_come_localised_from_django_countries(belarus, oman):
    with translation.override("ru"):
        assert (belarus.name, oman.name) == ("Беларусь", "Оман")
    with translation.override("ar"):
        assert (belarus.name, oman.name) == ("روسيا البيضاء", "عُمان")


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
