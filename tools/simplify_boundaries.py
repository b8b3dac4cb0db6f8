"""Make the oversight map's boundary file: the 168 wards, communes and special zone, simplified once so that
neighbours keep sharing their borders (no gaps, no overlaps), small enough for a phone.

The source (5 MB, see govhub/data/NOTES.md) is first cleaned into an exact coverage (its neighbours' vertices do
not always match: slivers under ~11 m are merged, edges snapped), then simplified as a whole (GEOS coverage
simplification: each shared edge is simplified once, for both sides), rounded to 5 decimals (~1 m) and checked.

shapely ≥ 2.2 is needed here only, not by GovHub; run it from the project folder in a throw-away environment:

    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install 'shapely>=2.2'
    /tmp/geo/bin/python tools/simplify_boundaries.py ../shared/data/hcmc_wards_2025.geojson \\
        govhub/data/hcmc_wards.geojson

The same command turns another boundary file into one that ``GOVHUB_BOUNDARIES_FILE`` can name.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

GAP_WIDTH = 1e-4  # degrees (~11 m): slivers between neighbours narrower than this join a neighbour
TOLERANCE = 0.001  # degrees; Visvalingam–Whyatt: triangles under ~0.012 km² go (a ward is ~3 px wide on a phone)
GRID = 1e-5  # 5 decimals, ~1 m
SPECK = 1e-9  # square degrees (~12 m²): the source's zero-area parts and holes, which rounding would collapse
MAX_BYTES = 300_000


def _code(feature: dict) -> str:
    return str(feature.get("id") or (feature.get("properties") or {}).get("code") or "")


def _without_specks(geom: shapely.Geometry) -> shapely.Geometry:
    """The geometry without its parts and holes of no real area (a hole's filler is then an overlap, which cleaning
    resolves)."""
    parts = [shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= SPECK])
             for p in shapely.get_parts(geom) if p.area >= SPECK]
    return shapely.MultiPolygon(parts)


def simplify(features: list[dict], tolerance: float = TOLERANCE) -> np.ndarray:
    """The features' geometries as a clean, simplified, rounded coverage (exterior rings counter-clockwise)."""
    geoms = np.array([_without_specks(shape(f["geometry"])) for f in features])
    clean = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH)
    simple = shapely.coverage_simplify(clean, tolerance)
    # Pointwise rounding moves a shared vertex the same way on both sides, so borders stay shared.
    rounded = shapely.remove_repeated_points(shapely.set_precision(simple, GRID, mode="pointwise"), 0)
    return shapely.orient_polygons(rounded, exterior_cw=False)


def check(codes: list[str], geoms: np.ndarray) -> None:
    """Refuse a result that lost a unit, is invalid or is no longer a coverage."""
    empty = [c for c, g in zip(codes, geoms, strict=True) if g.is_empty]
    invalid = [c for c, g in zip(codes, geoms, strict=True) if not g.is_valid]
    if empty or invalid:
        raise SystemExit(f"empty: {empty}, invalid: {invalid}")
    if not shapely.coverage_is_valid(geoms):
        raise SystemExit("the simplified units overlap or their shared edges differ")


def _coords(geom: shapely.Geometry) -> list:
    """MultiPolygon coordinates, rounded for the file."""
    polygons = mapping(geom)["coordinates"]
    if geom.geom_type == "Polygon":
        polygons = [polygons]
    return [[[[round(x, 5), round(y, 5)] for x, y in ring] for ring in poly] for poly in polygons]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="GeoJSON FeatureCollection, feature id = 5-digit unit code")
    parser.add_argument("target", type=Path)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = parser.parse_args()
    features = sorted(json.loads(args.source.read_text(encoding="utf-8"))["features"], key=_code)
    codes = [_code(f) for f in features]
    geoms = simplify(features, args.tolerance)
    check(codes, geoms)
    out = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code,
         "properties": {"code": code, "name": (f.get("properties") or {}).get("fullName", "")},
         "geometry": {"type": "MultiPolygon", "coordinates": _coords(g)}}
        for code, f, g in zip(codes, features, geoms, strict=True)]}
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n"
    args.target.write_text(text, encoding="utf-8")
    size = len(text.encode("utf-8"))
    points = int(shapely.get_num_coordinates(geoms).sum())
    print(f"{len(codes)} units, {points} points, {size / 1024:.0f} KB → {args.target}")
    if size > MAX_BYTES:
        print(f"warning: over {MAX_BYTES // 1000} KB; raise --tolerance")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
