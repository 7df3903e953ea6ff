"""Imports name records as a clerk does: by name, alternative name or slug, countries by code
or name, choices by code or label, yes and no in the tracker's languages."""

from __future__ import annotations

from django.urls import reverse

from agreements.models import Institution, Memorandum, Person
from agreements.resources import InstitutionResource, MemorandumResource
from tests import factories
from tests.test_import import FORMAT, confirm, write_csv, write_xlsx

HEADER = ["title", "kind", "status", "legally_binding", "country_a", "country_b", "parties", "signed", "sectors"]


def preview(client, model: str, path, file_format: str = "csv", *, create_missing: bool = True):
    data = {"resource": "0", "format": FORMAT[file_format]}
    if create_missing:
        data["create_missing"] = "on"
    with open(path, "rb") as handle:
        return client.post(reverse(f"admin:agreements_{model}_import"), {**data, "import_file": handle})


def problems(response) -> dict[tuple[int, str], tuple[str, str]]:
    return {(p.row, p.column): (p.value, p.reason) for p in response.context["report"].problems}


def test_a_file_without_slugs_names_everything_in_words(admin_client, tmp_path, ministry_by, ministry_om, oncology):
    factories.InstitutionNameFactory(institution=ministry_om, name="Министерство здравоохранения Омана", language="ru")
    rows = [
        [
            "MoU on oncology",
            "Memorandum of Understanding",
            "in force",
            "yes",
            "Belarus",
            "Оман",
            "ministry of health of belarus|Министерство здравоохранения Омана",
            "2025-10-06",
            "Oncology",
        ],
        ["Protocol on training", "протокол", "подписан", "нет", "BY", "عُمان", "moh-oman", "2025", "healthcare"],
        ["Joint statement", "joint-statement", "", "", "blr", "OM", "", "2025", ""],
    ]
    path = write_xlsx(tmp_path / "memoranda.xlsx", HEADER, rows)

    response = preview(admin_client, "memorandum", path, "xlsx")
    assert response.context["report"].problems == []
    assert confirm(admin_client, "memorandum", response).status_code == 302

    oncology_mou = Memorandum.objects.get(title="MoU on oncology")
    assert oncology_mou.slug == "mou-on-oncology"
    assert (oncology_mou.kind, oncology_mou.status, oncology_mou.legally_binding) == ("mou", "in-force", True)
    assert (oncology_mou.country_a.code, oncology_mou.country_b.code) == ("BY", "OM")
    assert set(oncology_mou.parties.all()) == {ministry_by, ministry_om}
    assert list(oncology_mou.sectors.all()) == [oncology]
    protocol = Memorandum.objects.get(title="Protocol on training")
    assert (protocol.kind, protocol.status, protocol.legally_binding) == ("protocol", "signed", False)
    assert protocol.country_b.code == "OM"
    statement = Memorandum.objects.get(title="Joint statement")
    assert (statement.status, statement.legally_binding, statement.country_a.code) == ("signed", None, "BY")


def test_words_that_are_not_choices_are_refused_with_the_choices_listed(admin_client, tmp_path, belarus, oman):
    rows = [["MoU", "treaty", "signed", "maybe", "BY", "Atlantis", "", "2025", ""]]
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", HEADER, rows))

    found = problems(response)
    assert found[(2, "kind")][1].startswith("“treaty” is not one of the choices: mou (memorandum of understanding), ")
    assert found[(2, "legally_binding")][1].startswith("“maybe” is not yes or no")
    assert found[(2, "country_b")] == (
        "Atlantis",
        "“Atlantis” is not an ISO 3166-1 alpha-2 country code or the name of a country in English, Russian or Arabic.",
    )
    assert not Memorandum.objects.exists()


def test_a_name_several_records_share_is_chosen_by_the_row_s_countries_or_refused(
    admin_client, tmp_path, belarus, oman
):
    factories.InstitutionFactory(name="Ministry of Health", slug="moh-by", country=belarus)
    factories.InstitutionFactory(name="Ministry of Health", slug="moh-om", country=oman)
    header = ["name", "country", "kind", "parent"]
    rows = [
        ["Department of oncology", "Oman", "other", "Ministry of Health"],
    ]
    response = preview(admin_client, "institution", write_csv(tmp_path / "i.csv", header, rows))
    assert response.context["report"].problems == []
    assert confirm(admin_client, "institution", response).status_code == 302
    assert Institution.objects.get(name="Department of oncology").parent.slug == "moh-om"

    header = ["title", "kind", "country_a", "country_b", "parties", "signed"]
    rows = [["Twinning", "mou", "BY", "OM", "Ministry of Health", "2025"]]
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", header, rows))
    value, reason = problems(response)[(2, "parties")]
    assert reason == (
        "“Ministry of Health” may be any of 2 institutions: “Ministry of Health” (moh-by, Belarus); "
        "“Ministry of Health” (moh-om, Oman). Write the slug of the one meant."
    )


def test_unknown_institutions_and_people_are_created_in_the_row_s_country_when_allowed(
    admin_client, tmp_path, belarus, oman, ministry_by
):
    header = ["title", "kind", "country_a", "country_b", "parties", "signed"]
    rows = [["Twinning", "mou", "BY", "OM", "moh-belarus|Sultan Qaboos University Hospital", "2025"]]
    path = write_csv(tmp_path / "m.csv", header, rows)

    refused = preview(admin_client, "memorandum", path, create_missing=False)
    assert problems(refused)[(2, "parties")][1] == (
        "No institution has the slug, name or alternative name “Sultan Qaboos University Hospital”."
    )

    response = preview(admin_client, "memorandum", path)
    [created] = response.context["report"].created
    assert (created.row, created.column) == (2, "parties")
    assert created.record == "“Sultan Qaboos University Hospital” (sultan-qaboos-university-hospital, Oman)"
    assert "Records the import creates" in response.content.decode()
    assert not Institution.objects.filter(country=oman).exists(), "the preview is a dry run"
    assert confirm(admin_client, "memorandum", response).status_code == 302
    hospital = Institution.objects.get(name="Sultan Qaboos University Hospital")
    assert (hospital.country, hospital.kind) == (oman, "other")
    assert hospital in Memorandum.objects.get().parties.all()

    header = ["name", "country", "institution"]
    rows = [["Hilal Al Sabti", "Oman", "Ministry of Health of Oman"], ["Someone", "", "moh-nowhere"]]
    response = preview(admin_client, "person", write_csv(tmp_path / "p.csv", header, rows))
    assert problems(response)[(3, "institution")][1] == (
        "No institution has the slug, name or alternative name “moh-nowhere”."
    )
    rows = rows[:1]
    response = preview(admin_client, "person", write_csv(tmp_path / "p.csv", header, rows))
    assert confirm(admin_client, "person", response).status_code == 302
    assert Person.objects.get().institution.country == oman


def test_a_row_naming_a_row_that_failed_says_so(admin_client, tmp_path, belarus):
    header = ["name", "country", "kind", "parent"]
    rows = [
        ["National Academy of Sciences", "Belarus", "academy", ""],
        ["Institute of Physiology", "Belarus", "research centre", "National Academy of Sciences"],
    ]
    response = preview(admin_client, "institution", write_csv(tmp_path / "i.csv", header, rows))
    found = problems(response)
    assert found[(2, "kind")][0] == "academy"
    assert found[(3, "parent")] == (
        "National Academy of Sciences",
        "Refers to row 2 of institutions, which has an error.",
    )


def test_re_importing_an_unchanged_file_changes_nothing(admin_client, tmp_path, ministry_by, ministry_om, oncology):
    rows = [
        ["MoU on oncology", "mou", "signed", "yes", "BY", "OM", "moh-belarus|moh-oman", "2025-10-06", "oncology"],
        ["MoU on training", "mou", "signed", "", "BY", "OM", "moh-belarus", "2025", ""],
    ]
    path = write_csv(tmp_path / "m.csv", HEADER, rows)
    assert confirm(admin_client, "memorandum", preview(admin_client, "memorandum", path)).status_code == 302

    again = preview(admin_client, "memorandum", path)
    report = again.context["report"]
    assert (report.new, report.changed, report.unchanged) == (0, 0, 2)
    assert "0 new, 0 changed, 2 unchanged" in again.content.decode()
    response = confirm(admin_client, "memorandum", again)
    assert Memorandum.objects.count() == 2
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Imported memoranda: 0 new, 0 changed, 2 unchanged."]

    rows[1][1] = "protocol"
    report = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", HEADER, rows)).context["report"]
    assert (report.new, report.changed, report.unchanged) == (0, 1, 1)


def test_an_exported_file_imports_again_unchanged(ministry_by):
    factories.InstitutionNameFactory(institution=ministry_by, name="Минздрав", language="ru")
    exported = InstitutionResource().export()
    result = InstitutionResource().import_data(exported, dry_run=True)
    assert (result.totals["update"], result.totals["skip"]) == (0, 1)
    result = MemorandumResource().import_data(MemorandumResource().export(), dry_run=True)
    assert not result.has_errors()


def test_signers_kinds_of_instrument_and_original_titles(admin_client, tmp_path, ministry_by, ministry_om):
    header = ["title", "original_title", "original_title_language", "kind", "kind_label", "country_a", "country_b"]
    header += ["parties", "signatories", "signed", "exchanged"]
    rows = [
        [
            "Letter of intent on oncology",
            "Письмо о намерениях в области онкологии",
            "Russian",
            "letter of intent",
            "",
            "BY",
            "OM",
            "moh-belarus",
            "Ministry of Health of Belarus: Dmitry Pinevich|Ministry of Health of Oman: Hilal Al Sabti",
            "2025",
            "yes",
        ],
        ["Letter of agreement", "", "", "other", "letter of agreement", "BY", "OM", "", "moh-oman", "2025", ""],
    ]
    path = write_csv(tmp_path / "m.csv", header, rows)
    response = preview(admin_client, "memorandum", path)
    assert response.context["report"].problems == []
    assert [created.record for created in response.context["report"].created] == [
        "“Dmitry Pinevich” (dmitry-pinevich, Belarus)",
        "“Hilal Al Sabti” (hilal-al-sabti, Oman)",
    ]
    assert confirm(admin_client, "memorandum", response).status_code == 302

    letter = Memorandum.objects.get(kind="letter-of-intent")
    assert (letter.exchanged, letter.original_title_language) == (True, "ru")
    signed = {s.institution: s.person.name for s in letter.signatories.select_related("institution", "person")}
    assert signed == {ministry_by: "Dmitry Pinevich", ministry_om: "Hilal Al Sabti"}
    assert list(Memorandum.objects.search("pinevich")) == [letter]
    page = admin_client.get(letter.get_absolute_url()).content.decode()
    assert "exchanged by" in page and 'lang="ru"' in page
    other = Memorandum.objects.get(kind="other")
    assert other.kind_in_words == "letter of agreement"
    assert "Letter of agreement" in admin_client.get(other.get_absolute_url()).content.decode()

    exported = MemorandumResource().export()
    by_title = {row["title"]: row for row in exported.dict}
    assert by_title["Letter of intent on oncology"]["signatories"] in (
        "moh-belarus: dmitry-pinevich|moh-oman: hilal-al-sabti",
        "moh-oman: hilal-al-sabti|moh-belarus: dmitry-pinevich",
    )
    result = MemorandumResource().import_data(exported, dry_run=True)
    assert (result.totals["update"], result.totals["skip"]) == (0, 2)


def test_the_preview_warns_of_a_commitment_kept_by_a_planned_visit_or_an_earlier_record(
    admin_client, tmp_path, forum, memorandum
):
    planned = factories.VisitFactory(title="Return visit", status="planned", date="2027")
    memorandum.signed = "2020"
    memorandum.save()
    header = ["title", "origin_visit", "status", "fulfilled_by_visit", "fulfilled_by_memorandum"]
    rows = [
        ["Return the visit", forum.slug, "fulfilled", "Return visit", ""],
        ["Sign an MoU", forum.slug, "fulfilled", "", memorandum.title],
    ]
    response = preview(admin_client, "commitment", write_csv(tmp_path / "c.csv", header, rows))
    assert response.context["report"].problems == []
    warnings = [(w.row, w.column, w.value) for w in response.context["report"].warnings]
    assert warnings == [(2, "fulfilled_by_visit", planned.title), (3, "fulfilled_by_memorandum", memorandum.title)]
    assert "Worth checking" in response.content.decode()
