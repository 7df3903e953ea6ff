"""The world map: each country's count is that of the list it links to, within the lists' filters."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.core.management import call_command
from django.http import QueryDict

from agreements.filters import CommitmentFilter, MemorandumFilter, VisitFilter
from agreements.models import Commitment, Memorandum, Visit
from agreements.worldmap import shade_classes, shapes

LISTS = {"/memoranda/": MemorandumFilter, "/visits/": VisitFilter, "/commitments/": CommitmentFilter}
ROW = re.compile(
    r'<tr><th scope="row"><a href="/countries/(\w\w)/">[^<]+</a></th><td class="num"><a href="([^"]+)">(\d+)</a>'
)
TITLE = re.compile(r'<a href="/countries/(\w\w)/"><title>([^<]+)</title><path class="map-shade-(\w+)"')


@pytest.fixture
def seeded(db):
    call_command("seed", verbosity=0)


def listed(link: str) -> int:
    address = urlsplit(html.unescape(link))
    filterset = LISTS[address.path](QueryDict(address.query))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


@pytest.mark.parametrize("query", ["show=visits", "show=commitments&kind=visit", "sector=healthcare&from=2025-01-01"])
def test_each_country_counts_the_records_of_the_list_it_links_to(client, seeded, query):
    page = client.get(f"/map/?{query}").content.decode()
    rows = ROW.findall(page)
    assert rows
    for code, link, n in rows:
        assert listed(link) == int(n), (code, link)
    assert {code for code, *_ in rows} == {code for code, _title, _shade in TITLE.findall(page)}


def test_the_memoranda_of_every_country_on_the_seed(client, seeded):
    page = client.get("/map/").content.decode()
    counted = {code: int(n) for code, _link, n in ROW.findall(page)}
    parties = {code for pair in Memorandum.objects.values_list("country_a__code", "country_b__code") for code in pair}
    expected = {code: Memorandum.objects.involving(code).count() for code in parties}
    assert counted == expected
    assert sum(counted.values()) == 2 * Memorandum.objects.count()  # each counts for both its countries


def test_a_chosen_country_is_marked_and_its_partners_counted_with_it(client, seeded):
    page = client.get("/map/?country=BY&show=commitments").content.decode()
    titles = {code: (title, shade) for code, title, shade in TITLE.findall(page)}
    assert titles["BY"][1] == "focus"
    partners = {code: int(n) for code, _link, n in ROW.findall(page)}
    assert set(partners) == {"OM", "CU"}
    for code, n in partners.items():
        assert n == Commitment.objects.between("BY", code).unresolved().count()
        assert titles[code][0] == f"{html.unescape(titles[code][0].split(' — ')[0])} — open commitments: {n}"


def test_the_country_page_shows_its_partners_map(client, seeded):
    page = client.get("/countries/BY/?show=visits").content.decode()
    partners = {code: int(n) for code, _link, n in ROW.findall(page)}
    assert partners == {code: Visit.objects.between("BY", code).count() for code in ("OM", "CU")}
    assert 'viewBox="0 -483 2000 863"' not in page  # narrowed to Belarus and its partners


def test_bad_filters_are_named_and_ignored(client, seeded):
    response = client.get("/map/?show=maps&from=someday")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice. maps is not one of the available choices." in page
    assert "Enter a date as YYYY-MM-DD" in page
    assert ROW.findall(page)  # memoranda, unfiltered


def test_the_numbers_download_as_a_report(client, seeded):
    response = client.get("/map/report.csv?country=BY&lang=ru")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == ["Отчёт", "Меморандумы по странам"] or lines[0][0] == "Отчёт"
    header = lines.index(next(line for line in lines[7:] if line))
    rows = {name: int(n) for name, n in lines[header + 1 :]}
    assert sorted(rows.values(), reverse=True) == [
        Memorandum.objects.between("BY", "OM").count(),
        Memorandum.objects.between("BY", "CU").count(),
    ]
    response = client.get("/map/report.xlsx?show=visits")
    assert response["Content-Disposition"].startswith('attachment; filename="map-visits-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[1]
    assert [cell.value for cell in sheet[1]] == ["Country", "Visits"]
    assert client.get("/map/report.csv?show=maps").status_code == 400


def test_every_country_with_an_iso_code_has_a_shape():
    countries = shapes()["countries"]
    assert len(countries) > 170
    assert {"BY", "OM", "CU", "RU", "FJ"} <= set(countries)
    assert all(shape["path"].startswith("M") for shape in countries.values())


def test_the_shading_is_by_quantile_with_the_darkest_at_the_top():
    assert shade_classes([]) == []
    assert shade_classes([4, 5]) == [(4, 4, 1), (5, 5, 5)]
    assert shade_classes([1, 1, 1, 9]) == [(1, 1, 1), (2, 9, 5)]
    classes = shade_classes(list(range(1, 101)))
    assert [shade for *_, shade in classes] == [1, 2, 3, 4, 5]
    assert classes[0][:2] == (1, 20) and classes[-1][:2] == (81, 100)


def test_the_map_query_count_is_fixed(client, crowded, django_assert_num_queries):
    # 4 for the signed-in user (session, user, their permissions, their groups' permissions),
    # 2 the form's sectors and countries, 1 the data version, 1 the counts (one grouped query).
    with django_assert_num_queries(8):
        assert client.get("/map/?sector=healthcare").status_code == 200
