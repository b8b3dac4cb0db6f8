"""The app shell: a sidebar on desktop, a top bar and a bottom bar on phones, and the page template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from govhub import routes, styles
from govhub.components.bell import bell
from govhub.components.i18n import t
from govhub.components.native_form import native_form
from govhub.components.notice import notice_toaster
from govhub.state.base import AppState
from govhub.state.notifications import NotificationState


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation."""

    route: str
    label_key: str
    icon: str
    leaders_only: bool = False


NAV: list[NavItem] = [
    NavItem(routes.HOME, "nav.home", "inbox"),
    NavItem(routes.FOLLOW_UP, "nav.follow_up", "list-checks"),
    NavItem(routes.DOCUMENTS, "nav.documents", "file-text"),
    NavItem(routes.ASSIGN, "nav.assign", "send", leaders_only=True),
    NavItem(routes.OVERSIGHT, "nav.oversight", "chart-column", leaders_only=True),
    NavItem(routes.DIRECTORY, "nav.directory", "book-user"),
    NavItem(routes.MESSAGES, "nav.messages", "messages-square"),
]


def _is_current(route: str) -> rx.Var:
    path = AppState.router.url.path
    if route == routes.HOME:
        return path == "/"
    return path.startswith(route)


def _for_whom(item: NavItem, link: rx.Component) -> rx.Component:
    return rx.cond(AppState.me.is_leader, link) if item.leaders_only else link


def _side_link(item: NavItem) -> rx.Component:
    current = _is_current(item.route)
    return _for_whom(item, rx.link(
        rx.hstack(rx.icon(item.icon, size=18), rx.text(t(item.label_key), size="3"), align="center", spacing="3"),
        href=item.route,
        underline="none",
        color_scheme=rx.cond(current, "indigo", "gray"),
        high_contrast=True,
        weight=rx.cond(current, "bold", "regular"),
        padding="8px 12px",
        border_radius="var(--radius-3)",
        background=rx.cond(current, styles.ACCENT_SOFT, "transparent"),
        width="100%",
        _hover={"background": styles.SURFACE_HOVER},
    ))


def _bottom_link(item: NavItem) -> rx.Component:
    current = _is_current(item.route)
    return _for_whom(item, rx.link(
        rx.vstack(rx.icon(item.icon, size=22), rx.text(t(item.label_key), size="1"), align="center", spacing="1"),
        href=item.route,
        underline="none",
        color=rx.cond(current, styles.ACCENT_TEXT, styles.MUTED_TEXT),
        flex="1",
        padding_y="6px",
    ))


def language_switch() -> rx.Component:
    """Tiếng Việt / English, remembered per official."""
    return rx.segmented_control.root(
        rx.segmented_control.item("VI", value="vi"),
        rx.segmented_control.item("EN", value="en"),
        value=AppState.locale,
        on_change=AppState.switch_locale,
        size="1",
        aria_label="Language / Ngôn ngữ",
    )


def sign_out_button(full_width: bool = False) -> rx.Component:
    """A POST to /auth/logout: the server revokes the session and clears the cookie."""
    return native_form(
        rx.button(rx.icon("log-out", size=16), t("nav.sign_out"), type="submit", variant="soft", color_scheme="gray",
                  width="100%" if full_width else "auto", id="sign-out"),
        action="/auth/logout",
        width="100%" if full_width else "auto",
    )


def brand() -> rx.Component:
    return rx.hstack(
        rx.center(rx.icon("landmark", size=20, color="white"), background=styles.ACCENT, width="34px",
                  height="34px", border_radius="var(--radius-3)"),
        rx.vstack(rx.text("GovHub", weight="bold", size="4", line_height="1.1"),
                  rx.text(t("app.city"), size="1", color_scheme="gray", line_height="1.2"), spacing="0"),
        align="center",
        spacing="2",
    )


def me_block() -> rx.Component:
    return rx.hstack(
        rx.avatar(fallback=AppState.me.initials, size="3", radius="full", color_scheme="indigo"),
        rx.vstack(
            rx.text(AppState.me.full_name, weight="medium", size="2", id="me-name"),
            rx.text(AppState.me.position, size="1", color_scheme="gray"),
            rx.text(AppState.me.unit_name, size="1", color_scheme="gray"),
            spacing="0",
            min_width="0",
        ),
        align="start",
        spacing="2",
        width="100%",
    )


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.hstack(brand(), rx.spacer(), bell("desktop"), width="100%", align="center"),
        rx.divider(),
        rx.vstack(*[_side_link(i) for i in NAV], spacing="1", width="100%"),
        rx.spacer(),
        rx.divider(),
        me_block(),
        rx.hstack(language_switch(), sign_out_button(), justify="between", width="100%", align="center"),
        display=["none", "none", "flex"],
        width="260px",
        min_width="260px",
        height="100vh",
        position="sticky",
        top="0",
        padding="16px",
        spacing="3",
        border_right=styles.border(styles.LINE_BAR),
        background=styles.SURFACE,
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        brand(),
        rx.spacer(),
        bell("phone"),
        rx.popover.root(
            rx.popover.trigger(
                rx.button(rx.avatar(fallback=AppState.me.initials, size="2", radius="full", color_scheme="indigo"),
                          variant="ghost", aria_label=t("nav.account"), id="account-menu"),
            ),
            rx.popover.content(
                rx.vstack(me_block(), rx.divider(), language_switch(), sign_out_button(full_width=True),
                          spacing="3", width="240px"),
            ),
        ),
        display=["flex", "flex", "none"],
        align="center",
        padding="10px 14px",
        border_bottom=styles.border(styles.LINE_BAR),
        background=styles.SURFACE,
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


PHONE_BAR = ("nav.home", "nav.documents", "nav.messages", "nav.directory")  # the rest go under "More"


def _more_menu() -> rx.Component:
    """The phone bar's last slot: the pages that do not fit on it."""
    rest = [i for i in NAV if i.label_key not in PHONE_BAR]
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.vstack(rx.icon("menu", size=22), rx.text(t("nav.more"), size="1"), align="center",
                                spacing="1"),
                      variant="ghost", color_scheme="gray", flex="1", height="auto", padding_y="6px",
                      id="nav-more"),
        ),
        rx.popover.content(rx.vstack(*[_side_link(i) for i in rest], spacing="1", width="220px"), side="top"),
    )


def bottom_bar() -> rx.Component:
    return rx.hstack(
        *[_bottom_link(i) for i in NAV if i.label_key in PHONE_BAR],
        _more_menu(),
        display=["flex", "flex", "none"],
        position="fixed",
        bottom="0",
        left="0",
        right="0",
        background=styles.SURFACE,
        border_top=styles.border(styles.LINE_BAR),
        z_index="10",
        spacing="0",
    )


CONTENT_ID = "page-content"  # the page below the top bar (a pager brings the reader back to its top)


def hydrated_marker() -> rx.Component:
    """An invisible element that exists once the server's state has reached the page (tests wait for it)."""
    return rx.cond(rx.State.is_hydrated, rx.el.span(id="hydrated", hidden=True))


def shell(content: rx.Component) -> rx.Component:
    """Wrap a signed-in page; nothing of it shows until the server has confirmed who is asking."""
    return rx.cond(
        AppState.signed_in,
        rx.flex(
            sidebar(),
            rx.box(
                top_bar(),
                rx.box(content, padding=["14px", "16px", "28px"], padding_bottom=["84px", "84px", "28px"],
                       max_width="1200px", width="100%", margin_x="auto", id=CONTENT_ID, scroll_margin_top="64px"),
                flex="1",
                min_width="0",
            ),
            bottom_bar(),
            hydrated_marker(),
            notice_toaster(),
            width="100%",
            min_height="100vh",
        ),
        rx.center(rx.spinner(size="3"), height="100vh"),
    )


def app_page(route: str, on_load: list | None = None) -> Callable:
    """Register a signed-in page: the shell around it and the sign-in check before anything loads."""

    def decorator(render: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        @rx.page(route=route, title="GovHub",
                 on_load=[AppState.require_login, NotificationState.load, *(on_load or [])])
        def page() -> rx.Component:
            return shell(render())

        page.__name__ = render.__name__
        return page

    return decorator


REFUSED_CLASS = "page-refused"  # the mark of every refusal a page shows (the navigation sweep looks for it)


def refused(key: str = "error.not_found", *, id: str | None = None, icon: str = "info") -> rx.Component:
    """What a page shows an official who may not open it, or when what it names is missing or not theirs: one
    look and one mark on every page."""
    return rx.callout(t(key), icon=icon, color_scheme="gray", class_name=REFUSED_CLASS, **({"id": id} if id else {}))


def page_title(key: str, subtitle: rx.Component | None = None) -> rx.Component:
    """The heading of a page."""
    return rx.vstack(rx.heading(t(key), size="6"), *([subtitle] if subtitle else []), spacing="1",
                     margin_bottom="16px")
