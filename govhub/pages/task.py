"""A task: its content, directive, deadlines, sub-tasks, history, and only the actions this official may take."""

from __future__ import annotations

import reflex as rx

from govhub import routes, styles
from govhub.components.i18n import t
from govhub.components.shell import app_page, refused
from govhub.components.task_bits import (
    due_badge,
    priority_badge,
    priority_options,
    progress_bar,
    state_text,
    status_badge,
)
from govhub.services.tasks.reminders import ReminderRow
from govhub.services.tasks.views import ChildRow, DeadlineRow, TimelineEntry
from govhub.state.tasks import TaskState

T = TaskState.task
ACTION_BUTTONS = [  # action, label key, icon, color
    ("receive", "task.action.receive", "inbox", "indigo"),
    ("report", "task.action.report", "trending-up", "indigo"),
    ("delegate", "task.action.delegate", "git-fork", "indigo"),
    ("submit", "task.action.submit", "send", "green"),
    ("request_extension", "task.action.request_extension", "calendar-plus", "amber"),
    ("accept", "task.action.accept", "check", "green"),
    ("return", "task.action.return", "undo-2", "orange"),
    ("decide_extension", "task.action.decide_extension", "calendar-check", "amber"),
    ("cancel", "task.action.cancel", "x", "red"),
]


def _fact(label_key: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.vstack(rx.text(t(label_key), size="1", color_scheme="gray"),
                     value if isinstance(value, rx.Component) else rx.text(value, size="2"), spacing="0",
                     min_width="0")


def _side_buttons() -> rx.Component:
    """Available to everyone who may see the task: its case group, and a personal reminder."""
    return rx.flex(
        rx.link(rx.button(rx.icon("messages-square", size=16), t("task.case_group"), variant="outline",
                          color_scheme="gray"), href=routes.task_group_url(T.id), id="case-group"),
        rx.button(rx.icon("bell-plus", size=16), t("task.action.remind_me"), variant="outline", color_scheme="gray",
                  on_click=TaskState.open_dialog("remind_me"), id="action-remind_me"),
        wrap="wrap", spacing="2",
    )


def _reminder(r: ReminderRow) -> rx.Component:
    return rx.hstack(
        rx.icon("alarm-clock", size=14, flex_shrink="0", color=styles.ACCENT_ICON),
        rx.text(t("task.reminder_at", at=r.at), rx.cond(r.note != "", " — " + r.note, ""), size="2", min_width="0",
                flex="1", overflow_wrap="anywhere"),
        rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray",
                       on_click=TaskState.cancel_reminder(r.id), aria_label=t("task.action.cancel_reminder"),
                       title=t("task.action.cancel_reminder"), class_name="reminder-cancel"),
        align="center", spacing="2", width="100%", class_name="my-reminder",
    )


def _my_reminders() -> rx.Component:
    """My own reminders about this task that are still to come (nobody else sees them)."""
    return rx.cond(
        TaskState.reminders.length() > 0,
        rx.box(rx.vstack(rx.text(t("task.my_reminders"), size="1", color_scheme="gray"),
                         rx.foreach(TaskState.reminders, _reminder), spacing="1", width="100%"),
               padding="8px 12px", border_radius="var(--radius-3)", background=styles.ACCENT_SUBTLE,
               border=styles.border(styles.ACCENT_LINE), width="100%", max_width="520px", id="my-reminders"),
    )


def _buttons() -> rx.Component:
    def button(action: str, key: str, icon: str, color: str) -> rx.Component:
        handler = TaskState.receive if action == "receive" else TaskState.open_dialog(action)
        return rx.cond(T.actions.contains(action),
                       rx.button(rx.icon(icon, size=16), t(key), color_scheme=color,
                                 variant="solid" if action in ("receive", "submit", "accept") else "soft",
                                 on_click=handler, id=f"action-{action}"))
    return rx.flex(*[button(*b) for b in ACTION_BUTTONS], wrap="wrap", spacing="2")


def _text_area(name: str, label_key: str, required: bool = True) -> rx.Component:
    return rx.vstack(rx.text(t(label_key), as_="label", html_for=f"f-{name}", size="2", weight="medium"),
                     rx.text_area(id=f"f-{name}", name=name, required=required, max_length=5000, rows="4",
                                  width="100%"), spacing="1", width="100%")


def _date_field(name: str, label_key: str, required: bool = False, min_: rx.Var | str = "") -> rx.Component:
    return rx.vstack(rx.text(t(label_key), as_="label", html_for=f"f-{name}", size="2", weight="medium"),
                     rx.input(id=f"f-{name}", name=name, type="date", required=required, min=min_, width="100%"),
                     spacing="1", width="100%")


def _form(name: str, title_key: str, submit, *fields: rx.Component, submit_key: str = "common.confirm",
          color: str = "indigo") -> rx.Component:  # noqa: ANN001
    return rx.cond(
        TaskState.dialog == name,
        rx.form(
            rx.vstack(
                rx.dialog.title(t(title_key), margin="0"),
                *fields,
                rx.hstack(
                    rx.dialog.close(rx.button(t("common.cancel"), type="button", variant="soft",
                                              color_scheme="gray")),
                    rx.button(t(submit_key), type="submit", color_scheme=color, id=f"confirm-{name}"),
                    justify="end", width="100%",
                ),
                spacing="3", width="100%",
            ),
            on_submit=submit,
            reset_on_submit=False,
        ),
    )


def _delegate_fields() -> list[rx.Component]:
    return [
        rx.vstack(
            rx.text(t("task.field.delegate_to"), size="2", weight="medium"),
            rx.select.root(
                rx.select.trigger(placeholder=t("task.field.pick"), width="100%", id="f-target"),
                rx.select.content(rx.foreach(T.delegate_options,
                                             lambda o: rx.select.item(o.label, value=o.value))),
                name="target", required=True,
            ),
            spacing="1", width="100%",
        ),
        rx.vstack(rx.text(t("task.field.title"), as_="label", html_for="f-title", size="2", weight="medium"),
                  rx.input(id="f-title", name="title", default_value=T.title, required=True, max_length=300,
                           width="100%"), spacing="1", width="100%"),
        _text_area("content", "task.field.content", required=False),
        _date_field("deadline", "task.field.deadline"),
        rx.vstack(rx.text(t("task.field.priority"), size="2", weight="medium"),
                  rx.select.root(rx.select.trigger(width="100%"), rx.select.content(*priority_options()),
                                 name="priority", default_value="normal"), spacing="1", width="100%"),
    ]


def _dialogs() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            _form("report", "task.action.report", TaskState.report,
                  rx.vstack(rx.text(t("task.field.percent"), as_="label", html_for="f-percent", size="2",
                                    weight="medium"),
                            rx.input(id="f-percent", name="percent", type="number", min="0", max="100",
                                     default_value=T.progress.to_string(), required=True, width="120px"),
                            spacing="1"),
                  _text_area("text", "task.field.report")),
            _form("submit", "task.action.submit", TaskState.submit, _text_area("text", "task.field.result"),
                  color="green"),
            _form("accept", "task.action.accept", TaskState.accept,
                  _text_area("text", "task.field.comment", required=False), color="green"),
            _form("return", "task.action.return", TaskState.send_back, _text_area("text", "task.field.reason"),
                  color="orange"),
            _form("cancel", "task.action.cancel", TaskState.cancel, _text_area("text", "task.field.reason"),
                  color="red"),
            _form("request_extension", "task.action.request_extension", TaskState.request_extension,
                  _date_field("deadline", "task.field.new_deadline", required=True, min_=T.deadline_iso),
                  _text_area("text", "task.field.reason")),
            _form("decide_extension", "task.action.decide_extension", TaskState.decide_extension,
                  rx.callout(t("task.extension_asked", date=T.extension_proposed), icon="calendar-clock",
                             color_scheme="amber"),
                  rx.text(T.extension_reason, size="2"),
                  rx.radio_group.root(
                      rx.hstack(
                          rx.radio_group.item(value="approve", id="f-approve"),
                          rx.text(t("task.extension_approve"), as_="label", html_for="f-approve", size="2"),
                          rx.radio_group.item(value="reject", id="f-reject"),
                          rx.text(t("task.extension_reject"), as_="label", html_for="f-reject", size="2"),
                          spacing="2", align="center",
                      ),
                      name="decision", default_value="approve",
                  ),
                  _text_area("text", "task.field.comment", required=False)),
            _form("delegate", "task.action.delegate", TaskState.delegate, *_delegate_fields()),
            _form("remind_me", "task.action.remind_me", TaskState.remind_me,
                  rx.vstack(rx.text(t("task.field.remind_at"), as_="label", html_for="f-at", size="2",
                                    weight="medium"),
                            rx.input(id="f-at", name="at", type="datetime-local", required=True, width="100%"),
                            spacing="1", width="100%"),
                  _text_area("text", "task.field.comment", required=False)),
            max_width="520px",
        ),
        open=TaskState.dialog != "",
        on_open_change=TaskState.close_dialog,
    )


def _child(row: ChildRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row.unit_name, href=routes.task_url(row.id))),
        rx.table.cell(row.owner_name),
        rx.table.cell(state_text(row.state)),
        rx.table.cell(rx.hstack(status_badge(row.status), due_badge(row.mark), spacing="1")),
        rx.table.cell(progress_bar(row.progress)),
    )


def _timeline_entry(entry: TimelineEntry) -> rx.Component:
    return rx.hstack(
        rx.box(width="8px", height="8px", border_radius="50%", background=styles.ACCENT, margin_top="6px",
               flex_shrink="0"),
        rx.vstack(
            rx.text(rx.text.strong(entry.actor), " · ", rx.match(
                entry.action, *[(a, t(f"timeline.{a}")) for a in TIMELINE_ACTIONS], entry.action), size="2"),
            rx.cond(entry.text != "", rx.text(entry.text, size="2", color_scheme="gray", white_space="pre-wrap")),
            rx.text(entry.at, size="1", color_scheme="gray"),
            spacing="0",
        ),
        spacing="2",
        align="start",
    )


TIMELINE_ACTIONS = ("created", "received", "progress", "submitted", "accepted", "returned", "cancelled",
                    "delegated", "extension_requested", "extension_approved", "extension_rejected")


def _deadline_row(row: DeadlineRow) -> rx.Component:
    return rx.table.row(rx.table.cell(row.at), rx.table.cell(row.old), rx.table.cell(row.new), rx.table.cell(row.by),
                        rx.table.cell(row.reason))


def _body() -> rx.Component:
    return rx.vstack(
        rx.cond(T.parent_id > 0, rx.link(rx.hstack(rx.icon("corner-left-up", size=14), T.parent_title,
                                                   align="center", spacing="1"),
                                         href=routes.task_url(T.parent_id), size="2")),
        rx.hstack(priority_badge(T.priority), status_badge(T.status), due_badge(T.mark),
                  rx.badge(state_text(T.state), variant="outline", color_scheme="gray", id="task-state"),
                  wrap="wrap", spacing="2"),
        rx.heading(T.title, size="6", id="task-title"),
        _buttons(),
        _side_buttons(),
        _my_reminders(),
        rx.card(
            rx.grid(
                _fact("task.field.assigner", T.assigner + " — " + T.assigner_unit),
                _fact("task.field.lead_unit", T.lead_unit),
                _fact("task.field.owner", T.owner),
                _fact("task.field.deadline", rx.cond(T.deadline != "", T.deadline, "—")),
                _fact("task.field.progress", progress_bar(T.progress)),
                rx.cond(T.coordinators.length() > 0, _fact("task.field.coordinators", T.coordinators.join(", "))),
                rx.cond(T.directive_id > 0, _fact("task.field.directive", rx.link(
                    rx.cond(T.directive_label != "", T.directive_label, T.directive_summary),
                    href=routes.directive_url(T.directive_id), size="2"))),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%",
            ),
            width="100%",
        ),
        rx.cond(T.directive_summary != "", rx.text(T.directive_summary, size="2", color_scheme="gray")),
        rx.cond(T.content != "", rx.card(rx.text(T.content, white_space="pre-wrap", size="2"), width="100%")),
        rx.cond(
            T.children.length() > 0,
            rx.card(rx.vstack(
                rx.text(t("task.children"), weight="bold"),
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(k)) for k in (
                        "task.field.lead_unit", "task.field.owner", "task.field.state", "task.field.status",
                        "task.field.progress")])),
                    rx.table.body(rx.foreach(T.children, _child)), size="1", width="100%"),
                    overflow_x="auto", width="100%"),
                width="100%"), width="100%", id="task-children"),
        ),
        rx.grid(
            rx.card(rx.vstack(rx.text(t("task.timeline"), weight="bold"),
                              rx.foreach(T.timeline, _timeline_entry), spacing="3"), id="task-timeline"),
            rx.card(rx.vstack(
                rx.text(t("task.deadlines"), weight="bold"),
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(k)) for k in (
                        "task.col.when", "task.col.old", "task.col.new", "task.col.by", "task.col.reason")])),
                    rx.table.body(rx.foreach(T.deadlines, _deadline_row)), size="1"), overflow_x="auto",
                    width="100%"),
                width="100%")),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="4",
            width="100%",
        ),
        _dialogs(),
        spacing="4",
        width="100%",
    )


@app_page(routes.TASK, on_load=[TaskState.load])
def task_page() -> rx.Component:
    """One task."""
    return rx.cond(
        TaskState.missing,
        refused(id="task-missing"),
        rx.cond(T.id > 0, _body(), rx.center(rx.spinner(), padding="40px")),
    )


