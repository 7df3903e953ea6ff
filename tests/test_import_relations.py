"""The `relations` column of memoranda: which memorandum follows, renews, amends, implements,
supersedes or extends which, named as a clerk names them."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from agreements.models import Memorandum, MemorandumRelation
from agreements.resources import MemorandumResource
from tests import factories
from tests.test_import import FORMAT, confirm, write_csv
from tests.test_import_keys import preview, problems

HEADER = ["title", "kind", "country_a", "country_b", "signed", "relations"]


def relations_of(title: str) -> set[tuple[str, str]]:
    memorandum = Memorandum.objects.get(title=title)
    return {(relation.kind, relation.target.title) for relation in memorandum.outgoing_relations.all()}


def test_relations_name_memoranda_by_title_slug_or_an_earlier_row_and_kinds_by_label(
    admin_client, tmp_path, memorandum
):
    factories.MemorandumFactory(title="Programme 2020–2022", slug="programme-2020", signed="2020")
    rows = [
        ["Programme 2023–2025", "programme", "BY", "OM", "2023", "renews: programme-2020"],
        [
            "Protocol on training",
            "protocol",
            "BY",
            "OM",
            "2024",
            "реализует: Cancer centres MoU | تعدّل: programme 2023–2025",
        ],
        [
            "Amending protocol",
            "protocol",
            "BY",
            "OM",
            "2025",
            "extends: Programme 2023–2025|follows: Programme 2020–2022",
        ],
    ]
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", HEADER, rows))
    assert response.context["report"].problems == []
    assert not MemorandumRelation.objects.exists(), "the preview is a dry run"
    assert confirm(admin_client, "memorandum", response).status_code == 302

    assert relations_of("Programme 2023–2025") == {("renews", "Programme 2020–2022")}
    assert relations_of("Protocol on training") == {
        ("implements", "Cancer centres MoU"),
        ("amends", "Programme 2023–2025"),
    }
    assert relations_of("Amending protocol") == {
        ("extends", "Programme 2023–2025"),
        ("follows", "Programme 2020–2022"),
    }


def test_an_unknown_memorandum_or_relation_is_refused_naming_row_column_and_value(admin_client, tmp_path, memorandum):
    rows = [
        ["Protocol", "protocol", "BY", "OM", "2024", "follows: Cancer centres MoU|follows: MoU of 1999"],
        ["Programme", "programme", "BY", "OM", "2024", "continues: Cancer centres MoU"],
        ["Annex", "protocol", "BY", "OM", "2024", "Cancer centres MoU"],
        ["Later annex", "protocol", "BY", "OM", "2025", "follows: Later annex"],
    ]
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", HEADER, rows))

    found = problems(response)
    assert found[(2, "relations")] == (
        "follows: Cancer centres MoU|follows: MoU of 1999",
        "No memorandum has the slug, name or alternative name “MoU of 1999”.",
    )
    assert found[(3, "relations")][1].startswith("“continues” is not one of the choices: follows (follows), ")
    assert "extends (extends)" in found[(3, "relations")][1]
    assert found[(4, "relations")][1] == (
        "“Cancer centres MoU” is not written as relation: memorandum, with a relation among "
        "follows, implements, amends, renews, supersedes, extends."
    )
    assert found[(5, "relations")][1] == "A memorandum cannot be related to itself."
    assert not MemorandumRelation.objects.exists()


def test_a_relation_to_a_row_with_an_error_says_so(admin_client, tmp_path, belarus, oman):
    rows = [
        ["Programme", "programme", "BY", "BY", "2023", ""],
        ["Protocol", "protocol", "BY", "OM", "2024", "implements: Programme"],
    ]
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", HEADER, rows))

    assert problems(response)[(3, "relations")][1] == "Refers to row 2 of memoranda, which has an error."


def test_relations_export_and_import_back_unchanged_and_the_column_replaces_the_list(
    admin_client, tmp_path, memorandum
):
    older = factories.MemorandumFactory(title="Older MoU", slug="older-mou", signed="2019")
    relation = factories.MemorandumRelationFactory(
        source=memorandum, kind=MemorandumRelation.Kind.SUPERSEDES, target=older, note="From 2025"
    )
    factories.MemorandumRelationFactory(source=memorandum, kind=MemorandumRelation.Kind.EXTENDS, target=older)
    columns = MemorandumResource().export().headers
    response = admin_client.post(
        reverse("admin:agreements_memorandum_export"),
        {"format": FORMAT["csv"], "resource": "0", **{f"memorandumresource_{name}": "on" for name in columns}},
    )
    exported = tmp_path / "export.csv"
    exported.write_bytes(response.content)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["relations"] for row in rows] == ["extends: older-mou|supersedes: older-mou", ""]

    again = preview(admin_client, "memorandum", exported)
    assert again.context["report"].problems == []
    assert (again.context["report"].changed, again.context["report"].unchanged) == (0, 2)

    rows[0]["relations"] = "supersedes: Older MoU"
    edited = write_csv(tmp_path / "m.csv", columns, [list(row.values()) for row in rows])
    changed = preview(admin_client, "memorandum", edited)
    assert (changed.context["report"].changed, changed.context["report"].unchanged) == (1, 1)
    assert confirm(admin_client, "memorandum", changed).status_code == 302
    assert list(memorandum.outgoing_relations.all()) == [relation]
    relation.refresh_from_db()
    assert relation.note == "From 2025", "a relation that stays keeps its note"
