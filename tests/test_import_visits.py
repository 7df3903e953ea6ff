"""Visits imported with several cities, or with no kind given."""

from __future__ import annotations

from agreements.models import Visit
from tests.test_import import confirm, write_csv
from tests.test_import_keys import preview, problems


def test_a_visit_may_take_place_in_several_cities_and_import_back_unchanged(admin_client, tmp_path, belarus, oman):
    header = ["title", "kind", "host_country", "guest_country", "city", "date"]
    rows = [["Ministerial visit", "ministerial visit", "BY", "OM", "Minsk|Brest", "2025-05"]]
    response = preview(admin_client, "visit", write_csv(tmp_path / "v.csv", header, rows))
    assert response.context["report"].problems == []
    assert confirm(admin_client, "visit", response).status_code == 302
    visit = Visit.objects.get()
    assert (visit.city, visit.cities) == ("Minsk | Brest", ["Minsk", "Brest"])

    rows = [["Ministerial visit", "ministerial", "BY", "OM", "Minsk | Brest", "2025-05"]]
    again = preview(admin_client, "visit", write_csv(tmp_path / "v.csv", header, rows))
    assert (again.context["report"].changed, again.context["report"].unchanged) == (0, 1)


def test_a_visit_whose_kind_is_not_given_imports_as_such(admin_client, tmp_path, belarus, oman):
    header = ["title", "kind", "host_country", "guest_country", "date"]
    rows = [
        ["Talks in Minsk", "", "BY", "OM", "2025-05"],
        ["Talks in Muscat", "kind not given", "OM", "BY", "2025-06"],
        ["Talks in Brest", "вид не указан", "BY", "OM", "2025-07"],
    ]
    response = preview(admin_client, "visit", write_csv(tmp_path / "v.csv", header, rows))
    assert problems(response) == {}
    assert confirm(admin_client, "visit", response).status_code == 302
    assert set(Visit.objects.values_list("kind", flat=True)) == {"not-given"}

    without_column = [["Talks in Vitebsk", "BY", "OM", "2025-08"]]
    header = ["title", "host_country", "guest_country", "date"]
    response = preview(admin_client, "visit", write_csv(tmp_path / "v.csv", header, without_column))
    assert response.context["report"].file_problems == []
    assert confirm(admin_client, "visit", response).status_code == 302
    assert Visit.objects.get(title="Talks in Vitebsk").kind == Visit.Kind.NOT_GIVEN
