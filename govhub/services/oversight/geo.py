"""Unit boundaries for the oversight map: by default the city's 168 wards, communes and special zone shipped in
``govhub/data/hcmc_wards.geojson`` (simplified once by ``tools/simplify_boundaries.py`` so that neighbours keep
sharing their borders; ~250 KB), or the file ``GOVHUB_BOUNDARIES_FILE`` names, read as it is (make it with the same
script: every point of it goes to every browser that opens the map). Read once, kept in memory."""

from __future__ import annotations

import json
import logging
import threading
from importlib import resources
from pathlib import Path

from govhub.config import get_settings

log = logging.getLogger("govhub.geo")

SHIPPED = "hcmc_wards.geojson"
# More points than this in a configured file is a file nobody simplified: it still works, slowly.
MANY_POINTS = 50_000

Ring = list[tuple[float, float]]

_cache: dict[tuple[str, float, int], dict[str, list[Ring]]] = {}
_lock = threading.Lock()


def shipped_file() -> Path:
    """The boundary file inside the package."""
    return Path(str(resources.files("govhub.data").joinpath(SHIPPED)))


def outer_rings(data: dict) -> dict[str, list[Ring]]:
    """Unit code → the outer rings of its polygons (holes are left out: a choropleth fill does not need them)."""
    shapes: dict[str, list[Ring]] = {}
    for feature in data.get("features", []):
        code = str(feature.get("id") or (feature.get("properties") or {}).get("code") or "")
        geometry = feature.get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates") or []
        polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
        rings = [[(float(x), float(y)) for x, y, *_ in poly[0]] for poly in polygons if poly and len(poly[0]) >= 4]
        if code and rings:
            shapes.setdefault(code, []).extend(rings)
    return shapes


def boundaries(path: str | None = None) -> dict[str, list[Ring]]:
    """The boundaries from ``path``, else ``GOVHUB_BOUNDARIES_FILE``, else the shipped file (cached per file and
    modification time); an empty dict when the setting is empty (no map) or the file cannot be read."""
    if path is None:
        configured = get_settings().boundaries_file
        path = str(shipped_file()) if configured is None else configured
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
                shapes = outer_rings(json.loads(file.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError) as exc:
                log.warning("boundary file %s cannot be read (%s): no map", path, exc)
                return {}
            points = sum(len(ring) for rings in shapes.values() for ring in rings)
            if points > MANY_POINTS:
                log.warning("boundary file %s has %d points: simplify it with tools/simplify_boundaries.py", path,
                            points)
            _cache.clear()
            _cache[key] = shapes
        return _cache[key]
