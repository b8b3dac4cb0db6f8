"""The ward map's shipped boundaries (govhub/data/hcmc_wards.geojson, made by tools/simplify_boundaries.py): every unit
is there, the file is small, and neighbours still share their borders: each edge is either shared, reversed, with
exactly one other unit, or on the city's outer edge, and the outer edges close into separate counter-clockwise rings
(the mainland and its islands), so no gap and no overlap opened anywhere. Pure Python: no shapely at test time."""

from __future__ import annotations

import copy
import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from govhub.services.oversight import geo

Point = tuple[float, float]
ISLAND_ZONE = "26732"  # Côn Đảo, ~200 km off the coast


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(geo.shipped_file().read_text(encoding="utf-8"))


def _rings(data: dict) -> dict[str, list[list[Point]]]:
    out: dict[str, list[list[Point]]] = defaultdict(list)
    for feature in data["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            out[feature["id"]] += [[(x, y) for x, y in ring] for ring in polygon]
    return out


def _area(ring: list[Point]) -> float:
    """Signed (shoelace): positive when counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def _inside(p: Point, ring: list[Point]) -> bool:
    """Ray casting: ``p`` strictly inside ``ring`` (a point on it may go either way; callers avoid that)."""
    x, y = p
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def borders(data: dict) -> tuple[set[frozenset[str]], list[list[Point]], list[str]]:
    """Neighbour pairs, the outer edge's rings and every problem found."""
    problems: list[str] = []
    owner: dict[tuple[Point, Point], str] = {}
    for code, rings in _rings(data).items():
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                problems.append(f"{code}: a ring not closed or too short")
            for edge in zip(ring, ring[1:], strict=False):
                if edge in owner:
                    problems.append(f"{code} and {owner[edge]} overlap along {edge}")
                owner[edge] = code
    pairs: set[frozenset[str]] = set()
    following: dict[Point, Point] = {}  # the outer edge: edges nobody shares, one way round
    for (a, b), code in owner.items():
        other = owner.get((b, a))
        if other == code:
            problems.append(f"{code} folds back on itself at {a}")
        elif other is not None:
            pairs.add(frozenset((code, other)))
        elif a in following:
            problems.append(f"the outer edge touches itself at {a}")
        else:
            following[a] = b
    outer: list[list[Point]] = []
    while following:
        start = next(iter(following))
        ring = [start]
        while ring[-1] != start or len(ring) == 1:
            if ring[-1] not in following:
                problems.append(f"the outer edge does not close at {ring[-1]}")
                break
            ring.append(following.pop(ring[-1]))
        outer.append(ring)
    for i, ring in enumerate(outer):
        if _area(ring) <= 0:
            problems.append(f"a gap inside the city at {ring[0]}")
        for j, other in enumerate(outer):
            if i != j and _inside(ring[0], other):
                problems.append(f"an overlap or a gap at {ring[0]}, inside another ring of the outer edge")
    return pairs, outer, problems


def test_every_unit_is_there_in_a_small_file(shipped: dict) -> None:
    with (Path(geo.shipped_file()).parent / "units.csv").open(encoding="utf-8") as f:
        units = {row["code"] for row in csv.DictReader(f)}
    codes = [f["id"] for f in shipped["features"]]
    assert len(codes) == len(set(codes)) == 168
    assert set(codes) == units
    assert geo.shipped_file().stat().st_size <= 300_000
    shapes = geo.outer_rings(shipped)
    assert set(shapes) == units and all(shapes.values())


def test_neighbours_share_their_borders(shipped: dict) -> None:
    pairs, outer, problems = borders(shipped)
    assert problems == []
    # Rings run counter-clockwise, without holes (RFC 7946), so a shared edge runs the other way in the neighbour.
    assert all(_area(r) > 0 for rings in _rings(shipped).values() for r in rings)
    # The outer edge: the mainland, the islands of the coast and of Côn Đảo (36 pieces of land in the source).
    assert len(outer) == 36
    mainland = max(outer, key=_area)
    assert sum(len(r) for r in outer) < sum(len(r) for rings in _rings(shipped).values() for r in rings) / 4
    assert _area(mainland) > 0.5


def test_every_unit_but_the_island_zone_is_one_piece_with_plausible_neighbours(shipped: dict) -> None:
    pairs, _, _ = borders(shipped)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in map(tuple, pairs):
        neighbours[a].add(b)
        neighbours[b].add(a)
    codes = {f["id"] for f in shipped["features"]}
    assert neighbours[ISLAND_ZONE] == set()
    reached, todo = {"26740"}, ["26740"]  # from Phường Sài Gòn
    while todo:
        for n in neighbours[todo.pop()] - reached:
            reached.add(n)
            todo.append(n)
    assert reached == codes - {ISLAND_ZONE}
    # A map of 167 connected areas has between ~2 and 3 borders per area (a planar graph has fewer than 3n).
    assert 2 * 167 < len(pairs) < 3 * 167
    assert all(len(neighbours[c]) >= 2 for c in reached)


@pytest.mark.parametrize("shift", [0.002, -0.002])
def test_a_border_no_longer_shared_is_caught(shipped: dict, shift: float) -> None:
    """The denial twin: one unit's vertex on a border inside the city moved (what simplifying each unit on its own
    does everywhere) opens a gap or an overlap, and the check says so."""
    broken = copy.deepcopy(shipped)
    saigon = next(f for f in broken["features"] if f["id"] == "26740")
    ring = saigon["geometry"]["coordinates"][0][0]
    ring[1] = [ring[1][0] + shift, ring[1][1] + shift]
    _, _, problems = borders(broken)
    assert problems and all("gap" in p or "overlap" in p for p in problems)


def test_the_map_uses_the_shipped_file_unless_another_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from govhub.config import get_settings

    monkeypatch.delenv("GOVHUB_BOUNDARIES_FILE", raising=False)
    get_settings.cache_clear()
    try:
        assert len(geo.boundaries()) == 168
        square = [[106.7, 10.77], [106.71, 10.77], [106.71, 10.78], [106.7, 10.78], [106.7, 10.77]]
        own = tmp_path / "own.geojson"
        own.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "26740", "properties": {}, "geometry": {"type": "Polygon",
                                                                              "coordinates": [square]}},
            {"type": "Feature", "id": "25813", "properties": {}, "geometry": {"type": "Point",
                                                                              "coordinates": [106.7, 10.8]}},
        ]}))
        monkeypatch.setenv("GOVHUB_BOUNDARIES_FILE", str(own))
        get_settings.cache_clear()
        shapes = geo.boundaries()
        assert shapes == {"26740": [[tuple(p) for p in square]]}  # read as it is
        assert geo.boundaries() is shapes  # cached
        monkeypatch.setenv("GOVHUB_BOUNDARIES_FILE", "")
        get_settings.cache_clear()
        assert geo.boundaries() == {}  # an empty setting turns the map off
        assert geo.boundaries(str(tmp_path / "missing.geojson")) == {}
        (tmp_path / "bad.geojson").write_text("{not json")
        assert geo.boundaries(str(tmp_path / "bad.geojson")) == {}
    finally:
        get_settings.cache_clear()


def test_a_file_nobody_simplified_is_drawn_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ring = [[106.7 + i * 1e-6, 10.8 + (i % 2) * 1e-6] for i in range(geo.MANY_POINTS)] + [[106.7, 10.9], [106.7, 10.8]]
    big = tmp_path / "big.geojson"
    big.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "26740", "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    with caplog.at_level("WARNING", logger="govhub.geo"):
        assert len(geo.boundaries(str(big))["26740"][0]) == len(ring)
    assert "simplify it with tools/simplify_boundaries.py" in caplog.text
