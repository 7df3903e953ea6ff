"""Languages of sources and of names in other languages: any ISO 639-1 language, by code or by
its name in English, Russian or Arabic."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from agreements.models import InstitutionName, Source
from tests.test_import import confirm, write_csv
from tests.test_import_keys import preview, problems


def test_names_and_sources_take_any_language_by_code_or_name(admin_client, tmp_path, ministry_by):
    header = ["slug", "name", "alternative_names", "country", "kind"]
    names = "kk:Денсаулық сақтау министрлігі|белорусский:Міністэрства аховы здароўя|Swahili:Wizara ya Afya"
    rows = [[ministry_by.slug, ministry_by.name, names, "BY", "ministry"]]
    response = preview(admin_client, "institution", write_csv(tmp_path / "i.csv", header, rows))
    assert problems(response) == {}
    assert confirm(admin_client, "institution", response).status_code == 302
    assert set(InstitutionName.objects.values_list("language", flat=True)) == {"kk", "be", "sw"}

    header = ["title", "language", "published"]
    rows = [["Habari za afya", "السواحلية", "2025"], ["Новости", "ru", "2025"], ["Жаңалықтар", "Kazakh", "2025"]]
    response = preview(admin_client, "source", write_csv(tmp_path / "s.csv", header, rows))
    assert problems(response) == {}
    assert confirm(admin_client, "source", response).status_code == 302
    assert dict(Source.objects.values_list("title", "language")) == {
        "Habari za afya": "sw",
        "Новости": "ru",
        "Жаңалықтар": "kk",
    }


def test_a_language_that_is_not_one_is_refused_naming_row_and_column(admin_client, tmp_path, belarus):
    rows = [["News", "Klingon", "2025"]]
    response = preview(admin_client, "source", write_csv(tmp_path / "s.csv", ["title", "language", "published"], rows))
    assert problems(response)[(2, "language")] == (
        "Klingon",
        "“Klingon” is not an ISO 639-1 language code (such as ru, ar, be) or the name of a language in "
        "English, Russian or Arabic.",
    )

    rows = [["Ministry", "xx:Ministry", "BY", "ministry"]]
    header = ["name", "alternative_names", "country", "kind"]
    response = preview(admin_client, "institution", write_csv(tmp_path / "i.csv", header, rows))
    assert problems(response)[(2, "alternative_names")][1].startswith("“xx:Ministry” is not language:name")


def test_the_admin_offers_every_language_named_in_the_reader_s_language(admin_client, db):
    html = admin_client.get(reverse("admin:agreements_source_add")).content.decode()
    assert '<option value="kk">Kazakh</option>' in html
    assert '<option value="la-Latn">Latin transliteration</option>' in html
    with translation.override("ru"):
        html = admin_client.get(reverse("admin:agreements_source_add"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<option value="kk">казахский</option>' in html
