"""Whether a memorandum was in force on a day: `MemorandumQuerySet.with_force_on`, the memorandum
list's `in_force_on` filter, the dossier's "as of" selector and the memorandum page."""

import datetime

import pytest
from django.urls import reverse

from agreements.models import Memorandum, MemorandumRelation
from tests import factories

DAY = datetime.date(2025, 1, 1)
TODAY = datetime.date(2026, 6, 1)


def force_on(day: datetime.date, **fields) -> str:
    memorandum = factories.MemorandumFactory(**fields)
    return Memorandum.objects.with_force_on(day, TODAY).get(pk=memorandum.pk).force


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "in-force", "signed": "2024-03-01"}, "yes"),
        ({"status": "in-force", "signed": "2025-03-01"}, "no"),
        ({"status": "in-force", "signed": "2024", "valid_from": "2024-06-01", "valid_until": "2024-12-31"}, "no"),
        ({"status": "in-force", "signed": "2024-03-01", "valid_until": "2025"}, "yes"),
        # Bounds that may fall either side of the day.
        ({"status": "in-force", "signed": "2025-01"}, "possibly"),
        ({"status": "in-force", "signed": "2023", "valid_until": "2025-01-01/2025-03-01"}, "yes"),
        ({"status": "in-force", "signed": "2023", "valid_until": "2024-12/2025-02"}, "possibly"),
        ({"status": "in-force", "signed": ""}, "possibly"),
        # "signed" alone does not say when it took effect; a recorded valid_from does.
        ({"status": "signed", "signed": "2024-03-01"}, "possibly"),
        ({"status": "signed", "signed": "2024-03-01", "valid_from": "2024-04-01"}, "yes"),
        ({"status": "signed", "signed": "2024-03-01", "valid_from": "2025-04-01"}, "no"),
        ({"status": "under-preparation", "signed": ""}, "no"),
        # An expired memorandum was in force until its end, if recorded.
        ({"status": "expired", "signed": "2020-01-01", "valid_until": "2025-06-30"}, "yes"),
        ({"status": "expired", "signed": "2020-01-01", "valid_until": "2024-06-30"}, "no"),
        ({"status": "expired", "signed": "2020-01-01"}, "possibly"),
    ],
)
def test_it_answers_whether_a_memorandum_was_in_force_on_a_day(db, fields, expected):
    assert force_on(DAY, **fields) == expected


def test_an_expired_memorandum_is_not_in_force_from_today_on(db):
    assert force_on(TODAY, status="expired", signed="2020-01-01") == "no"


def test_a_memorandum_is_not_in_force_once_a_superseding_one_takes_effect(db):
    old = factories.MemorandumFactory(status="in-force", signed="2020-05-01")
    new = factories.MemorandumFactory(status="in-force", signed="2024-09-01", valid_from="2024-10")
    factories.MemorandumRelationFactory(source=new, kind=MemorandumRelation.Kind.SUPERSEDES, target=old)
    answers = {
        day: Memorandum.objects.with_force_on(day, TODAY).get(pk=old.pk).force
        for day in (datetime.date(2024, 9, 15), datetime.date(2024, 10, 15), datetime.date(2024, 11, 1))
    }
    assert list(answers.values()) == ["yes", "possibly", "no"]
    assert Memorandum.objects.with_force_on(TODAY, TODAY).get(pk=old.pk).end_of_force(TODAY) == (
        "Superseded from October 2024."
    )


def test_a_memorandum_says_when_it_expired(db):
    memorandum = factories.MemorandumFactory(status="expired", signed="2015", valid_until="2020-06-30")
    assert Memorandum.objects.get(pk=memorandum.pk).end_of_force() == "Expired; in force until 30 Jun 2020."


def test_a_valid_until_before_valid_from_is_refused_on_its_field(db):
    memorandum = factories.MemorandumFactory.build(valid_from="2025-06", valid_until="2024")
    with pytest.raises(Exception) as error:
        memorandum.clean()
    assert "valid_until" in error.value.message_dict


def test_the_list_answers_in_force_on_a_day_saying_possibly(client, belarus, oman):
    factories.MemorandumFactory(
        title="Certainly in force", status="in-force", signed="2024-02-02", country_a=belarus, country_b=oman
    )
    factories.MemorandumFactory(
        title="Signed that month", status="in-force", signed="2025-01", country_a=belarus, country_b=oman
    )
    factories.MemorandumFactory(
        title="Signed later", status="in-force", signed="2025-03-03", country_a=belarus, country_b=oman
    )
    response = client.get(reverse("agreements:memorandum-list"), {"in_force_on": "2025-01-01", "country": "OM"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 memoranda" in html
    assert "Signed later" not in html
    assert "in force on 1 Jan 2025" in html
    assert "possibly in force on 1 Jan 2025" in html


def test_a_bad_in_force_date_is_reported_beside_its_field(client, memorandum):
    response = client.get(reverse("agreements:memorandum-list"), {"in_force_on": "2025-13-01"})
    assert response.status_code == 400
    assert 'id="id_in_force_on_error"' in response.content.decode()


def test_the_dossier_lists_what_was_in_force_as_of_a_day(client, belarus, oman):
    factories.MemorandumFactory(
        title="Old agreement",
        status="expired",
        signed="2010-05-05",
        valid_until="2020",
        country_a=belarus,
        country_b=oman,
    )
    factories.MemorandumFactory(
        title="New agreement", status="in-force", signed="2021-05-05", country_a=belarus, country_b=oman
    )
    url = reverse("agreements:pair-detail", args=["BY", "OM"])
    section = client.get(url, {"in_force_on": "2015-01-01"}).content.decode().split('id="in-force-heading"')[1]
    assert "Old agreement" in section.split("</section>")[0]
    assert "New agreement" not in section.split("</section>")[0]
    section = client.get(url).content.decode().split('id="in-force-heading"')[1].split("</section>")[0]
    assert "New agreement" in section and "Old agreement" not in section
    response = client.get(url, {"in_force_on": "soon"})
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in response.content.decode()


def test_the_dossier_shows_the_first_in_force_and_links_to_all(client, belarus, oman):
    from agreements.views import DOSSIER_IN_FORCE

    for n in range(DOSSIER_IN_FORCE + 1):
        factories.MemorandumFactory(
            title=f"Agreement {n:02}", status="in-force", signed="2020-01-01", country_a=belarus, country_b=oman
        )
    html = client.get(reverse("agreements:pair-detail", args=["BY", "OM"]), {"in_force_on": "2024-02-29"})
    section = html.content.decode().split('id="in-force-heading"')[1].split("</section>")[0]
    assert section.count('data-force="yes"') == DOSSIER_IN_FORCE
    assert f"All {DOSSIER_IN_FORCE + 1} memoranda in force that day" in section
    assert "?pair=BY-OM&amp;in_force_on=2024-02-29" in section
