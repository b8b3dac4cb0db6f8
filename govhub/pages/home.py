"""The work inbox ("việc cần xử lý"): one list of what needs me now, ordered by urgency."""

from __future__ import annotations

import reflex as rx

from govhub import routes, styles
from govhub.components.bell import pinned_news
from govhub.components.i18n import t
from govhub.components.plain_button import FOCUS_RING
from govhub.components.shell import app_page
from govhub.components.task_bits import due_badge, kind_text, pager, priority_badge
from govhub.services.tasks.inbox import KINDS, InboxItem
from govhub.state.base import AppState
from govhub.state.tasks import InboxState

KIND_ICONS = {"assigned": "inbox", "processing": "loader", "review": "clipboard-check", "extension": "calendar-clock",
              "doc_review": "file-search", "doc_sign": "file-pen-line"}


def _href(item: InboxItem) -> rx.Var:
    """A task's page, or a document's (document items carry task_id 0 and the document in ref_id)."""
    return rx.cond(item.task_id == 0, routes.document_url(item.ref_id), routes.task_url(item.task_id))


def _chip(label: rx.Var, count: rx.Var, active: rx.Var, on_click, icon: str, color: str = "indigo",
          id_: str = "") -> rx.Component:  # noqa: ANN001
    return rx.button(
        rx.icon(icon, size=14), label, rx.badge(count, variant="solid", color_scheme=color, radius="full"),
        variant=rx.cond(active, "solid", "soft"), color_scheme=color, size="2", on_click=on_click,
        id=id_ or None,
    )


def _filters() -> rx.Component:
    return rx.flex(
        _chip(t("inbox.all"), InboxState.all_count, InboxState.kind == "",
              InboxState.filter_kind(""), "list", id_="kind-all"),
        *[_chip(t(f"inbox.kind.{k}"), InboxState.counts[k], InboxState.kind == k, InboxState.filter_kind(k),
                KIND_ICONS[k], id_=f"kind-{k}") for k in KINDS],
        _chip(t("task.mark.overdue"), InboxState.overdue, InboxState.due == "overdue",
              InboxState.filter_due("overdue"), "alarm-clock", "red", "due-overdue"),
        _chip(t("task.mark.due_soon"), InboxState.due_soon, InboxState.due == "due_soon",
              InboxState.filter_due("due_soon"), "clock", "amber", "due-soon"),
        wrap="wrap",
        spacing="2",
    )


def _card(item: InboxItem) -> rx.Component:
    return rx.link(
        rx.vstack(
            rx.hstack(rx.text(kind_text(item.kind), size="1", color_scheme="indigo", weight="medium"),
                      priority_badge(item.priority), due_badge(item.mark), spacing="2", align="center", wrap="wrap"),
            rx.text(item.title, weight="medium", size="3"),
            rx.hstack(rx.text(item.unit_name, size="1", color_scheme="gray"), rx.spacer(),
                      rx.cond(item.deadline != "",
                              rx.text(t("task.deadline_short", date=item.deadline), size="1", color_scheme="gray")),
                      width="100%", wrap="wrap"),
            spacing="1",
            width="100%",
        ),
        href=_href(item),
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding="12px",
        border_bottom=styles.border(styles.LINE),
        display="block",
        class_name="inbox-item",
        _hover={"background": styles.SURFACE_SUBTLE},
        _focus_visible=FOCUS_RING,  # inside the card's edge, not cut off by it
    )


def _row(item: InboxItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(kind_text(item.kind), size="1", color_scheme="indigo", weight="medium")),
        rx.table.cell(rx.link(item.title, href=_href(item), weight="medium",
                              class_name="inbox-item")),
        rx.table.cell(rx.text(item.unit_name, size="2", color_scheme="gray")),
        rx.table.cell(rx.hstack(rx.text(item.deadline, size="2"), due_badge(item.mark), align="center")),
        rx.table.cell(priority_badge(item.priority)),
    )


def _list() -> rx.Component:
    empty = rx.center(rx.vstack(rx.icon("circle-check-big", size=32, color=styles.DONE),
                                rx.text(t("inbox.empty"), color_scheme="gray"), align="center"), padding="32px")
    return rx.cond(
        InboxState.total == 0,
        rx.cond(InboxState.loaded, empty, rx.center(rx.spinner(), padding="32px")),
        rx.fragment(
            rx.card(rx.foreach(InboxState.items, _card), padding="0", width="100%", display=["block", "block", "none"],
                    id="inbox-cards"),
            rx.card(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(t("inbox.col.kind"), width="150px"),
                        rx.table.column_header_cell(t("inbox.col.title")),
                        rx.table.column_header_cell(t("inbox.col.unit"), width="220px"),
                        rx.table.column_header_cell(t("inbox.col.deadline"), width="190px"),
                        rx.table.column_header_cell("", width="110px"))),
                    rx.table.body(rx.foreach(InboxState.items, _row)),
                    width="100%",
                ),
                width="100%", display=["none", "none", "block"], id="inbox-table",
            ),
        ),
    )


@app_page(routes.HOME, on_load=[InboxState.load])
def home() -> rx.Component:
    """Everything that needs the signed-in official, most urgent first."""
    return rx.vstack(
        pinned_news(),
        rx.vstack(
            rx.heading(t("inbox.title"), size="6", id="inbox-title"),
            rx.text(t("home.greeting", name=AppState.me.full_name), " · ", AppState.me.unit_name, size="2",
                    color_scheme="gray", id="greeting"),
            spacing="1",
        ),
        _filters(),
        rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder=t("inbox.search"),
                 on_change=InboxState.search.debounce(300), width="100%", max_length=200, id="inbox-search",
                 type="search"),
        _list(),
        pager(InboxState.page, InboxState.pages, InboxState.go_to_page),
        rx.link(t("home.open_directory"), href=routes.DIRECTORY, size="2"),
        spacing="4",
        width="100%",
    )
