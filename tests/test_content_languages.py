"""Record content in three languages: the reader's, else the original, marked so."""

import io

import openpyxl
import pytest
import tablib
from django.utils import translation
from django.utils.translation import gettext

from agreements.models import Memorandum, Person
from agreements.resources import MemorandumResource, PersonResource

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


# ---------------------------------------------------------------- a person's title or role

MINISTER_RU = "Министр здравоохранения Беларуси"
MINISTER_AR = "وزير الصحة في بيلاروس"


@pytest.fixture
def minister(chain):
    """Belarus's health minister, with his title in Russian and Arabic; Oman's is left in English."""
    minister = chain["forum"].leader
    minister.title_ru, minister.title_ar = MINISTER_RU, MINISTER_AR
    minister.save()
    return minister


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_a_persons_title_reads_in_the_readers_language_wherever_they_are_named(client, chain, minister, language):
    client.cookies["django_language"] = language
    title = MINISTER_RU if language == "ru" else MINISTER_AR
    comma = ", " if language == "ru" else "، "
    person = client.get(minister.get_absolute_url()).content.decode()
    assert f'<p class="lede">{title} </p>' in person
    led = client.get(chain["forum"].get_absolute_url()).content.decode()
    assert f'<br><span class="meta">{title}</span>' in led
    met = client.get(chain["state_visit"].get_absolute_url()).content.decode()
    assert f'<span class="meta">{title}{comma}<a href="{minister.institution.get_absolute_url()}">' in met
    signed = client.get(chain["ministries_mou"].get_absolute_url()).content.decode()
    assert f"</bdi></a>{comma}{title}</span>" in signed
    institution = client.get(minister.institution.get_absolute_url()).content.decode()
    assert f'<span class="meta">{title}</span>' in institution


def test_a_persons_page_names_their_institution_in_the_readers_language(client, chain, minister):
    client.cookies["django_language"] = "ru"
    page = client.get(minister.get_absolute_url()).content.decode()
    russian = "Министерство здравоохранения Республики Беларусь"
    assert f'<bdi>{russian}</bdi> <span class="original-name">(<bdi>{minister.institution.name}</bdi>)</span>' in page
    assert f"<bdi>{russian}</bdi></a>\n</nav>" in page  # the breadcrumbs


def test_an_untranslated_title_is_marked_as_the_original(client, chain, minister):
    client.cookies["django_language"] = "ru"
    omani = chain["state_visit"].participants.get()
    met = client.get(chain["state_visit"].get_absolute_url()).content.decode()
    assert f'<span class="meta"><span lang="en" dir="auto">{omani.title}</span>, ' in met
    page = client.get(omani.get_absolute_url()).content.decode()
    assert '<span class="original-mark">(оригинал на английском)</span>' in page
    client.cookies["django_language"] = "en"
    page = client.get(minister.get_absolute_url()).content.decode()
    assert '<p class="lede">Minister of Health </p>' in page


def test_search_finds_a_person_by_their_title_in_any_language(minister):
    assert list(Person.objects.search("министр здравоохранения")) == [minister]
    assert list(Person.objects.search("وزير الصحة")) == [minister]


def test_person_titles_import_and_export_in_columns_of_their_own(minister):
    exported = PersonResource().export().dict
    row = next(row for row in exported if row["slug"] == minister.slug)
    assert (row["title"], row["title_ru"], row["title_ar"]) == ("Minister of Health", MINISTER_RU, MINISTER_AR)
    dataset = tablib.Dataset(headers=["slug", "name", "country", "title_ar"])
    dataset.append([minister.slug, minister.name, "BY", "وزير الصحة العامة"])
    result = PersonResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    minister.refresh_from_db()
    assert (minister.title_ar, minister.title_ru) == ("وزير الصحة العامة", MINISTER_RU)


def test_the_admin_edits_a_persons_title_in_the_three_languages_side_by_side(administrator_client, minister):
    page = administrator_client.get(f"/admin/agreements/person/{minister.pk}/change/").content.decode()
    row = page.split('name="title"')[1].split("</fieldset>")[0]
    assert 'name="title_ru"' in row and 'name="title_ar"' in row
    assert f'value="{MINISTER_AR}"' in row
    title_ar = page.split('name="title_ar"')[0].rsplit("<input", 1)[1] + page.split('name="title_ar"')[1].split(">")[0]
    assert 'lang="ar" dir="rtl"' in title_ar


@pytest.mark.parametrize(
    ("language", "leader"),
    [
        ("en", "Aleksandr Khodjaev (Minister of Health)"),
        ("ru", f"Aleksandr Khodjaev ({MINISTER_RU})"),
        ("ar", f"\u2068Aleksandr Khodjaev\u2069 (\u2068{MINISTER_AR}\u2069)"),
    ],
)
def test_the_report_names_people_with_their_titles_in_the_readers_language(client, minister, language, leader):
    response = client.get("/visits/report.xlsx", {"lang": language, "kind": "forum"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headings = [cell.value for cell in sheet[1]]
    with translation.override(language):
        column = headings.index(gettext("Delegation leader")) + 1
    assert sheet.cell(row=2, column=column).value == leader
