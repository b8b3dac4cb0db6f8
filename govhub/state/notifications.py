"""The bell and the pinned news: loaded with every signed-in page, refreshed live by the realtime layer."""

from __future__ import annotations

import reflex as rx

from govhub.models import Notification
from govhub.realtime.registry import get_registry
from govhub.services.messaging import bell as push
from govhub.services.messaging import conversations as messages
from govhub.services.messaging.bell import BellItem
from govhub.services.messaging.conversations import NewsItem
from govhub.state.base import AppState, guarded

LIMIT = 15


class NotificationState(AppState):
    """My unread count, my newest notifications, unread messages, and the news pinned for me."""

    unread: int = 0
    items: list[BellItem] = []
    msg_unread: int = 0
    news: list[NewsItem] = []
    live: int = 0  # the newest notification id pushed to this tab (tests watch it)
    _owner_id: int = 0  # whose bell this tab shows (a push for anyone else is ignored)

    async def _refresh(self) -> None:
        locale = self.locale

        def work(session, actor):  # noqa: ANN001, ANN202
            unread, items = push.bell(session, actor, locale, LIMIT)
            return (unread, items, messages.unread_total(session, actor), messages.pinned_news(session, actor),
                    actor.id)

        self.unread, self.items, self.msg_unread, self.news, official_id = await self._call(work)
        self._owner_id = official_id
        token = self.router.session.client_token
        if token:
            await get_registry().register(official_id, token, locale)

    def _apply_push(self, unread: int, newest: list[Notification]) -> None:
        """A push arrived (``newest``: the official's newest rows, newest first): the count and the list again,
        rendered in this tab's language."""
        known = {i.id for i in self.items}
        self.msg_unread += sum(1 for n in newest if n.id not in known and n.read_at is None
                               and n.kind in ("message", "instruction"))
        self.unread = unread
        self.items = [push.render(n, self.locale) for n in newest[:LIMIT]]
        self.live = max([self.live, *(n.id for n in newest)])

    @rx.event
    @guarded
    async def load(self):
        """Every signed-in page: the bell, and this tab joins the live push."""
        await self._refresh()

    @rx.event
    @guarded
    async def refresh(self):
        """Reload the bell (when it is opened)."""
        await self._refresh()

    @rx.event
    @guarded
    async def open_item(self, notification_id: int):
        """Open one notification: it is read, and its page opens."""
        nid = int(notification_id)
        link = await self._call(lambda s, a: push.do_open_item(s, a, nid))
        await self._refresh()
        return rx.redirect(link)

    @rx.event
    @guarded
    async def read_all(self):
        """Mark every notification read."""
        await self._call(push.do_mark_all_read)
        await self._refresh()

