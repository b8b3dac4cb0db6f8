"""The sign-in page: "Sign in with the city account" (OpenID Connect, when configured) and a real form POST to
/auth/login for local accounts, so the session cookie stays HttpOnly; and the "not registered" page that single
sign-on lands on for a provider account the directory does not know."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from govhub import routes, styles
from govhub.components.i18n import t
from govhub.components.native_form import native_form
from govhub.components.notice import notice_toaster
from govhub.components.server_link import server_link
from govhub.components.shell import brand, hydrated_marker, language_switch
from govhub.config import get_settings
from govhub.routes import safe_next
from govhub.state.base import AppState

SSO_ERRORS = ("sso", "sso_unavailable", "local_disabled")
SSO_START = "/auth/oidc/start"


class LoginState(AppState):
    """Which ways to sign in this deployment offers (server settings, never the browser's say)."""

    sso_enabled: bool = get_settings().oidc_enabled
    local_enabled: bool = get_settings().local_login_enabled
    sso_href: str = SSO_START
    sso_error: str = ""
    inactive: bool = False

    @rx.event
    async def load_options(self):
        """on_load of the sign-in page (public): the sign-in options and any single sign-on error."""
        settings = get_settings()
        self.sso_enabled, self.local_enabled = settings.oidc_enabled, settings.local_login_enabled
        params = self.router.url.query_parameters
        self.sso_href = f"{SSO_START}?{urlencode({'next': safe_next(params.get('next'))})}"
        error = params.get("error")
        self.sso_error = error if isinstance(error, str) and error in SSO_ERRORS else ""

    @rx.event
    async def load_not_registered(self):
        """on_load of the "not registered" page (public): only which of two texts to show."""
        self.inactive = self.router.url.query_parameters.get("reason") == "inactive"


def _error() -> rx.Component:
    return rx.fragment(
        rx.cond(
            AppState.login_error != "",
            rx.callout(
                rx.cond(AppState.login_error == "locked", t("auth.error.locked"), t("auth.error.invalid")),
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                id="login-error",
            ),
        ),
        rx.cond(
            LoginState.sso_error != "",
            rx.callout(
                rx.match(LoginState.sso_error, ("sso_unavailable", t("auth.error.sso_unavailable")),
                         ("local_disabled", t("auth.error.local_disabled")), t("auth.error.sso")),
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                id="sso-error",
            ),
        ),
    )


def _sso_button() -> rx.Component:
    """A plain link to the backend route (not client-side routing): the server sends the browser on."""
    return rx.cond(
        LoginState.sso_enabled,
        rx.vstack(
            rx.button(
                server_link(rx.icon("landmark", size=18), t("auth.sso_button"), href=LoginState.sso_href,
                            id="sso-sign-in"),
                as_child=True, size="3", width="100%", height="auto", min_height="44px", padding_y="10px",
                text_align="center",
            ),
            rx.cond(LoginState.local_enabled,
                    rx.hstack(rx.separator(size="4"), rx.text(t("auth.or"), size="1", color_scheme="gray",
                                                               white_space="nowrap"),
                              rx.separator(size="4"), align="center", width="100%", spacing="2")),
            spacing="3",
            width="100%",
        ),
    )


@rx.page(route=routes.LOGIN, title="GovHub", on_load=[AppState.init_public, LoginState.load_options])
def login() -> rx.Component:
    """Sign in with the city account or a GovHub account."""
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(brand(), rx.spacer(), language_switch(), width="100%", align="center"),
                rx.heading(t("auth.title"), size="6", margin_top="8px"),
                rx.text(t("auth.subtitle"), color_scheme="gray", size="2"),
                _error(),
                _sso_button(),
                rx.cond(LoginState.local_enabled, native_form(
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
                )),
                rx.text(t("auth.help"), size="1", color_scheme="gray"),
                spacing="3",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="420px",
        ),
        hydrated_marker(),
        notice_toaster(),
        min_height="100vh",
        padding="16px",
        background=styles.SURFACE_SUBTLE,
    )


@rx.page(route=routes.NOT_REGISTERED, title="GovHub", on_load=LoginState.load_not_registered)
def not_registered() -> rx.Component:
    """Where single sign-on lands when the directory does not know the provider's account."""
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(brand(), rx.spacer(), language_switch(), width="100%", align="center"),
                rx.callout(t("auth.not_registered.title"), icon="user-x", color_scheme="amber", margin_top="8px",
                           width="100%", id="not-registered"),
                rx.text(rx.cond(LoginState.inactive, t("auth.not_registered.inactive"), t("auth.not_registered.text")),
                        size="3"),
                rx.link(t("auth.back_to_sign_in"), href=routes.LOGIN, size="2"),
                spacing="3",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="460px",
        ),
        hydrated_marker(),
        notice_toaster(),
        min_height="100vh",
        padding="16px",
        background=styles.SURFACE_SUBTLE,
    )
