"""The sign-in page: a real form POST to /auth/login, so the session cookie stays HttpOnly."""

from __future__ import annotations

import reflex as rx

from govhub import routes
from govhub.components.i18n import t
from govhub.components.native_form import native_form
from govhub.components.shell import brand, hydrated_marker, language_switch
from govhub.state.base import AppState


def _error() -> rx.Component:
    return rx.cond(
        AppState.login_error != "",
        rx.callout(
            rx.cond(AppState.login_error == "locked", t("auth.error.locked"), t("auth.error.invalid")),
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            id="login-error",
        ),
    )


@rx.page(route=routes.LOGIN, title="GovHub", on_load=AppState.init_public)
def login() -> rx.Component:
    """Sign in with a GovHub account."""
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(brand(), rx.spacer(), language_switch(), width="100%", align="center"),
                rx.heading(t("auth.title"), size="6", margin_top="8px"),
                rx.text(t("auth.subtitle"), color_scheme="gray", size="2"),
                _error(),
                native_form(
                    rx.vstack(
                        rx.el.input(type="hidden", name="next", value=AppState.login_next),
                        rx.text(t("auth.username"), as_="label", html_for="username", size="2", weight="medium"),
                        rx.input(id="username", name="username", auto_complete="username", required=True,
                                 size="3", width="100%", auto_focus=True, max_length=64),
                        rx.text(t("auth.password"), as_="label", html_for="password", size="2", weight="medium"),
                        rx.input(id="password", name="password", type="password", auto_complete="current-password",
                                 required=True, size="3", width="100%", max_length=512),
                        rx.button(t("auth.submit"), type="submit", size="3", width="100%", margin_top="8px",
                                  id="sign-in"),
                        spacing="2",
                        width="100%",
                    ),
                    action="/auth/login",
                    width="100%",
                ),
                rx.text(t("auth.help"), size="1", color_scheme="gray"),
                spacing="3",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="420px",
        ),
        hydrated_marker(),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )
