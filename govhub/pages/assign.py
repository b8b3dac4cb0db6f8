"""Quick assignment: the Standing Committee sends one directive to any set of departments and wards at once."""

from __future__ import annotations

import reflex as rx

from govhub import routes, styles
from govhub.components.i18n import t
from govhub.components.shell import app_page, page_title, refused
from govhub.components.task_bits import priority_options, source_text
from govhub.models.task import DIRECTIVE_SOURCES
from govhub.services.tasks.quick_assign import PRESETS, TargetUnit
from govhub.state.base import AppState
from govhub.state.tasks import AssignState


def _field(label_key: str, control: rx.Component, html_for: str = "") -> rx.Component:
    return rx.vstack(rx.text(t(label_key), as_="label", html_for=html_for or None, size="2", weight="medium"),
                     control, spacing="1", width="100%")


def _unit(unit: TargetUnit) -> rx.Component:
    checked = AssignState.picked.contains(unit.id)
    # A label: a click on the name toggles the checkbox, which Tab reaches and Space toggles.
    return rx.el.label(
        rx.checkbox(checked=checked, on_change=lambda _v: AssignState.toggle(unit.id)),
        rx.text(unit.name, size="2"),
        display="flex",
        align_items="center",
        gap="var(--space-2)",
        padding="4px 6px",
        width="100%",
        cursor="pointer",
        class_name="target-unit",
        _hover={"background": styles.SURFACE_HOVER},
    )


def _picker() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(t("assign.targets"), weight="bold"),
                      rx.badge(t("assign.picked", n=AssignState.picked.length()), color_scheme="indigo",
                               id="picked-count"), rx.spacer(),
                      rx.button(t("assign.clear"), variant="ghost", size="1", on_click=AssignState.clear),
                      width="100%", align="center"),
            rx.cond(AssignState.is_standing,
                    rx.flex(*[rx.button(t(f"assign.preset.{p}"), variant="soft", size="1", type="button",
                                        on_click=AssignState.pick_preset(p), id=f"preset-{p}") for p in PRESETS],
                            wrap="wrap", spacing="2")),
            rx.input(placeholder=t("assign.filter"), on_change=AssignState.filter_units.debounce(200), width="100%",
                     max_length=100, class_name="assign-filter"),
            rx.scroll_area(rx.vstack(rx.foreach(AssignState.shown, _unit), spacing="0", width="100%"),
                           max_height="320px", type="auto", scrollbars="vertical"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.card(rx.vstack(
                rx.text(t("assign.directive"), weight="bold"),
                rx.grid(
                    _field("assign.field.source", rx.select.root(
                        rx.select.trigger(width="100%", id="f-source"),
                        rx.select.content(*[rx.select.item(source_text(s), value=s) for s in DIRECTIVE_SOURCES]),
                        name="source", default_value="city_pc")),
                    _field("assign.field.number", rx.input(id="f-number", name="number", placeholder="123/TB-VP",
                                                           max_length=64, width="100%"), "f-number"),
                    _field("assign.field.issued_on", rx.input(id="f-issued", name="issued_on", type="date",
                                                              width="100%"), "f-issued"),
                    columns=rx.breakpoints(initial="1", md="3"), spacing="3", width="100%",
                ),
                _field("assign.field.summary", rx.input(id="f-summary", name="summary", max_length=1000,
                                                        width="100%"), "f-summary"),
                spacing="3", width="100%"), width="100%"),
            rx.card(rx.vstack(
                rx.text(t("assign.task"), weight="bold"),
                _field("task.field.title", rx.input(id="f-title", name="title", required=True, max_length=300,
                                                    width="100%"), "f-title"),
                _field("task.field.content", rx.text_area(id="f-content", name="content", rows="4",
                                                          max_length=10000, width="100%"), "f-content"),
                rx.grid(
                    _field("task.field.deadline", rx.input(id="f-deadline", name="deadline", type="date",
                                                           width="100%"), "f-deadline"),
                    _field("task.field.priority", rx.select.root(
                        rx.select.trigger(width="100%"), rx.select.content(*priority_options()), name="priority",
                        default_value="normal")),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
                ),
                spacing="3", width="100%"), width="100%"),
            _picker(),
            rx.hstack(
                rx.text(t("assign.will_create", n=AssignState.picked.length()), size="2", weight="medium",
                        id="will-create"),
                rx.spacer(),
                rx.button(rx.icon("send", size=16), t("assign.confirm"), type="submit", size="3",
                          disabled=AssignState.picked.length() == 0, id="assign-confirm"),
                width="100%", align="center", wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=AssignState.confirm,
        reset_on_submit=False,
    )


@app_page(routes.ASSIGN, on_load=[AssignState.load])
def assign_page() -> rx.Component:
    """Assign work to many units at once."""
    return rx.vstack(
        page_title("assign.title", rx.text(t("assign.subtitle"), size="2", color_scheme="gray")),
        rx.cond(AppState.me.is_leader & (AssignState.targets.length() > 0), _form(),
                refused("assign.not_allowed")),
        spacing="4",
        width="100%",
        max_width="900px",
    )
