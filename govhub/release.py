"""Which release a server runs, so an open tab can tell that a newer one has replaced the one it was loaded from
(assets/govhub_resilience.jsx asks ``/_release`` after every reconnect and offers to reload).

``GOVHUB_RELEASE`` names it when set (a deployment's version or commit); otherwise it is a digest of the built
client's entry page, whose hashed asset names change with every build that changes anything the browser runs."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from govhub.config import get_settings

ENTRY_PAGES = ("index.html", "__spa-fallback.html")


@lru_cache(maxsize=4)
def _digest(page: Path, stamp: int) -> str:  # noqa: ARG001  (``stamp`` names the build: a rebuild reads anew)
    return hashlib.sha256(page.read_bytes()).hexdigest()[:16]


def release_id(build_dir: Path) -> str:
    """The release served from ``build_dir`` ("" when nothing is built there yet)."""
    named = get_settings().release.strip()
    if named:
        return named[:64]
    for name in ENTRY_PAGES:
        page = build_dir / name
        try:
            return _digest(page, page.stat().st_mtime_ns)
        except OSError:
            continue
    return ""
