"""The comparison of one country's partners: its figures are those of the lists they link to."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from agreements.filters import CommitmentFilter, MemorandumFilter, VisitFilter
from agreements.models import Commitment, Memorandum, Visit

LISTS = {"/memoranda/": MemorandumFilter, "/visits/": VisitFilter, "/commitments/": CommitmentFilter}
LINKED_CELL = re.compile(r'<td class="num"><a href="([^"]+)">(\d+)</a></td>')


@pytest.fixture
def seeded(db):
    call_command("seed", verbosity=0)


def compare(client, query: str = "with=OM&with=CU", code: str = "BY"):
    return client.get(f"{reverse('agreements:country-compare', args=[code])}?{query}")


def listed(link: str) -> int:
    """The number of records the list at `link` shows."""
    address = urlsplit(html.unescape(link))
    filterset = LISTS[address.path](QueryDict(address.query))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


def test_every_figure_is_the_count_of_the_list_it_links_to(client, seeded):
    page = compare(client).content.decode()
    cells = LINKED_CELL.findall(page)
    assert len(cells) > 20
    for link, n in cells:
        assert listed(link) == int(n), link


def test_the_partners_are_side_by_side_in_the_order_chosen(client, seeded):
    page = compare(client).content.decode()
    headers = re.findall(r'<th scope="col" class="num"><a href="/countries/BY/(\w\w)/">', page)
    assert headers == ["OM", "CU"]
    memoranda_row = re.search(r'<th scope="row">All memoranda</th>(.*?)</tr>', page, re.S).group(1)
    counts = [int(n) for _link, n in LINKED_CELL.findall(memoranda_row)]
    assert counts == [Memorandum.objects.between("BY", "OM").count(), Memorandum.objects.between("BY", "CU").count()]
    assert counts[0] > 0 and counts[1] > 0


def test_the_filters_narrow_every_figure(client, seeded):
    page = compare(client, "with=OM&with=CU&sector=healthcare&from=2025-01-01&to=2025-12-31&kind=mou").content.decode()
    cells = LINKED_CELL.findall(page)
    assert cells
    for link, n in cells:
        assert "sector=healthcare" in link and "from=2025-01-01" in link
        assert listed(link) == int(n), link
    memoranda = Memorandum.objects.between("BY", "OM").in_sector("healthcare").filter(kind="mou")
    row = re.search(r'<th scope="row">All memoranda</th>(.*?)</tr>', page, re.S).group(1)
    in_2025 = memoranda.dated_between(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert int(LINKED_CELL.findall(row)[0][1]) == in_2025.count()


def test_without_a_choice_the_most_active_partners_are_compared(client, seeded):
    page = compare(client, "").content.decode()
    assert "No partner chosen: the most active partners are shown." in page
    assert 'href="/countries/BY/OM/"' in page


def test_bad_filters_are_named_and_ignored(client, seeded):
    response = compare(client, "with=OM&with=ZZ&from=someday")
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is no partner “ZZ” in the tracker." in page
    assert "Enter a date as YYYY-MM-DD" in page
    assert compare(client, "with=OM&from=2025-02-01&to=2025-01-01").status_code == 400


def test_an_unknown_country_is_not_found(client, seeded):
    assert compare(client, code="XX").status_code == 404


def test_the_fulfilment_chart_counts_each_commitment_made_and_kept(client, seeded):
    page = compare(client).content.decode()
    assert "Commitments made and kept per year" in page
    table = page[page.index("per year and partner</caption>") :]
    rows = re.findall(r'<tr><th scope="row">(\d{4})</th>((?:<td class="num">[^<]+</td>)+)</tr>', table)
    made = sum(int(re.findall(r'<td class="num">([^<]+)</td>', cells)[0]) for _year, cells in rows)
    kept = sum(int(re.findall(r'<td class="num">([^<]+)</td>', cells)[1]) for _year, cells in rows)
    commitments = Commitment.objects.made_at_any(
        Visit.objects.involving("BY").involving_any(["OM", "CU"]),
        Memorandum.objects.involving("BY").involving_any(["OM", "CU"]),
    )
    # A commitment whose visit or memorandum has no date is in no year.
    dated = Q(origin_visit__date_earliest__isnull=False) | Q(origin_memorandum__signed_earliest__isnull=False)
    kept_dated = Q(fulfilled_by_visit__date_earliest__isnull=False) | Q(
        fulfilled_by_memorandum__signed_earliest__isnull=False
    )
    assert made == commitments.filter(dated).count() > 0
    assert kept == commitments.filter(kept_dated, status=Commitment.Status.FULFILLED).count() > 0


def test_the_time_to_fulfilment_and_the_share_kept_in_time_on_the_seed(client, seeded):
    # Counted by hand from fixtures/03_chain.json: Belarus and Oman kept four commitments, three
    # made at the Muscat forum (26 Aug 2024) and kept in summer 2025 (1 Jun, 279 days) and on
    # 6 Oct 2025 (406 days), one made and kept on 6 Oct 2025 (0 days): the median of 0, 279, 279
    # and 406 is 279. Only the minister's visit "due 2025" has a due date, and it came in the
    # summer of 2025, within it: 1 of 1. Cuba has kept none.
    page = compare(client).content.decode()

    def cells(label: str) -> list[str]:
        row = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", page, re.S).group(1)
        return re.findall(r'<td class="num">([^<]+)</td>', row)

    assert cells("Median time from promise to fulfilment, in days") == ["279", "–"]
    assert cells("Kept within the due window (÷ kept with a due date)") == ["100%", "–"]
    table = page[page.index("per year and partner</caption>") :]
    year_2025 = re.search(r'<tr><th scope="row">2025</th>(.*?)</tr>', table).group(1)
    # All: 17 made, 4 kept, 100% in time; Oman 11, 4, 100%; Cuba 6, 0, none kept.
    assert re.findall(r'<td class="num">([^<]+)</td>', year_2025) == [
        "17", "4", "100%", "11", "4", "100%", "6", "0", "–"
    ]  # fmt: skip


def test_a_commitment_kept_after_its_due_window_is_late(client, seeded):
    late = Commitment.objects.between("BY", "OM").get(slug="by-om-forum-minister-visit-2025")
    late.due = "2024"
    late.save()
    page = compare(client, "with=OM").content.decode()
    row = re.search(r"Kept within the due window \(÷ kept with a due date\)</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["0%"]


def test_the_table_downloads_as_csv_and_xlsx(client, seeded):
    address = reverse("agreements:country-compare-export", args=["BY", "csv"])
    response = client.get(f"{address}?with=OM&with=CU")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Group", "Figure", "Oman", "Cuba"]
    memoranda = next(row for row in rows if row[1] == "All memoranda")
    assert memoranda[2:] == [
        str(Memorandum.objects.between("BY", "OM").count()),
        str(Memorandum.objects.between("BY", "CU").count()),
    ]
    xlsx = client.get(reverse("agreements:country-compare-export", args=["BY", "xlsx"]) + "?with=OM")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(reverse("agreements:country-compare-export", args=["BY", "pdf"])).status_code == 404


def test_a_viewer_may_compare_but_not_download(viewer_client, seeded):
    assert compare(viewer_client).status_code == 200
    address = reverse("agreements:country-compare-export", args=["BY", "csv"])
    assert viewer_client.get(address).status_code == 403


def test_the_comparison_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (session, user, their permissions, their groups' permissions),
    # 1 the data version and 2 the form's countries and sectors, then 1 the data version and
    # 1 every figure (one UNION ALL of grouped counts).
    with django_assert_max_num_queries(9):
        assert compare(client, "with=OM&sector=healthcare").status_code == 200
    # Again: the options and the figures come from the cache.
    with django_assert_max_num_queries(6):
        assert compare(client, "with=OM&sector=healthcare").status_code == 200
