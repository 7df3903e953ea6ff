"""The workbook import at /admin/import/: every sheet of one XLSX in one preview and one confirm."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from agreements.models import Commitment, Country, Institution, Memorandum, Person, Sector, Source, Visit
from agreements.samples import template_sheets

FILES = Path(__file__).parent / "files"
OUTCOMES = FILES / "maldives-outcomes-2022.xlsx"  # a published outcome list, as a clerk types it
TEMPLATE = Path(__file__).parent.parent / "docs" / "import-samples" / "workbook.xlsx"


def upload(client, path_or_bytes, *, create_missing: bool = True):
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    form = {"workbook": io.BytesIO(data)}
    form["workbook"].name = "workbook.xlsx"
    if create_missing:
        form["create_missing"] = "on"
    return client.post(reverse("workbook-import"), form)


def confirm(client, response):
    return client.post(reverse("workbook-import-confirm"), response.context["confirm_form"].initial)


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


@pytest.fixture
def imported_outcomes(admin_client):
    response = upload(admin_client, OUTCOMES)
    assert response.context["workbook"].problems == []
    assert response.context["workbook"].file_problems == []
    assert not Memorandum.objects.exists(), "the preview is a dry run"
    assert confirm(admin_client, response).status_code == 302
    return response


def test_an_outcome_list_imports_in_one_step_and_every_page_renders(admin_client, imported_outcomes):
    sheets = {sheet.name: sheet.report for sheet in imported_outcomes.context["workbook"].sheets}
    assert list(sheets) == ["Sectors", "Sources", "Institutions", "People", "Visits", "Memoranda", "Commitments"]
    assert {name: report.new for name, report in sheets.items()} == {
        "Sectors": 5,
        "Sources": 1,
        "Institutions": 12,
        "People": 2,
        "Visits": 1,
        "Memoranda": 6,
        "Commitments": 2,
    }
    assert imported_outcomes.context["workbook"].created == []

    disaster = Memorandum.objects.get(title="MoU for cooperation in disaster management")
    assert sorted(party.country.code.code for party in disaster.parties.all()) == ["IN", "MV"]
    assert disaster.visit.leader.name == "Ibrahim Mohamed Solih"
    assert disaster.sources.get().publisher == "Ministry of External Affairs, India"
    assert Memorandum.objects.filter(kind="other").count() == 1
    assert Commitment.objects.filter(origin_visit=disaster.visit).count() == 2

    pages = [
        reverse("agreements:overview"),
        reverse("agreements:memorandum-list"),
        reverse("agreements:visit-list"),
        reverse("agreements:commitment-list"),
        reverse("agreements:country-detail", args=["MV"]),
        reverse("agreements:pair-detail", args=["IN", "MV"]),
        *(record.get_absolute_url() for model in (Memorandum, Visit, Institution) for record in model.objects.all()),
        *(reverse("agreements:commitment-feed", args=[c.slug]) for c in Commitment.objects.all()),
        *(
            reverse(f"admin:agreements_{model._meta.model_name}_changelist")
            for model in (Sector, Source, Institution, Person, Visit, Memorandum, Commitment, Country)
        ),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_the_same_workbook_again_changes_nothing(admin_client, imported_outcomes):
    response = upload(admin_client, OUTCOMES)
    reports = [sheet.report for sheet in response.context["workbook"].sheets]
    assert [(report.new, report.changed) for report in reports] == [(0, 0)] * 7
    assert sum(report.unchanged for report in reports) == 29
    assert "0 new, 0 changed, 6 unchanged" in response.content.decode()


def test_a_bad_row_is_named_once_and_the_rows_naming_it_say_so(admin_client, belarus, oman):
    data = workbook_bytes(
        {
            "memoranda": [
                ["title", "kind", "country_a", "country_b", "parties", "signed"],
                ["MoU on health", "mou", "Belarus", "Oman", "Ministry of Health of Oman", "2025"],
            ],
            "institutions": [
                ["name", "country", "kind"],
                ["Ministry of Health of Belarus", "Belarus", "ministry"],
                ["Ministry of Health of Oman", "Oman", "ministry of health"],
            ],
        }
    )
    response = upload(admin_client, data)

    problems = [(p.sheet, p.row, p.column, p.reason) for p in response.context["workbook"].problems]
    assert problems[0][:3] == ("institutions", 3, "kind")
    assert problems[1] == ("memoranda", 2, "parties", "Refers to row 3 of institutions, which has an error.")
    assert len(problems) == 2
    assert "confirm_form" not in response.context
    assert not Institution.objects.exists(), "nothing of the workbook is written"


def test_a_workbook_that_is_not_one_of_record_sheets_is_refused_in_one_sentence(admin_client):
    response = upload(admin_client, workbook_bytes({"Treaties": [["title"], ["A treaty"]]}))
    [problem] = response.context["file_problems"]
    assert problem.startswith("The workbook has a sheet “Treaties”; sheets must be named sectors, sources,")
    response = upload(admin_client, b"not a workbook at all")
    assert len(response.context["file_problems"]) == 1
    assert "Traceback" not in response.content.decode()


def test_the_template_workbook_is_the_one_kept_in_the_docs_and_imports_cleanly(admin_client):
    response = admin_client.get(reverse("workbook-template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    kept = openpyxl.load_workbook(TEMPLATE)
    assert [
        (sheet.title, [[cell.value or "" for cell in row] for row in sheet.iter_rows()]) for sheet in kept.worksheets
    ] == [(name, [columns, *rows]) for name, columns, rows in template_sheets()]

    preview = upload(admin_client, response.content)
    assert preview.context["workbook"].problems == []
    assert confirm(admin_client, preview).status_code == 302
    mou = Memorandum.objects.get(title="Example: MoU on medical education")
    assert mou.parties.count() == 2
    [(label, plan, _relation)] = mou.relations_both_ways()
    assert (label, plan.title) == ("implemented by", "Example: work plan for 2026–2027")
    assert Visit.objects.get().cities == ["Muscat", "Sohar"]
    assert Person.objects.get(name="Example Dean").institution.name == "Example College of Medicine (Oman)"


def test_the_page_is_linked_from_the_admin_and_each_import_page(admin_client):
    link = reverse("workbook-import")
    assert link in admin_client.get(reverse("admin:index")).content.decode()
    assert link in admin_client.get(reverse("admin:agreements_memorandum_import")).content.decode()
    assert admin_client.get(link).status_code == 200


def test_only_those_who_may_import_every_kind_of_record_may_use_it(viewer_client, editor_client):
    assert viewer_client.get(reverse("workbook-import")).status_code in (302, 403)
    assert editor_client.get(reverse("workbook-import")).status_code == 200


def test_rows_naming_a_sheet_that_could_not_be_read_say_so(admin_client, belarus, oman):
    data = workbook_bytes(
        {
            "institutions": [
                ["name", "country", "kind", "colour"],
                ["Ministry of Health of Oman", "Oman", "ministry", "red"],
            ],
            "people": [["name", "country", "institution"], ["Hilal Al Sabti", "Oman", "Ministry of Health of Oman"]],
        }
    )
    workbook = upload(admin_client, data).context["workbook"]
    [file_problem] = workbook.file_problems
    assert file_problem.startswith("Sheet “institutions”: Unknown columns: “colour”.")
    [problem] = workbook.problems
    assert (problem.sheet, problem.row, problem.reason) == (
        "people",
        2,
        "Refers to row 2 of institutions, which has an error.",
    )


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_clerk_imports_the_workbook_in_a_browser(live_server, page, admin_user, language):
    from tests.test_accessibility import axe_script, sign_in, violations_here

    page.add_init_script(path=str(axe_script()))
    sign_in(page, live_server.url, admin_user)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("admin:index"))
    page.click(f"a[href='{reverse('workbook-import')}']")
    page.set_input_files("input[type=file]", str(OUTCOMES))
    page.click("form[enctype] input[type=submit]")
    assert page.locator("#import-preview").is_visible()
    assert not violations_here(page, page.url)
    page.click("form[action$='confirm/'] input[type=submit]")
    assert page.url.endswith(reverse("admin:index"))
    assert Memorandum.objects.count() == 6


def test_a_confirmation_writes_nothing_if_a_record_changed_after_the_preview(admin_client, ministry_om):
    data = workbook_bytes(
        {
            "institutions": [
                ["slug", "name", "country", "kind"],
                ["moh-oman", "Ministry of Health", "Oman", "ministry"],
            ],
            "sectors": [["name"], ["Nursing"]],
        }
    )
    response = upload(admin_client, data)
    ministry_om.website = "https://moh.gov.om"
    ministry_om.save()

    refused = confirm(admin_client, response)
    assert refused.status_code == 302
    [message] = [str(m) for m in refused.wsgi_request._messages]
    assert message.startswith("Sheet “institutions”: Nothing was imported: the file would overwrite records")
    ministry_om.refresh_from_db()
    assert ministry_om.name == "Ministry of Health of Oman"
    assert not Sector.objects.exists()
