"""Convert the Natural Earth boundaries (world-atlas's TopoJSON) into the map the site draws.

    .venv/bin/python manage.py build_world_map

reads agreements/mapdata/countries-110m.json (the npm package world-atlas 2.0.2, Natural Earth
1:110m, unchanged) and writes agreements/mapdata/world-110m.json: one SVG path per country,
keyed by its ISO alpha-2 code, projected (Equal Earth) into whole units of a 2000-wide box, with
each country's bounding box. Run again only when the source file is replaced; the output is
committed, and the same input always gives the same output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand
from django_countries import countries

MAPDATA = Path(__file__).resolve().parents[2] / "mapdata"
SOURCE = MAPDATA / "countries-110m.json"
TARGET = MAPDATA / "world-110m.json"
WIDTH = 2000
LEFT_OUT = {"010"}  # Antarctica: no partner there, and a third of the map's height

# Equal Earth (Šavrič, Patterson, Jenny 2018): areas true, shapes familiar.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    theta = math.asin(M * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = math.radians(longitude) * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, -y  # SVG's y grows downwards


HALF_WIDTH = equal_earth(180, 0)[0]
SCALE = WIDTH / (2 * HALF_WIDTH)


def decoded_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Each arc as (longitude, latitude) points: TopoJSON stores quantized deltas."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list) -> list[tuple[float, float]]:
    """A ring's points from its arcs; a negative index ~i is arc i reversed."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def unwrapped(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ring with no jump of more than 180° of longitude from one point to the next: a ring
    across the antimeridian (Russia's Chukotka, Fiji) then runs past ±180°."""
    result = [points[0]]
    for longitude, latitude in points[1:]:
        previous = result[-1][0]
        while longitude - previous > 180:
            longitude -= 360
        while previous - longitude > 180:
            longitude += 360
        result.append((longitude, latitude))
    return result


def clipped(points: list[tuple[float, float]], meridian: float, keep_west: bool) -> list[tuple[float, float]]:
    """The part of a ring west (or east) of `meridian` (Sutherland–Hodgman), the cut following
    the meridian a degree of latitude at a time, since it is curved on the map."""

    def inside(point):
        return point[0] <= meridian if keep_west else point[0] >= meridian

    result: list[tuple[float, float]] = []
    for index, current in enumerate(points):
        previous = points[index - 1]
        if inside(current) != inside(previous):
            share = (meridian - previous[0]) / (current[0] - previous[0])
            crossing = (meridian, previous[1] + share * (current[1] - previous[1]))
            if result and result[-1][0] == meridian:
                start = result[-1][1]
                steps = int(abs(crossing[1] - start))
                result += [
                    (meridian, start + (crossing[1] - start) * step / (steps + 1)) for step in range(1, steps + 1)
                ]
            result.append(crossing)
        if inside(current):
            result.append(current)
    return result


def split_at_antimeridian(points: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring as one or two rings within -180°…180°."""
    points = unwrapped(points)
    longitudes = [longitude for longitude, _latitude in points]
    if max(longitudes) > 180:
        edge, shift = 180, -360
    elif min(longitudes) < -180:
        edge, shift = -180, 360
    else:
        return [points]
    near = clipped(points, edge, keep_west=edge == 180)
    far = [(longitude + shift, latitude) for longitude, latitude in clipped(points, edge, keep_west=edge != 180)]
    return [ring for ring in (near, far) if len(ring) > 2]


def ring_path(points: list[tuple[float, float]]) -> str:
    """An SVG subpath in relative whole units, with repeated points dropped; "" if it vanishes."""
    projected = []
    for longitude, latitude in points:
        x, y = equal_earth(longitude, latitude)
        point = (round((x + HALF_WIDTH) * SCALE), round(y * SCALE))
        if not projected or point != projected[-1]:
            projected.append(point)
    if len(projected) > 1 and projected[0] == projected[-1]:
        projected.pop()
    if len(projected) < 3:
        return ""
    (x0, y0), steps = projected[0], []
    for (ax, ay), (bx, by) in zip(projected, projected[1:], strict=False):
        steps.append(f"{bx - ax} {by - ay}")
    return f"M{x0} {y0}l" + " ".join(steps).replace(" -", "-") + "z"


def build(topology: dict) -> dict:
    arcs = decoded_arcs(topology)
    shapes: dict[str, dict] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        if numeric in LEFT_OUT or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [
            part for polygon in polygons for ring in polygon for part in split_at_antimeridian(ring_points(ring, arcs))
        ]
        path = "".join(ring_path(ring) for ring in rings)
        if not path:
            continue
        # Natural Earth gives no ISO number to a few disputed territories (Kosovo, Northern
        # Cyprus, Somaliland): they are drawn, unnamed and unlinked, under their own name.
        code = countries.alpha2(int(numeric)) if numeric else ""
        key = code or geometry["properties"]["name"]
        xs, ys = [], []
        for ring in rings:
            for longitude, latitude in ring:
                x, y = equal_earth(longitude, latitude)
                xs.append((x + HALF_WIDTH) * SCALE)
                ys.append(y * SCALE)
        box = [math.floor(min(xs)), math.floor(min(ys)), math.ceil(max(xs)), math.ceil(max(ys))]
        shapes[key] = {"path": path, "box": box, "iso": bool(code)}
    top = min(shape["box"][1] for shape in shapes.values())
    bottom = max(shape["box"][3] for shape in shapes.values())
    return {
        "source": "world-atlas 2.0.2, countries-110m.json (Natural Earth 1:110m), Equal Earth projection",
        "box": [0, top, WIDTH, bottom - top],
        "countries": dict(sorted(shapes.items())),
    }


class Command(BaseCommand):
    help = "Convert agreements/mapdata/countries-110m.json into the map the site draws (world-110m.json)."

    def handle(self, *args, **options):
        result = build(json.loads(SOURCE.read_text()))
        TARGET.write_text(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.stdout.write(
            f"{len(result['countries'])} countries written to {TARGET} ({TARGET.stat().st_size:,} bytes)."
        )
