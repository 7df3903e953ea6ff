"""Free-text search across English, Russian and Arabic spellings, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from agreements.models import Commitment, Institution, InstitutionName, Memorandum, Person, Visit
from agreements.search import latin, matches, normalise, search_text
from tests import factories


@pytest.fixture
def seeded(db):
    call_command("seed", verbosity=0)


def slugs(queryset) -> set[str]:
    return set(queryset.values_list("slug", flat=True))


# ---------------------------------------------------------------- the keys


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Минздрав", "минздрав"),
        ("Ёлка", "елка"),
        ("السُّلْطَانُ هَيْثَم", "السلطان هيثم"),
        ("أحمد إبراهيم آل سعيد", "احمد ابراهيم ال سعيد"),
        ("مكتبة مستشفى", "مكتبه مستشفي"),
        ("مؤتمر رئيس", "موتمر رييس"),
        ("ســـلطان", "سلطان"),
        ("Pérez Benítez", "perez benitez"),
        ("N.N. Alexandrov", "n n alexandrov"),
        ("Алейник", "алейник"),
    ],
)
def test_the_native_key_folds_case_diacritics_and_letter_variants(text, key):
    assert normalise(text) == key


def test_alexandrov_aleksandrov_and_alexandrova_share_a_latin_key():
    assert latin("Alexandrov") == latin("Aleksandrov") == "aleksandrov"
    assert latin("Александрова").startswith("aleksandrov")
    assert latin("Sergey Aleynik") == latin("Сергей Алейник")


def test_a_record_keeps_both_keys_of_each_name():
    assert (
        search_text("РНПЦ ОМР им. Н.Н. Александрова") == "рнпц омр им н н александрова\nrnpts omr im n n aleksandrova"
    )


# ---------------------------------------------------------------- searching the seed


@pytest.mark.parametrize("query", ["Александрова", "Alexandrov", "Aleksandrov", "александров", "РНПЦ ОМР"])
def test_the_alexandrov_centre_is_found_in_any_spelling(seeded, query):
    assert "alexandrov-cancer-centre" in slugs(Institution.objects.search(query))


@pytest.mark.parametrize("query", ["السلطان هيثم", "السُّلْطَانُ هَيْثَم", "هيثم بن طارق ال سعيد", "هَيْثَم"])
def test_arabic_matches_with_and_without_diacritics_and_alef_variants(seeded, query):
    assert slugs(Person.objects.filter(matches(query))) == {"haitham-bin-tarik"}


def test_hamza_forms_of_alef_meet(seeded):
    # The seed writes ألكسندر with hamza above; a reader typing a bare alef still finds him.
    assert "lukashenko" in slugs(Person.objects.filter(matches("الكسندر لوكاشينكو")))
    assert "lukashenko" in slugs(Person.objects.filter(matches("إلكسندر")))


def test_a_memorandum_is_found_by_the_russian_name_of_a_party(seeded):
    found = slugs(Memorandum.objects.search("РНПЦ ОМР им. Н.Н. Александрова"))
    assert found
    assert found == slugs(Memorandum.objects.filter(parties__slug="alexandrov-cancer-centre"))


def test_a_memorandum_is_found_by_the_arabic_name_of_a_party(seeded):
    expected = slugs(Memorandum.objects.filter(parties__slug="sqcccrc"))
    assert expected
    assert expected <= slugs(Memorandum.objects.search("مركز السلطان قابوس"))


def test_a_visit_is_found_by_a_person_taking_part_in_another_script(seeded):
    led_by_lukashenko = (
        slugs(Visit.objects.filter(leader__slug="lukashenko"))
        | slugs(Visit.objects.filter(participants__slug="lukashenko"))
        | slugs(Visit.objects.filter(people_met__slug="lukashenko"))
    )
    assert led_by_lukashenko
    assert led_by_lukashenko <= slugs(Visit.objects.search("Лукашенко"))


def test_a_commitment_is_found_by_its_words_in_any_case(seeded):
    assert Commitment.objects.search("ONCOLOGY").count() == Commitment.objects.search("oncology").count()


def test_an_empty_query_finds_nothing_by_key(seeded):
    assert not Institution.objects.filter(matches("  ...  ")).exists()


# ---------------------------------------------------------------- keeping the keys current


def test_an_alternative_name_added_later_is_searchable(db):
    centre = factories.InstitutionFactory(name="Sultan Qaboos Comprehensive Cancer Care and Research Centre")
    assert not Institution.objects.search("قابوس").exists()
    InstitutionName.objects.create(institution=centre, name="مركز السلطان قابوس", language="ar")
    assert list(Institution.objects.search("قابوس")) == [centre]
    centre.alternative_names.all().delete()
    assert not Institution.objects.search("قابوس").exists()


def test_a_memorandum_linked_after_saving_is_found_by_its_new_party(memorandum, ministry_om):
    InstitutionName.objects.create(institution=ministry_om, name="وزارة الصحة", language="ar")
    assert not Memorandum.objects.search("وزارة الصحة").exists()
    factories.SignatoryFactory(memorandum=memorandum, institution=ministry_om)
    assert list(Memorandum.objects.search("وزاره الصحه")) == [memorandum]


def test_rebuild_search_text_keys_rows_written_without_save(memorandum):
    Memorandum.objects.filter(pk=memorandum.pk).update(title="Меморандум о взаимопонимании", search_text="")
    assert not Memorandum.objects.search("memorandum o vzaimoponimanii").exists()
    assert Memorandum.objects.all().rebuild_search_text() == 1
    assert list(Memorandum.objects.search("memorandum o vzaimoponimanii")) == [memorandum]


# ---------------------------------------------------------------- Latin transliteration as a fallback


def test_a_name_written_only_in_cyrillic_is_found_by_its_latin_transliteration(db):
    ministry = factories.InstitutionFactory(name="Министерство здравоохранения Республики Беларусь")
    for query in ["Ministerstvo zdravookhraneniya", "ZDRAVOOKHRANENIYA respubliki", "zdravookhraneniia"]:
        assert list(Institution.objects.search(query)) == [ministry], query


def test_a_name_written_only_in_latin_letters_is_found_by_its_cyrillic_spelling(db):
    person = factories.PersonFactory(name="Sergey Aleynik")
    assert list(Person.objects.filter(matches("Сергей Алейник"))) == [person]


def test_an_arabic_name_is_found_whatever_the_alef_and_final_letters(db):
    centre = factories.InstitutionFactory(name="مُؤَسَّسَة إِبْرَاهِيم الطِّبِّيَّة")
    for query in ["مؤسسة ابراهيم الطبية", "موسسه إبراهيم", "مؤسسة أبراهيم الطبيه"]:
        assert list(Institution.objects.search(query)) == [centre], query
