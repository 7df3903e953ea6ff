"""The world map: each country shaded by the number of memoranda, visits or open commitments it
is party to, within the lists' own filters, drawn on the server as inline SVG.

The boundaries are Natural Earth's (1:110m, from the npm package world-atlas), converted once
into projected SVG paths by `manage.py build_world_map` (agreements/mapdata/). A record counts
once for each of its two countries; with the `country` filter the chosen countries are marked
on the map rather than shaded, and every other country counts the records it shares with them:
its partners. The shading is by quantile, in up to five classes, so that a few busy partners do
not leave every other one pale.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from .caching import cached
from .filters import CommitmentFilter, MemorandumFilter, VisitFilter
from .models import Commitment

SHAPES = Path(__file__).resolve().parent / "mapdata" / "world-110m.json"
SHADES = 5  # .map-shade-1 … -5 in site.css; 0 is a country with nothing counted
FILTERS = ("sector", "country", "kind", "from", "to")  # of the lists' filters, those the map's form offers


@dataclass(frozen=True)
class Measure:
    """What the map counts: its records, their list's filters and their two countries."""

    name: str
    label: object  # "memoranda", worded lazily
    filterset: type
    sides: tuple
    list_url: str
    list_extra: tuple = ()  # the list's own filters that say what is counted (open commitments)


MEASURES = {
    "memoranda": Measure(
        "memoranda",
        gettext_lazy("memoranda"),
        MemorandumFilter,
        ("country_a__code", "country_b__code"),
        "agreements:memorandum-list",
    ),
    "visits": Measure(
        "visits",
        gettext_lazy("visits"),
        VisitFilter,
        ("host_country__code", "guest_country__code"),
        "agreements:visit-list",
    ),
    "commitments": Measure(
        "commitments",
        gettext_lazy("open commitments"),
        CommitmentFilter,
        (
            Coalesce("origin_visit__host_country__code", "origin_memorandum__country_a__code"),
            Coalesce("origin_visit__guest_country__code", "origin_memorandum__country_b__code"),
        ),
        "agreements:commitment-list",
        (("status", Commitment.Status.OPEN), ("status", Commitment.Status.IN_PROGRESS)),
    ),
}


class ShowForm(forms.Form):
    show = forms.ChoiceField(
        label=gettext_lazy("Shade by"),
        required=False,
        choices=[
            ("memoranda", gettext_lazy("Memoranda")),
            ("visits", gettext_lazy("Visits")),
            ("commitments", gettext_lazy("Open commitments")),
        ],
    )

    def measure(self) -> Measure:
        """The measure asked for; memoranda without one, or with one that does not exist."""
        return MEASURES[(self.is_valid() and self.cleaned_data["show"]) or "memoranda"]


@functools.cache
def shapes() -> dict:
    """The projected boundaries (static data: read once per process)."""
    return json.loads(SHAPES.read_text())


def counted(measure: Measure, filterset) -> dict[str, int]:
    """ISO code → the number of records of `measure` within the filters that the country is party
    to: one grouped query over the two sides."""
    records = filterset.qs
    if measure.name == "commitments":
        records = records.unresolved()
    model = filterset._meta.model
    # Grouped over the filtered keys: a filter through a join (sectors) would count a record twice.
    pairs = (
        model.objects.filter(pk__in=records.order_by().values("pk"))
        .order_by()
        .values_list(*measure.sides)
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = {}
    for a, b, n in pairs:
        for code in {a, b} - {None}:
            counts[code] = counts.get(code, 0) + n
    return counts


def cached_counts(measure: Measure, filterset) -> dict[str, int]:
    """`counted()`, kept until the records change."""
    key = (measure.name, filterset.today, filterset.filter_key())
    return cached("map-counts", lambda: counted(measure, filterset), *key, worded=False)


def shade_classes(values: list[int]) -> list[tuple[int, int, int]]:
    """(lowest, highest, shade) of each class of the quantile scale of `values` (all above 0):
    up to SHADES classes, none empty, the highest always the darkest shade."""
    values = sorted(values)
    if not values:
        return []
    classes = min(SHADES, len(set(values)))
    uppers: list[int] = []
    for step in range(1, classes + 1):
        upper = values[math.ceil(step * len(values) / classes) - 1]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    result, lowest = [], values[0]
    for index, upper in enumerate(uppers):
        shade = SHADES if len(uppers) == 1 else 1 + round(index * (SHADES - 1) / (len(uppers) - 1))
        result.append((lowest, upper, shade))
        lowest = upper + 1
    return result


def shade_of(value: int, classes: list[tuple[int, int, int]]) -> int:
    for lowest, highest, shade in classes:
        if lowest <= value <= highest:
            return shade
    return 0


@dataclass
class MapRow:
    code: str
    name: str
    count: int
    country_url: str
    list_url: str


def list_link(measure: Measure, code: str, focus: list[str], query: dict) -> str:
    """The list of the records counted for `code`: with one chosen country, the pair's."""
    query = {name: values for name, values in query.items() if name not in ("show", "page", "country", "pair")}
    if len(focus) == 1 and code != focus[0]:
        query["pair"] = [f"{focus[0]}-{code}"]
    elif not focus:
        query["country"] = [code]
    elif code in focus:
        query["country"] = [code]
    else:
        return ""  # partners of several countries: no one list counts exactly this
    extra: dict[str, list] = {}
    for name, value in measure.list_extra:
        extra.setdefault(name, []).append(value)
    query = extra | query  # a status filtered by the reader stays as it is
    return f"{reverse(measure.list_url)}?{urlencode(query, doseq=True)}"


def world_map(measure: Measure, filterset, query: dict, *, crop: bool = False) -> dict:
    """What the map template draws: a path per country with its shade, name and count, the
    legend, and the table of the countries counted, most first. With `crop` the view is narrowed
    to the chosen countries and their partners."""
    counts = cached_counts(measure, filterset)
    filterset.is_valid()  # an invalid filter is left out of cleaned_data, as the lists ignore it
    focus = filterset.form.cleaned_data.get("country") or []
    classes = shade_classes([n for code, n in counts.items() if code not in focus and n])
    data, label = shapes(), str(measure.label)
    drawn, rows, boxes = [], [], []
    for key, shape in data["countries"].items():
        code = key if shape["iso"] else ""
        name = countries.name(code) if code else key
        n = counts.get(code, 0)
        linked = code and (n or code in focus)  # counted, or chosen: so in the tracker
        drawn.append(
            {
                "path": shape["path"],
                "shade": "focus" if code in focus else shade_of(n, classes),
                "title": _("%(country)s — %(records)s: %(count)s") % {"country": name, "records": label, "count": n},
                "url": reverse("agreements:country-detail", args=[code]) if linked else "",
            }
        )
        if code in focus or n:
            boxes.append(shape["box"])
    for code, n in counts.items():
        if n and code not in focus:
            rows.append(
                MapRow(
                    code=code,
                    name=countries.name(code),
                    count=n,
                    country_url=reverse("agreements:country-detail", args=[code]),
                    list_url=list_link(measure, code, focus, query),
                )
            )
    rows.sort(key=lambda row: (-row.count, row.name.casefold()))
    chosen = [
        MapRow(
            code=code,
            name=countries.name(code),
            count=counts.get(code, 0),
            country_url=reverse("agreements:country-detail", args=[code]),
            list_url=list_link(measure, code, focus, query),
        )
        for code in focus
    ]
    return {
        "measure": measure,
        "view_box": cropped(data["box"], boxes) if crop and boxes else " ".join(map(str, data["box"])),
        "shapes": drawn,
        "legend": classes,
        "chosen": chosen,
        "rows": rows,
    }


def cropped(world: list[int], boxes: list[list[int]]) -> str:
    """A view box around `boxes`, with a margin, no narrower than a 3:2 landscape, within the world."""
    left, top = min(box[0] for box in boxes), min(box[1] for box in boxes)
    right, bottom = max(box[2] for box in boxes), max(box[3] for box in boxes)
    margin = max(right - left, bottom - top) * 0.08 + 20
    left, top, right, bottom = left - margin, top - margin, right + margin, bottom + margin
    width, height = right - left, bottom - top
    if width < 1.5 * height:
        left -= (1.5 * height - width) / 2
        width = 1.5 * height
    elif height < width / 2:
        top -= (width / 2 - height) / 2
        height = width / 2
    world_left, world_top, world_width, world_height = world
    width, height = min(width, world_width), min(height, world_height)
    left = min(max(left, world_left), world_left + world_width - width)
    top = min(max(top, world_top), world_top + world_height - height)
    return " ".join(str(round(value)) for value in (left, top, width, height))
