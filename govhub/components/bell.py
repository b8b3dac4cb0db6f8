"""The bell (unread count and the newest notifications, live) and the pinned news block of the inbox."""

from __future__ import annotations

import reflex as rx

from govhub import styles
from govhub.components.i18n import t
from govhub.components.plain_button import plain_button
from govhub.services.messaging.bell import BellItem
from govhub.services.messaging.conversations import NewsItem
from govhub.state.notifications import NotificationState


def _item(item: BellItem) -> rx.Component:
    # Inside popover.close: the list closes as the notification's page opens (it may be the page underneath).
    return rx.popover.close(plain_button(
        rx.hstack(
            rx.cond(item.read, rx.box(width="8px", min_width="8px"),
                    rx.box(width="8px", min_width="8px", height="8px", border_radius="50%",
                           background=styles.ACCENT, margin_top="6px")),
            rx.vstack(rx.text(item.text, size="2", weight=rx.cond(item.read, "regular", "medium")),
                      rx.text(item.at, size="1", color_scheme="gray"), spacing="0", min_width="0"),
            align="start", spacing="2",
        ),
        on_click=NotificationState.open_item(item.id),
        padding="8px",
        border_radius="var(--radius-2)",
        class_name="bell-item",
        style={"display": "block", "width": "100%"},
        _hover={"background": styles.SURFACE_HOVER},
    ))


def bell(where: str) -> rx.Component:
    """The bell button with its badge; the list opens in a popover."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("bell", size=20),
                rx.cond(NotificationState.unread > 0,
                        rx.badge(rx.cond(NotificationState.unread > 99, "99+", NotificationState.unread.to_string()),
                                 color_scheme="red", variant="solid", radius="full", size="1",
                                 class_name="bell-count", position="absolute", top="-4px", right="-6px")),
                variant="ghost", color_scheme="gray", position="relative", aria_label=t("bell.title"),
                id=f"bell-{where}", class_name="bell", on_click=NotificationState.refresh,
            ),
        ),
        rx.popover.content(
            rx.vstack(
                rx.hstack(rx.text(t("bell.title"), weight="bold", size="3"), rx.spacer(),
                          rx.button(t("bell.read_all"), size="1", variant="ghost", on_click=NotificationState.read_all,
                                    id=f"bell-read-all-{where}"),
                          width="100%", align="center"),
                rx.cond(NotificationState.items.length() > 0,
                        rx.scroll_area(rx.vstack(rx.foreach(NotificationState.items, _item), spacing="1",
                                                 width="100%"), max_height="60vh", type="auto"),
                        rx.text(t("bell.empty"), size="2", color_scheme="gray", padding="12px 0")),
                spacing="2", width="100%",
            ),
            width="min(360px, 92vw)", class_name="bell-list",
        ),
    )


def _news(item: NewsItem) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("megaphone", size=18)),
        rx.vstack(
            rx.text(item.title, weight="bold", size="3"),
            rx.cond(item.body != "", rx.text(item.body, size="2", white_space="pre-wrap")),
            rx.text(item.author, " · ", item.at, size="1", color_scheme="gray"),
            spacing="1",
        ),
        color_scheme="amber", variant="surface", width="100%", class_name="pinned-news",
    )


def pinned_news() -> rx.Component:
    """Important news pinned on the inbox (newest first)."""
    return rx.cond(
        NotificationState.news.length() > 0,
        rx.vstack(rx.foreach(NotificationState.news, _news), spacing="2", width="100%", id="pinned-news"),
    )
