"""The home page: a greeting with the official's unit and posts (the work inbox replaces it later)."""

from __future__ import annotations

import reflex as rx

from govhub import routes
from govhub.components.i18n import t
from govhub.components.shell import app_page
from govhub.state.base import AppState


def _post(title: rx.Var, unit: rx.Var | None = None) -> rx.Component:
    return rx.hstack(rx.icon("briefcase", size=16, color=rx.color("indigo", 10)),
                     rx.text(title, size="2"), *([rx.text(unit, size="2", color_scheme="gray")] if unit is not None else []),
                     align="center", spacing="2", wrap="wrap")


@app_page(routes.HOME)
def home() -> rx.Component:
    """Greet the signed-in official."""
    return rx.vstack(
        rx.heading(t("home.greeting", name=AppState.me.full_name), size="6", id="greeting"),
        rx.card(
            rx.vstack(
                rx.text(t("home.your_posts"), weight="bold", size="3"),
                _post(AppState.me.position, AppState.me.unit_name),
                rx.foreach(AppState.me.posts, lambda p: _post(p)),
                spacing="2",
            ),
            width="100%",
        ),
        rx.card(
            rx.hstack(
                rx.icon("book-user", size=28, color=rx.color("indigo", 10)),
                rx.vstack(rx.text(t("home.directory_title"), weight="bold"),
                          rx.text(t("home.directory_text"), size="2", color_scheme="gray"), spacing="1"),
                rx.spacer(),
                rx.link(rx.button(t("home.open_directory"), variant="soft"), href=routes.DIRECTORY),
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
