"""The electronic directory: one search box, the org tree, unit pages and contact cards."""

from __future__ import annotations

import reflex as rx

from govhub import routes, styles
from govhub.components.contact import contact_dialog, official_row
from govhub.components.i18n import t
from govhub.components.shell import app_page, page_title, refused
from govhub.components.task_bits import pager
from govhub.services.org.directory import UnitRow
from govhub.state.base import AppState
from govhub.state.directory import ContactState, DirectoryState, UnitState

KIND_KEYS = ("ward", "commune", "special_zone", "department", "office", "inspectorate", "division", "city")


def kind_badge(kind: rx.Var) -> rx.Component:
    """The kind of a unit as a small label."""
    return rx.badge(rx.match(kind, *[(k, t(f"unit.kind.{k}")) for k in KIND_KEYS], kind), variant="soft",
                    color_scheme="gray", size="1")


def unit_link(unit: UnitRow) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.text(unit.name, size="2", weight="medium", flex="1", min_width="0"),
            rx.cond(unit.officials > 0, rx.text(unit.officials, size="1", color_scheme="gray")),
            rx.icon("chevron-right", size=14, color=styles.FAINT_ICON),
            align="center",
            width="100%",
        ),
        href=routes.unit_url(unit.id),
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding="8px 10px",
        border_radius="var(--radius-2)",
        _hover={"background": styles.SURFACE_HOVER},
        width="100%",
    )


def _search_box() -> rx.Component:
    return rx.input(
        rx.input.slot(rx.icon("search", size=16)),
        placeholder=t("directory.search_placeholder"),
        value=DirectoryState.query,
        on_change=DirectoryState.search.debounce(250),
        size="3",
        width="100%",
        id="directory-search",
        type="search",
        max_length=200,
    )


def _results() -> rx.Component:
    return rx.vstack(
        rx.text(t("directory.results", n=DirectoryState.total), size="2", color_scheme="gray", id="result-count"),
        rx.cond(
            DirectoryState.total > 0,
            rx.card(rx.vstack(rx.foreach(DirectoryState.results, official_row), spacing="0", width="100%"),
                    width="100%", id="results"),
            rx.text(t("directory.no_results"), size="2"),
        ),
        pager(DirectoryState.page, DirectoryState.pages, DirectoryState.go_to_page),
        width="100%",
        spacing="3",
    )


def _tree() -> rx.Component:
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.text(t("directory.city"), weight="bold"),
                rx.foreach(DirectoryState.city, unit_link),
                rx.text(t("directory.agencies"), weight="bold", margin_top="8px"),
                rx.foreach(DirectoryState.agencies, unit_link),
                spacing="1",
                width="100%",
            ),
        ),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(t("directory.local_units"), weight="bold"),
                    rx.badge(DirectoryState.local_units.length(), variant="soft"),
                    align="center",
                ),
                rx.select.root(
                    rx.select.trigger(width="100%"),
                    rx.select.content(
                        rx.select.item(t("directory.filter.all"), value="all"),
                        rx.select.item(t("unit.kind.ward"), value="ward"),
                        rx.select.item(t("unit.kind.commune"), value="commune"),
                        rx.select.item(t("unit.kind.special_zone"), value="special_zone"),
                    ),
                    value=DirectoryState.local_filter,
                    on_change=DirectoryState.choose_local_filter,
                ),
                rx.input(placeholder=t("directory.filter_units"), on_change=DirectoryState.filter_local.debounce(200),
                         width="100%", id="unit-filter", max_length=100),
                rx.scroll_area(
                    rx.vstack(rx.foreach(DirectoryState.local_units, unit_link), spacing="0", width="100%"),
                    max_height="560px",
                    type="auto",
                    scrollbars="vertical",
                ),
                spacing="2",
                width="100%",
            ),
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


@app_page(routes.DIRECTORY, on_load=[DirectoryState.load])
def directory_page() -> rx.Component:
    """Search the whole city government, or browse it unit by unit."""
    return rx.vstack(
        rx.hstack(
            page_title("directory.title", rx.text(t("directory.subtitle"), size="2", color_scheme="gray")),
            rx.spacer(),
            rx.cond(AppState.me.is_unit_admin,
                    rx.link(rx.button(rx.icon("file-up", size=14), t("import.title"), variant="soft", size="2"),
                            href=routes.DIRECTORY_IMPORT, id="open-import")),
            width="100%",
            align="start",
            wrap="wrap",
        ),
        _search_box(),
        rx.cond(DirectoryState.query.strip() != "", _results(), _tree()),
        contact_dialog(),
        spacing="4",
        width="100%",
    )


def _unit_contacts() -> rx.Component:
    u = UnitState.unit
    return rx.hstack(
        rx.cond(u.phone != "", rx.link(rx.hstack(rx.icon("phone", size=14), rx.text(u.phone, size="2"),
                                                 align="center", spacing="1"), href="tel:" + u.phone)),
        rx.cond(u.email != "", rx.link(rx.hstack(rx.icon("mail", size=14), rx.text(u.email, size="2"),
                                                 align="center", spacing="1"), href="mailto:" + u.email)),
        rx.cond(u.address != "", rx.hstack(rx.icon("map-pin", size=14), rx.text(u.address, size="2"),
                                           align="center", spacing="1")),
        wrap="wrap",
        spacing="4",
    )


def _unit_body() -> rx.Component:
    u = UnitState.unit
    return rx.vstack(
        rx.hstack(
            rx.link(t("directory.title"), href=routes.DIRECTORY, size="2"),
            rx.foreach(u.breadcrumb, lambda b: rx.hstack(
                rx.text("/", size="2", color_scheme="gray"),
                rx.link(b.name, href=routes.unit_url(b.id), size="2"), spacing="2")),
            wrap="wrap",
            spacing="2",
        ),
        rx.hstack(rx.heading(u.name, size="6", id="unit-name"), kind_badge(u.kind), align="center", wrap="wrap"),
        _unit_contacts(),
        rx.cond(
            u.children.length() > 0,
            rx.card(rx.vstack(rx.text(t("directory.divisions"), weight="bold"),
                              rx.foreach(u.children, unit_link), spacing="1", width="100%"), width="100%"),
        ),
        rx.card(
            rx.vstack(
                rx.hstack(rx.text(t("directory.people"), weight="bold"),
                          rx.badge(u.officials.length(), variant="soft"), align="center"),
                rx.cond(u.officials.length() > 0,
                        rx.vstack(rx.foreach(u.officials, official_row), spacing="0", width="100%"),
                        rx.text(t("directory.nobody"), size="2", color_scheme="gray")),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="unit-people",
        ),
        contact_dialog(),
        spacing="4",
        width="100%",
    )


@app_page(routes.DIRECTORY_UNIT, on_load=[UnitState.load])
def unit_page() -> rx.Component:
    """One unit: where it sits, its divisions and its people by rank."""
    return rx.cond(
        UnitState.missing,
        refused(),
        rx.cond(UnitState.unit.id > 0, _unit_body(), rx.center(rx.spinner(), padding="40px")),
    )


__all__ = ["ContactState", "directory_page", "unit_page"]
