"""Oversight: headline figures, the wards and departments by category, a map, the trend, the table of units
(every number a link to the tasks behind it) and Excel/CSV reports; and the drill-down page of one unit."""

from __future__ import annotations

import reflex as rx

from govhub import routes
from govhub.components.i18n import t
from govhub.components.shell import app_page, page_title, refused
from govhub.components.task_bits import STATUS_COLORS, pager
from govhub.pages.follow_up import task_table
from govhub.services.oversight.dashboard import PERIODS, SORTS, SOURCES, UnitStat
from govhub.services.tasks.status import STATUSES
from govhub.state import figures as charts
from govhub.state.oversight import OversightState as S
from govhub.state.oversight import OversightUnitState as U

COLUMNS = ("assigned", "on_time", "late", "open", "overdue")


def _plot(figure: rx.Var, id_: str, on_click=None) -> rx.Component:  # noqa: ANN001
    """A Plotly chart from the basic bundle, full width, with the slim template."""
    props = {"on_click": on_click} if on_click is not None else {}
    return rx.box(rx.plotly.basic(data=figure, template=charts.SLIM, config=charts.CONFIG, use_resize_handler=True,
                                  width="100%", id=id_, **props), width="100%", min_width="0")


def _filters() -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(aria_label=t("oversight.period"), id="period"),
            rx.select.content(*[rx.select.item(t(f"oversight.period.{p}"), value=p) for p in PERIODS]),
            value=S.period, on_change=S.choose_period, size="2",
        ),
        rx.select.root(
            rx.select.trigger(aria_label=t("oversight.source"), id="source"),
            rx.select.content(rx.select.item(t("oversight.source.all"), value="all"),
                              *[rx.select.item(t(f"directive.source.{s}"), value=s) for s in SOURCES]),
            value=rx.cond(S.source == "", "all", S.source), on_change=S.choose_source, size="2",
        ),
        rx.spacer(display=["none", "block"]),
        rx.hstack(
            rx.button(rx.icon("file-spreadsheet", size=16), t("oversight.export_xlsx"), on_click=S.export_xlsx,
                      variant="soft", size="2", id="export-xlsx"),
            rx.button(rx.icon("file-text", size=16), "CSV", on_click=S.export_csv, variant="soft", color_scheme="gray",
                      size="2", id="export-csv", aria_label=t("oversight.export_csv")),
            spacing="2",
        ),
        wrap="wrap", spacing="2", width="100%", align="center",
    )


def _figure(key: str, value: rx.Var, color: str = "gray", suffix: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(rx.text(t(key), size="1", color_scheme="gray", line_height="1.25"),
                  rx.heading(value, suffix, size="6", color_scheme=color, high_contrast=color == "gray"),
                  spacing="1"),
        id=f"headline-{key.rsplit('.', 1)[-1]}",
    )


def _headline() -> rx.Component:
    return rx.grid(
        _figure("oversight.assigned", S.total.assigned),
        *[_figure(f"task.status.{s}", S.total[s], STATUS_COLORS[s]) for s in ("on_time", "late", "open", "overdue")],
        _figure("oversight.rate", S.total.rate, "indigo", "%"),
        columns=rx.breakpoints(initial="2", sm="3", lg="6"),
        spacing="3", width="100%",
    )


def _section(title_key: str, *children: rx.Component, id_: str = "") -> rx.Component:
    return rx.card(rx.vstack(rx.heading(t(title_key), size="4"), *children, spacing="3", width="100%"),
                   width="100%", id=id_)


def _drill(row: UnitStat, status: str) -> rx.Var:
    source = rx.cond(S.source != "", "&source=" + S.source, "")
    return routes.oversight_unit_url(row.id) + "?status=" + status + "&period=" + S.period + source


def _unit_row(row: UnitStat) -> rx.Component:
    def count(key: str) -> rx.Component:
        value = row[key]
        if key == "assigned":
            return rx.table.cell(rx.text(value, size="2"), text_align="right")
        return rx.table.cell(rx.cond(value > 0, rx.link(value, href=_drill(row, key), size="2",
                                                        color_scheme=STATUS_COLORS[key]),
                                     rx.text("0", size="2", color_scheme="gray")), text_align="right")

    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.name, href=_drill(row, "overdue"), size="2", weight="medium",
                                         class_name="unit-link")),
        *[count(k) for k in COLUMNS],
        rx.table.cell(rx.text(row.rate, "%", size="2"), text_align="right"),
        data_code=row.code,
    )


def _unit_table(rows: rx.Var, id_: str) -> rx.Component:
    """The Government Office's table; each unit and each number links to the tasks behind it."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(t("oversight.col.unit")),
                *[rx.table.column_header_cell(t(f"oversight.col.{k}"), text_align="right") for k in COLUMNS],
                rx.table.column_header_cell(t("oversight.col.rate"), text_align="right"),
            )),
            rx.table.body(rx.foreach(rows, _unit_row)),
            size="1", width="100%", min_width="560px",
        ),
        overflow_x="auto", width="100%", max_height="560px", overflow_y="auto", id=id_,
    )


def _sort() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=t("oversight.sort"), id="sort"),
        rx.select.content(*[rx.select.item(t(f"oversight.sort.{s}"), value=s) for s in SORTS]),
        value=S.sort, on_change=S.choose_sort, size="1",
    )


def _board() -> rx.Component:
    return rx.vstack(
        _filters(),
        _headline(),
        rx.cond(S.departments.length() > 0, _section(
            "oversight.departments",
            _plot(S.department_chart, "department-chart", S.open_department),
            rx.text(t("oversight.click_hint"), size="1", color_scheme="gray"),
            id_="departments-card")),
        rx.cond(S.wards.length() > 0, _section(
            "oversight.wards",
            _plot(S.ward_chart, "ward-chart", S.open_ward),
            rx.text(t("oversight.click_hint"), size="1", color_scheme="gray"),
            id_="wards-card")),
        rx.cond(S.has_map, _section("oversight.map", _plot(S.map_chart, "map-chart", S.open_map_unit),
                                    rx.text(t("oversight.map_hint"), size="1", color_scheme="gray"),
                                    id_="map-card")),
        _section("oversight.trend", _plot(S.trend_chart, "trend-chart"), id_="trend-card"),
        _section(
            "oversight.table",
            rx.hstack(rx.text(t("oversight.table_hint"), size="1", color_scheme="gray"), rx.spacer(), _sort(),
                      width="100%", align="center", wrap="wrap"),
            rx.cond(S.departments.length() > 0, rx.vstack(
                rx.text(t("oversight.departments"), size="2", weight="bold"),
                _unit_table(S.departments, "department-table"), width="100%", spacing="2")),
            rx.cond(S.wards.length() > 0, rx.vstack(
                rx.text(t("oversight.wards"), size="2", weight="bold"),
                _unit_table(S.wards, "ward-table"), width="100%", spacing="2")),
            id_="units-card",
        ),
        spacing="4", width="100%",
    )


@app_page(routes.OVERSIGHT, on_load=[S.load])
def oversight_page() -> rx.Component:
    """The leadership's board."""
    return rx.vstack(
        page_title("oversight.title", rx.cond(
            S.scope == "city", rx.text(t("oversight.subtitle.city"), size="2", color_scheme="gray"),
            rx.text(S.scope_unit, size="2", color_scheme="gray", id="scope-unit"))),
        rx.cond(
            S.loaded,
            rx.cond(S.available, _board(),
                    refused("oversight.not_available", id="not-available")),
            rx.center(rx.spinner(size="3"), padding="40px", width="100%"),
        ),
        spacing="2", width="100%",
    )


def _status_tabs() -> rx.Component:
    def tab(status: str) -> rx.Component:
        return rx.button(t(f"task.status.{status}"), rx.badge(U.unit.counts[status], radius="full"),
                         variant=rx.cond(U.unit.status == status, "solid", "soft"), color_scheme=STATUS_COLORS[status],
                         size="2", on_click=U.show_status(status), id=f"drill-{status}")
    return rx.flex(*[tab(s) for s in ("overdue", "open", "late", "on_time")], wrap="wrap", spacing="2")


@app_page(routes.OVERSIGHT_UNIT, on_load=[U.load])
def oversight_unit_page() -> rx.Component:
    """One unit's tasks in one category."""
    back = rx.link(rx.hstack(rx.icon("arrow-left", size=16), t("oversight.back"), align="center", spacing="1"),
                   href=routes.OVERSIGHT + "?period=" + U.period + rx.cond(U.source != "", "&source=" + U.source, ""),
                   size="2")
    return rx.vstack(
        back,
        rx.cond(
            U.missing,
            refused(id="not-available"),
            rx.cond(U.unit.unit_id > 0, rx.vstack(
                rx.heading(U.unit.unit_name, size="6", id="drill-unit"),
                _status_tabs(),
                rx.cond(U.unit.total > 0, rx.card(task_table(U.rows, "drill-table"), width="100%"),
                        rx.text(t("oversight.no_tasks"), color_scheme="gray")),
                pager(U.unit.page, U.unit.pages, U.go_to_page),
                spacing="4", width="100%",
            ), rx.center(rx.spinner(), padding="40px", width="100%")),
        ),
        spacing="3", width="100%",
    )


__all__ = ["oversight_page", "oversight_unit_page", "STATUSES"]
