"""Warm-up at server start: the first visit after a start should not pay for what any visit would pay once.

Measured (bench/page_load.py): the city board's first visit after a start took ~2.1 s to show content against
~1.3 s later, of which ~1.0 s was reading and simplifying the ward boundaries file and ~0.5 s plotly's first
figures (its validators load on first use). Before the server says it is ready, this reads the boundaries and
builds the board's figures once, from the main read queries (the city leader's board and inbox), off the event
loop. Nothing is written; a failure here is logged and never stops the server."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import plotly.io as pio
from sqlalchemy.engine import Engine
from sqlmodel import select

from govhub import clock
from govhub.db import new_session
from govhub.models import Official, Unit
from govhub.services.oversight import dashboard, geo
from govhub.services.tasks.inbox import inbox
from govhub.state import figures as charts
from govhub.state.oversight import CHART_KEYS

log = logging.getLogger("govhub.warmup")
LABELS = {k: k for k in CHART_KEYS}  # the words do not matter here, only the work


def warm(engine: Engine | None = None) -> float:
    """Do once what the first visits would; the seconds it took."""
    started = time.perf_counter()
    shapes = geo.boundaries()
    with new_session(engine) as session:
        leader = session.exec(select(Official).join(Unit, Unit.id == Official.unit_id)
                              .where(Unit.kind == "city", Official.active, Official.roles.contains("leader"))
                              .order_by(Official.id)).first()
        if leader is not None:
            today = clock.today()
            board = dashboard.board(session, leader, dashboard.Filters(), today)
            figures = [charts.stacked_bars(board.wards, LABELS, horizontal=False),
                       charts.trend_lines(board.trend, LABELS)]
            if shapes:
                figures.append(charts.choropleth(board.wards, shapes, LABELS)[0])
            for figure in figures:
                pio.to_json(figure)
            inbox(session, leader, today)
        session.rollback()
    return time.perf_counter() - started


@asynccontextmanager
async def lifespan(app) -> AsyncIterator[None]:  # noqa: ANN001, ARG001 (Reflex passes the app by this name)
    """Registered on the app: warm up before serving."""
    try:
        log.info("warm-up took %.2f s", await asyncio.to_thread(warm))
    except Exception:  # noqa: BLE001 (a warm-up never stops the server)
        log.exception("warm-up failed")
    yield
