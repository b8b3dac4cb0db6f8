"""Which release a server runs (what an open tab compares after reconnecting): the configured one, else a digest
of the build's entry page that changes with the build; ``/_release`` answers it, never cached."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from govhub.api import release_routes
from govhub.config import get_settings
from govhub.release import release_id


@pytest.fixture
def release(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set GOVHUB_RELEASE through this (settings are read afresh)."""
    monkeypatch.delenv("GOVHUB_RELEASE", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_the_build_names_the_release(tmp_path: Path, release: pytest.MonkeyPatch) -> None:  # noqa: ARG001
    assert release_id(tmp_path) == ""
    page = tmp_path / "index.html"
    page.write_text('<script type="module" src="/assets/entry-AAAA.js"></script>')
    first = release_id(tmp_path)
    assert len(first) == 16 and release_id(tmp_path) == first
    page.write_text('<script type="module" src="/assets/entry-BBBB.js"></script>')
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    assert release_id(tmp_path) not in ("", first)


def test_a_configured_release_wins(tmp_path: Path, release: pytest.MonkeyPatch) -> None:
    (tmp_path / "index.html").write_text("<html></html>")
    release.setenv("GOVHUB_RELEASE", " 2026.12.06-abc123 ")
    get_settings.cache_clear()
    assert release_id(tmp_path) == "2026.12.06-abc123"


def test_the_route_is_never_cached(tmp_path: Path, release: pytest.MonkeyPatch) -> None:
    release.setenv("GOVHUB_RELEASE", "r42")
    get_settings.cache_clear()
    release.setattr(release_routes, "frontend_build_dir", lambda: tmp_path)
    response = TestClient(Starlette(routes=release_routes.routes)).get("/_release")
    assert response.status_code == 200 and response.json() == {"release": "r42"}
    assert response.headers["cache-control"] == "no-store"
