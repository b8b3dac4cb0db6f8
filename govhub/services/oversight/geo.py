"""Unit boundaries for the oversight map: read the configured GeoJSON once, simplify it (Douglas–Peucker, pure
Python), round the coordinates and keep the result in memory, so a phone downloads a few hundred KB, not 5 MB."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from govhub.config import get_settings

log = logging.getLogger("govhub.geo")

# ~75 m at the city's latitude: the inner-city wards (about 1 km across) stay recognisable; ~150 KB for 168 units.
TOLERANCE = 0.0007
DECIMALS = 4  # ~11 m
MIN_RING_POINTS = 4

Ring = list[tuple[float, float]]

_cache: dict[tuple[str, float, float], dict[str, list[Ring]]] = {}
_lock = threading.Lock()


def _perpendicular(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance from ``p`` to the segment ``a``–``b`` (planar; fine at city scale)."""
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    px, py = x1 + t * dx, y1 + t * dy
    return ((x - px) ** 2 + (y - py) ** 2) ** 0.5


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker with an explicit stack (no recursion limit on long rings)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: list[list[float]], tolerance: float = TOLERANCE, decimals: int = DECIMALS) -> Ring | None:
    """A closed ring simplified and rounded, or None when nothing of it is left worth drawing."""
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) < MIN_RING_POINTS:
        return None
    # Split the closed ring at its farthest point from the start so DP keeps both halves' shape.
    far = max(range(len(pts)), key=lambda i: (pts[i][0] - pts[0][0]) ** 2 + (pts[i][1] - pts[0][1]) ** 2)
    half = simplify(pts[: far + 1], tolerance) + simplify(pts[far:], tolerance)[1:]
    out: Ring = []
    for x, y in half:
        q = (round(x, decimals), round(y, decimals))
        if not out or out[-1] != q:
            out.append(q)
    if len(out) < MIN_RING_POINTS:
        return None
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def simplify_features(data: dict, tolerance: float = TOLERANCE, decimals: int = DECIMALS) -> dict[str, list[Ring]]:
    """Unit code → its outer rings, simplified (holes are left out: a choropleth fill does not need them)."""
    shapes: dict[str, list[Ring]] = {}
    for feature in data.get("features", []):
        code = str(feature.get("id") or (feature.get("properties") or {}).get("code") or "")
        geometry = feature.get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates") or []
        polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
        rings = [r for r in (simplify_ring(poly[0], tolerance, decimals) for poly in polygons if poly) if r]
        if code and rings:
            shapes.setdefault(code, []).extend(rings)
    return shapes


def boundaries(path: str | None = None) -> dict[str, list[Ring]]:
    """The simplified boundaries from ``GOVHUB_BOUNDARIES_FILE`` (cached per file and modification time), or an
    empty dict when no file is set or it cannot be read (the map card is then absent)."""
    path = path if path is not None else get_settings().boundaries_file
    if not path:
        return {}
    file = Path(path)
    try:
        stat = file.stat()
    except OSError:
        log.warning("boundary file %s is missing: no map", path)
        return {}
    key = (str(file), stat.st_mtime, stat.st_size)
    with _lock:
        if key not in _cache:
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
                _cache.clear()
                _cache[key] = simplify_features(data)
            except (OSError, ValueError) as exc:
                log.warning("boundary file %s cannot be read (%s): no map", path, exc)
                return {}
        return _cache[key]
