"""The warm-up at server start does what the first visits would (the boundaries read, the board's figures built),
writes nothing, and never stops the server when it fails."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.engine import Engine

from govhub.services.oversight import geo
from govhub.state import warmup


def test_warm_up_reads_the_boundaries_and_builds_the_board(seeded_engine: Engine,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[object] = []
    monkeypatch.setattr(geo, "boundaries", lambda *a: read.append(a) or {})
    built: list[object] = []
    monkeypatch.setattr(warmup.pio, "to_json", lambda figure: built.append(figure) or "{}")
    assert warmup.warm(seeded_engine) >= 0
    assert read and len(built) == 2  # ward bars and trend (no map without boundaries)


def test_a_failed_warm_up_does_not_stop_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> float:
        raise RuntimeError("no database")

    monkeypatch.setattr(warmup, "warm", fail)

    async def start() -> bool:
        async with warmup.lifespan(app=None):
            return True

    assert asyncio.run(start())
