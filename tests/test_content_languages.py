"""Record content in three languages: the reader's, else the original, marked so."""

import io

import openpyxl
import pytest
import tablib
from django.utils import translation

from agreements.models import Memorandum
from agreements.resources import MemorandumResource

TITLE_RU = "Меморандум о сотрудничестве национальных онкологических центров Беларуси и Омана"
TITLE_AR = "مذكرة تعاون بين المركزين الوطنيين للأورام في بيلاروس وعُمان"


@pytest.fixture
def translated(chain):
    memorandum = chain["centres_mou"]
    memorandum.title_ru, memorandum.title_ar = TITLE_RU, TITLE_AR
    memorandum.summary_ru = "Совместное обучение онкологов и телемедицинские консультации."
    memorandum.save()
    return memorandum


def test_a_record_reads_in_the_readers_language_else_in_the_original(translated):
    with translation.override("ru"):
        assert str(translated) == TITLE_RU
        assert not translated.shows_original("title")
        assert translated.localized("summary").startswith("Совместное обучение")
    with translation.override("ar"):
        assert translated.localized("summary") == translated.summary
        assert translated.shows_original("summary")
    with translation.override("en"):
        assert str(translated) == translated.title and not translated.shows_original("title")


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_the_memorandum_page_shows_its_title_in_the_readers_language(client, translated, language):
    client.cookies["django_language"] = language
    page = client.get(translated.get_absolute_url()).content.decode()
    assert f"<h1>{TITLE_RU if language == 'ru' else TITLE_AR} </h1>" in page
    assert f"<title>&#x2068;{TITLE_RU if language == 'ru' else TITLE_AR}&#x2069; · " in page


def test_an_untranslated_text_is_marked_as_the_original(client, translated):
    client.cookies["django_language"] = "ar"
    page = client.get(translated.get_absolute_url()).content.decode()
    assert f'<span lang="en" dir="auto">{translated.summary}</span>' in page
    client.cookies["django_language"] = "ru"
    health = client.get(translated.relations_both_ways()[0][1].get_absolute_url()).content.decode()
    assert "(оригинал на английском)" in health


def test_search_finds_a_record_by_any_languages_text(client, translated):
    for words in ("онкологических центров", "المركزين الوطنيين", "national cancer centres"):
        listed = client.get("/memoranda/", {"q": words}).context["page"].object_list
        assert [memorandum.slug for memorandum in listed] == [translated.slug], words


def test_translations_import_and_export_in_columns_of_their_own(client, translated):
    exported = client.get("/memoranda/export.xlsx", {"q": "Oman"}).content
    headers = [cell.value for cell in openpyxl.load_workbook(io.BytesIO(exported)).active[1]]
    assert {"title_ru", "title_ar", "summary_ru", "summary_ar"} <= set(headers)
    dataset = tablib.Dataset(headers=["slug", "title", "kind", "country_a", "country_b", "title_ar", "summary_ar"])
    dataset.append(
        [translated.slug, translated.title, "mou", "BY", "OM", TITLE_AR + " (تعديل)", "تدريب مشترك لأطباء الأورام."]
    )
    result = MemorandumResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    translated.refresh_from_db()
    assert (translated.title_ar, translated.title_ru) == (TITLE_AR + " (تعديل)", TITLE_RU)
    assert translated.summary_ar == "تدريب مشترك لأطباء الأورام."
    assert Memorandum.objects.search("تعديل").get() == translated


def test_the_admin_edits_the_three_languages_side_by_side(administrator_client, translated):
    page = administrator_client.get(f"/admin/agreements/memorandum/{translated.pk}/change/").content.decode()
    assert 'name="title_ru"' in page and 'name="summary_ar"' in page
    assert (
        'lang="ar" dir="rtl"'
        in page.split('name="title_ar"')[0].rsplit("<input", 1)[1] + page.split('name="title_ar"')[1].split(">", 1)[0]
    )


def test_the_report_is_worded_in_the_readers_language(client, translated):
    response = client.get("/memoranda/report.xlsx", {"lang": "ru", "sector": "oncology"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == TITLE_RU
