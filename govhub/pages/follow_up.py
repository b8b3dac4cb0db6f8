"""Follow-up: the tasks I (or, for a leader, my unit) assigned, overdue first."""

from __future__ import annotations

import reflex as rx

from govhub import routes
from govhub.components.i18n import t
from govhub.components.shell import app_page, page_title, refused
from govhub.components.task_bits import STATUS_COLORS, due_badge, pager, progress_bar, state_text, status_badge
from govhub.services.tasks.status import STATUSES
from govhub.services.tasks.views import ChildRow
from govhub.state.tasks import DirectiveState, FollowUpState


def task_row(row: ChildRow, by_unit: bool = False) -> rx.Component:
    """A task as one row: title and unit (or, in a directive's matrix, just the unit), owner, status, deadline,
    progress."""
    first = (rx.link(row.unit_name, href=routes.task_url(row.id), weight="medium") if by_unit else
             rx.vstack(rx.link(row.title, href=routes.task_url(row.id), weight="medium",
                               class_name="followup-task"),
                       rx.text(row.unit_name, size="1", color_scheme="gray"), spacing="0"))
    return rx.table.row(
        rx.table.cell(first),
        rx.table.cell(rx.text(row.owner_name, size="2")),
        rx.table.cell(rx.vstack(rx.hstack(status_badge(row.status), due_badge(row.mark), spacing="1", wrap="wrap"),
                                rx.text(state_text(row.state), size="1", color_scheme="gray"), spacing="1")),
        rx.table.cell(rx.text(row.deadline, size="2")),
        rx.table.cell(progress_bar(row.progress)),
    )


def task_table(rows: rx.Var, id_: str, by_unit: bool = False) -> rx.Component:
    """The table of task rows, scrolling sideways on a phone."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(k)) for k in (
                "inbox.col.unit" if by_unit else "inbox.col.title", "task.field.owner", "task.field.status",
                "inbox.col.deadline", "task.field.progress")])),
            rx.table.body(rx.foreach(rows, lambda r: task_row(r, by_unit))),
            size="1",
            width="100%",
            min_width="640px",
        ),
        overflow_x="auto",
        width="100%",
        id=id_,
    )


def _tabs() -> rx.Component:
    def tab(status: str) -> rx.Component:
        return rx.button(t(f"task.status.{status}"), rx.badge(FollowUpState.counts[status], radius="full"),
                         variant=rx.cond(FollowUpState.status == status, "solid", "soft"),
                         color_scheme=STATUS_COLORS[status], size="2", on_click=FollowUpState.filter_status(status),
                         id=f"status-{status}")
    return rx.flex(
        rx.button(t("inbox.all"), variant=rx.cond(FollowUpState.status == "", "solid", "soft"), size="2",
                  on_click=FollowUpState.filter_status("")),
        *[tab(s) for s in ("overdue", "open", "late", "on_time")],
        wrap="wrap", spacing="2",
    )


@app_page(routes.FOLLOW_UP, on_load=[FollowUpState.load])
def follow_up_page() -> rx.Component:
    """Everything I or my unit assigned."""
    return rx.vstack(
        page_title("followup.title", rx.text(t("followup.subtitle"), size="2", color_scheme="gray")),
        _tabs(),
        rx.cond(FollowUpState.total > 0, rx.card(task_table(FollowUpState.rows, "followup-table"), width="100%"),
                rx.text(t("followup.empty"), color_scheme="gray")),
        pager(FollowUpState.page, FollowUpState.pages, FollowUpState.go_to_page),
        spacing="4",
        width="100%",
    )


@app_page(routes.DIRECTIVE, on_load=[DirectiveState.load])
def directive_page() -> rx.Component:
    """A directive and its units × status matrix."""
    m = DirectiveState.matrix
    return rx.cond(
        DirectiveState.missing,
        refused(),
        rx.cond(m.id > 0, rx.vstack(
            rx.text(t("directive.title"), size="2", color_scheme="gray"),
            rx.heading(rx.cond(m.label != "", m.label, m.summary), size="6", id="directive-title"),
            rx.text(m.summary, size="2"),
            rx.flex(*[rx.card(rx.vstack(rx.text(t(f"task.status.{s}"), size="1", color_scheme="gray"),
                                        rx.heading(m.counts[s], size="6", color_scheme=STATUS_COLORS[s]),
                                        spacing="0"), min_width="130px", id=f"matrix-{s}")
                      for s in STATUSES], wrap="wrap", spacing="3"),
            rx.card(task_table(m.rows, "directive-matrix", by_unit=True), width="100%"),
            spacing="4", width="100%",
        ), rx.center(rx.spinner(), padding="40px")),
    )
