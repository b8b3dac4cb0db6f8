"""Small pieces the task pages share: status, due and priority badges, a task link, the pager."""

from __future__ import annotations

import reflex as rx

from govhub.components.i18n import t
from govhub.components.shell import CONTENT_ID
from govhub.models.task import DIRECTIVE_SOURCES, PRIORITIES, TASK_STATES
from govhub.services.tasks.inbox import KINDS
from govhub.services.tasks.status import STATUSES

STATUS_COLORS = {"on_time": "green", "late": "orange", "open": "blue", "overdue": "red", "cancelled": "gray"}


def status_badge(status: rx.Var) -> rx.Component:
    """The Government Office category: done on time, done late, open within the deadline, open overdue."""
    return rx.match(
        status,
        *[(s, rx.badge(t(f"task.status.{s}"), color_scheme=STATUS_COLORS[s], variant="soft")) for s in
          (*STATUSES, "cancelled")],
        rx.fragment(),
    )


def state_text(state: rx.Var) -> rx.Var:
    """The workflow state in words."""
    return rx.match(state, *[(s, t(f"task.state.{s}")) for s in TASK_STATES], state)


def kind_text(kind: rx.Var) -> rx.Var:
    """What an inbox item asks of me."""
    return rx.match(kind, *[(k, t(f"inbox.kind.{k}")) for k in KINDS], kind)


def source_text(source: rx.Var) -> rx.Var:
    """Where a directive comes from."""
    return rx.match(source, *[(s, t(f"directive.source.{s}")) for s in DIRECTIVE_SOURCES], source)


def due_badge(mark: rx.Var) -> rx.Component:
    """Overdue (red) or due within three days (amber)."""
    return rx.match(
        mark,
        ("overdue", rx.badge(rx.icon("alarm-clock", size=12), t("task.mark.overdue"), color_scheme="red")),
        ("due_soon", rx.badge(rx.icon("clock", size=12), t("task.mark.due_soon"), color_scheme="amber")),
        rx.fragment(),
    )


def priority_badge(priority: rx.Var) -> rx.Component:
    """Urgent and 'hỏa tốc' stand out; normal shows nothing."""
    return rx.match(
        priority,
        ("urgent", rx.badge(t("task.priority.urgent"), color_scheme="orange", variant="outline")),
        ("flash", rx.badge(rx.icon("flame", size=12), t("task.priority.flash"), color_scheme="red",
                           variant="solid")),
        rx.fragment(),
    )


def priority_options() -> list[rx.Component]:
    """The priorities for a select."""
    return [rx.select.item(t(f"task.priority.{p}"), value=p) for p in PRIORITIES]


def pager(page: rx.Var, pages: rx.Var, go) -> rx.Component:  # noqa: ANN001
    """Previous / page x of y / next; turning a page brings the reader back to the top of the page."""
    back_to_top = rx.scroll_to(CONTENT_ID)
    return rx.cond(
        pages > 1,
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=16), variant="soft", disabled=page <= 1,
                      on_click=[go(page - 1), back_to_top], aria_label=t("common.previous")),
            rx.text(t("common.page_of", page=page, pages=pages), size="2"),
            rx.button(rx.icon("chevron-right", size=16), variant="soft", disabled=page >= pages,
                      on_click=[go(page + 1), back_to_top], aria_label=t("common.next")),
            align="center",
            justify="center",
            width="100%",
        ),
    )


def progress_bar(value: rx.Var) -> rx.Component:
    """A thin bar with the percentage."""
    return rx.hstack(rx.progress(value=value, max=100, size="1", width="80px"),
                     rx.text(value.to_string() + "%", size="1", color_scheme="gray"), align="center", spacing="2")
