"""The oversight dashboard and its drill-down: thin; the services decide who sees what."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import plotly.graph_objects as go
import reflex as rx

from govhub import clock
from govhub.routes import oversight_unit_url
from govhub.services.core.errors import NotFound
from govhub.services.oversight import dashboard, geo
from govhub.services.oversight.dashboard import Board, Filters, UnitStat, UnitTasks
from govhub.services.tasks.status import STATUSES
from govhub.services.tasks.views import ChildRow
from govhub.state import figures as charts
from govhub.state.base import AppState, guarded
from govhub.state.directory import _path_id
from govhub.state.paging import clamp_page

EMPTY_STAT = UnitStat(id=0, code="", name="", kind="")
CHART_KEYS = (*STATUSES, "assigned", "completed", "overdue_rate", "rate", "no_tasks")


def _points_index(points: object, key: str) -> int:
    """The index Plotly reports for the first clicked point (validated: the browser sends whatever it likes)."""
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        raise ValueError("no point")
    value = points[0].get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("bad point")
    return value


def drill_url(unit_id: int, status: str, filters: Filters) -> str:
    """The drill-down page of one unit, category and filters."""
    query = {"status": status, "period": filters.period}
    if filters.source:
        query["source"] = filters.source
    return f"{oversight_unit_url(int(unit_id))}?{urlencode(query)}"


class OversightState(AppState):
    """Headline figures, charts, map and the table of units for one period and source."""

    loaded: bool = False
    available: bool = False
    scope: str = ""
    scope_unit: str = ""
    period: str = "all"
    source: str = ""
    sort: str = "overdue"
    total: UnitStat = EMPTY_STAT
    departments: list[UnitStat] = []
    wards: list[UnitStat] = []
    has_map: bool = False
    ward_chart: go.Figure = charts.empty()
    department_chart: go.Figure = charts.empty()
    trend_chart: go.Figure = charts.empty()
    map_chart: go.Figure = charts.empty()
    _board: Board | None = None
    _map_ids: list[int] = []

    def _labels(self) -> dict[str, str]:
        return {k: self._t(f"oversight.chart.{k}") for k in CHART_KEYS}

    def _filters(self) -> Filters:
        return Filters(self.period, self.source).checked()

    def _show(self, board: Board) -> None:
        """Put a board on screen (the export uses the very same numbers)."""
        labels = self._labels()
        self._board = board
        self.scope, self.scope_unit, self.total = board.scope, board.scope_unit, board.total
        self.departments = dashboard.sort_stats(board.departments, self.sort)
        self.wards = dashboard.sort_stats(board.wards, self.sort)
        self.department_chart = charts.stacked_bars(self.departments, labels, horizontal=True)
        self.ward_chart = charts.stacked_bars(self.wards, labels, horizontal=len(self.wards) <= 12)
        self.trend_chart = charts.trend_lines(board.trend, labels)

    async def _reload(self) -> None:
        filters, sort = self._filters(), self.sort
        board = await self._call(lambda s, a: dashboard.board(s, a, filters, clock.today(), sort))
        self._show(board)
        shapes = await asyncio.to_thread(geo.boundaries)
        self.has_map = bool(shapes) and bool(self.wards)
        if self.has_map:
            figure, self._map_ids = charts.choropleth(self.wards, shapes, self._labels())
            self.map_chart = figure
        else:
            self.map_chart, self._map_ids = charts.empty(), []
        self.available, self.loaded = True, True

    @rx.event
    @guarded
    async def load(self):
        """Load the board (a clear 'not available' for officials without one)."""
        params = self.router.url.query_parameters
        period, source = params.get("period", "all"), params.get("source", "")
        self.period = period if period in dashboard.PERIODS else "all"
        self.source = source if source in dashboard.SOURCES else ""
        try:
            await self._reload()
        except NotFound:
            self.loaded, self.available, self._board = True, False, None
            self.departments, self.wards, self.total = [], [], EMPTY_STAT

    @rx.event
    @guarded
    async def choose_period(self, period: str):
        """Another period."""
        if period not in dashboard.PERIODS:
            raise ValueError("unknown period")
        self.period = period
        await self._reload()

    @rx.event
    @guarded
    async def choose_source(self, source: str):
        """Another source ('all' for every source)."""
        source = "" if source == "all" else source
        if source and source not in dashboard.SOURCES:
            raise ValueError("unknown source")
        self.source = source
        await self._reload()

    @rx.event
    @guarded
    async def choose_sort(self, sort: str):
        """Order the units: most overdue, lowest rate, most assigned, or by name."""
        if sort not in dashboard.SORTS:
            raise ValueError("unknown sort")
        self.sort = sort
        await self._reload()

    def _unit_at(self, rows: list[UnitStat], index: int) -> int:
        if index >= len(rows):
            raise ValueError("no such bar")
        return rows[index].id

    @rx.event
    @guarded
    async def open_ward(self, points: list):
        """A ward's bar → its overdue tasks."""
        unit_id = self._unit_at(self.wards, _points_index(points, "pointIndex"))
        return rx.redirect(drill_url(unit_id, "overdue", self._filters()))

    @rx.event
    @guarded
    async def open_department(self, points: list):
        """A department's bar → its overdue tasks."""
        unit_id = self._unit_at(self.departments, _points_index(points, "pointIndex"))
        return rx.redirect(drill_url(unit_id, "overdue", self._filters()))

    @rx.event
    @guarded
    async def open_map_unit(self, points: list):
        """A unit's area on the map → its overdue tasks."""
        index = _points_index(points, "curveNumber")
        if index >= len(self._map_ids):
            raise ValueError("no such area")
        return rx.redirect(drill_url(self._map_ids[index], "overdue", self._filters()))

    async def _export(self, kind: str):  # noqa: ANN202
        board, filters = self._board, self._filters()
        if board is None:
            raise NotFound()
        # The numbers on screen are exported as they are; the call only re-checks who is asking.
        await self._call(lambda s, a: dashboard.access_dashboard(s, a))
        today = clock.today()
        stamp = today.strftime("%Y%m%d")
        if kind == "xlsx":
            data = await asyncio.to_thread(dashboard.to_xlsx, board, filters, today)
            return rx.download(data=data, filename=f"bao-cao-nhiem-vu-{stamp}.xlsx")
        return rx.download(data=dashboard.to_csv(board, filters, today), filename=f"bao-cao-nhiem-vu-{stamp}.csv")

    @rx.event
    @guarded
    async def export_xlsx(self):
        """The current view as an Excel workbook (the Government Office's layout)."""
        return await self._export("xlsx")

    @rx.event
    @guarded
    async def export_csv(self):
        """The current view as CSV."""
        return await self._export("csv")


EMPTY_UNIT = UnitTasks(unit_id=0, unit_name="", counts=dict.fromkeys(STATUSES, 0), status="overdue", rows=[], total=0,
                       page=1, pages=0)


class OversightUnitState(AppState):
    """One unit's tasks in one category (the drill-down)."""

    unit: UnitTasks = EMPTY_UNIT
    rows: list[ChildRow] = []
    missing: bool = False
    period: str = "all"
    source: str = ""

    async def _reload(self, unit_id: int, status: str, page: int) -> None:
        filters = Filters(self.period, self.source).checked()
        self.unit = await self._call(lambda s, a: dashboard.unit_tasks(s, a, unit_id, filters, clock.today(),
                                                                       status, page))
        self.rows, self.missing = self.unit.rows, False

    @rx.event
    @guarded
    async def load(self):
        """Load the unit and category named in the address."""
        params = self.router.url.query_parameters
        period, source, status = params.get("period", "all"), params.get("source", ""), params.get("status", "")
        self.period = period if period in dashboard.PERIODS else "all"
        self.source = source if source in dashboard.SOURCES else ""
        try:
            unit_id = _path_id(self.router.url.path)
            await self._reload(unit_id, status if status in STATUSES else "overdue", 1)
        except (ValueError, NotFound) as exc:
            self.unit, self.rows, self.missing = EMPTY_UNIT, [], True
            await self._page_refused(exc)

    @rx.event
    @guarded
    async def show_status(self, status: str):
        """Another category of the same unit."""
        if status not in STATUSES or self.unit.unit_id <= 0:
            raise ValueError("unknown status")
        await self._reload(self.unit.unit_id, status, 1)

    @rx.event
    @guarded
    async def go_to_page(self, page: int):
        """Another page."""
        if self.unit.unit_id <= 0:
            raise NotFound()
        await self._reload(self.unit.unit_id, self.unit.status, clamp_page(page, self.unit.pages))
