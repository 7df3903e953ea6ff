import csv
import io
import json

import openpyxl
import pytest

from tests import factories


def content(response) -> bytes:
    """The body; a streamed one is read once and kept."""
    if response.streaming and not hasattr(response, "streamed"):
        response.streamed = b"".join(response.streaming_content)
    return response.streamed if response.streaming else response.content


def rows(response):
    return list(csv.DictReader(io.StringIO(content(response).decode("utf-8-sig"))))


def test_the_csv_export_is_exactly_the_filtered_list(client, chain):
    response = client.get("/memoranda/export.csv", {"sector": "oncology"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert [row["slug"] for row in rows(response)] == ["cancer-centres-mou-2025"]
    row = rows(response)[0]
    assert row["parties"] == "alexandrov-cancer-centre|sqccrc"
    assert row["country_a"] == "BY"
    assert row["visit"] == "state-visit-belarus-2025"


def test_exports_follow_the_list_order(client, chain):
    response = client.get("/memoranda/export.csv", {"sort": "date"})
    assert [row["slug"] for row in rows(response)] == ["health-ministries-mou-2025", "cancer-centres-mou-2025"]


def test_formulas_are_neutralised(client, chain):
    factories.MemorandumFactory(title='=HYPERLINK("http://evil")', slug="evil")
    response = client.get("/memoranda/export.csv", {"q": "HYPERLINK"})
    assert rows(response)[0]["title"].startswith("'=")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/memoranda/export.xlsx", {"q": "HYPERLINK"}).content))
    title = workbook.active["B2"]
    # A text cell, never a formula, marked as typed with an apostrophe so that editing keeps it text.
    assert (title.value, title.data_type, title.quotePrefix) == ('=HYPERLINK("http://evil")', "s", True)


def test_xlsx_and_json_exports(client, chain):
    xlsx = client.get("/visits/export.xlsx", {"kind": "forum"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [cell.value for cell in sheet[2]][0] == "forum-muscat-2024"
    data = json.loads(client.get("/commitments/export.json", {"status": "fulfilled"}).content)
    assert {item["slug"] for item in data} == {"prepare-health-mou", "link-cancer-centres"}


def test_a_bad_filter_or_format_is_refused_plainly(client, chain):
    response = client.get("/memoranda/export.csv", {"country": "XX"})
    assert response.status_code == 400
    assert "There is no country" in response.content.decode()
    assert client.get("/memoranda/export.pdf").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries, fmt):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 3 filter choices (sectors, countries, institutions); then in chunks of the resource's page size:
    # 1 count, 1 page of memoranda with countries and visit joined, 4 prefetches (parties, signatories with
    # their institutions and signers, sectors, sources).
    with django_assert_max_num_queries(13):
        response = client.get(f"/memoranda/export.{fmt}")
    assert response.status_code == 200


def test_the_csv_export_streams_exactly_the_rows_of_the_filtered_list(client, crowded):
    query = {"country": "OM", "sort": "title"}
    listed = client.get("/memoranda/", query).context["page"].paginator.object_list
    response = client.get("/memoranda/export.csv", query)
    assert response.streaming
    assert [row["slug"] for row in rows(response)] == [memorandum.slug for memorandum in listed]
    assert len(listed) > 25  # more than one page of the list


def test_the_streamed_csv_is_the_resource_export_byte_for_byte(client, crowded):
    from agreements.formats import SafeCSV
    from agreements.models import Memorandum
    from agreements.resources import MemorandumResource

    queryset = Memorandum.objects.order_by("title", "pk").for_export()
    whole = SafeCSV().export_data(MemorandumResource().export(queryset=queryset))
    streamed = content(client.get("/memoranda/export.csv", {"sort": "title"}))
    assert streamed.decode("utf-8") == whole


def test_a_streamed_export_imports_back_unchanged(client, crowded):
    import tablib

    from agreements.resources import MemorandumResource

    exported = content(client.get("/memoranda/export.csv")).decode("utf-8")
    result = MemorandumResource().import_data(tablib.Dataset().load(exported, format="csv"), dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert (result.totals["update"], result.totals["skip"]) == (0, 32)  # imported back, nothing changes


def test_xlsx_and_json_refuse_more_rows_than_the_limit(client, crowded, settings):
    settings.EXPORT_MAX_ROWS = 5
    response = client.get("/memoranda/export.xlsx")
    assert response.status_code == 400
    assert "stop at 5 rows" in response.content.decode()
    assert client.get("/memoranda/export.json", {"country": "OM", "q": "Cancer centres"}).status_code == 200
    assert client.get("/memoranda/export.csv").status_code == 200
