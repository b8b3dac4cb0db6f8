"""The messages page: my conversations, one open conversation, the composer, acknowledgements, search, new
group and direct conversations, and important news for leaders."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

import reflex as rx

from govhub.db import session_scope
from govhub.models import Official
from govhub.routes import MESSAGES, conversation_url, task_group_url
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.text import fold
from govhub.services.messaging import conversations as messages
from govhub.services.messaging.conversations import (
    AckPerson,
    ConversationList,
    ConversationRow,
    MessageRow,
    NewsTarget,
    Upload,
)
from govhub.services.org import directory
from govhub.state.base import AppState, guarded
from govhub.state.directory import _as_id

REREAD = 100  # how many of the messages shown a live update reads again (besides those that arrived)


@dataclass
class PersonOption:
    """An official to add to a conversation."""

    id: int
    name: str
    detail: str


class MessagesState(AppState):
    """One page: the list on the left (or first on phones), the open conversation beside it."""

    convs: list[ConversationRow] = []
    convs_more: bool = False  # more conversations (or matches) than the list shows: "more" brings the next page
    convs_capped: bool = False  # the list shows the most it may; a search reaches the others
    _list_limit: int = messages.LIST_PAGE
    conv_id: int = 0
    conv_title: str = ""
    conv_kind: str = ""
    conv_task: int = 0
    conv_sub_task: bool = False  # the open case group is a sub-task's (its parent's group has the same name)
    conv_unit: str = ""  # the lead unit of the open case group's task
    conv_member: bool = True  # False: reading a case group as someone who may see its task (writing joins it)
    rows: list[MessageRow] = []
    has_older: bool = False
    missing: bool = False
    list_filter: str = ""
    found: list[MessageRow] = []
    searching: bool = False
    acks: list[AckPerson] = []
    acks_for: int = 0
    dialog: str = ""
    people: list[PersonOption] = []
    chosen: list[PersonOption] = []
    pending_files: list[str] = []
    draft_key: str = ""  # names the composer's current draft; a new one once it is sent (the form is drawn afresh)
    may_broadcast: bool = False
    news_all: bool = False  # may address the whole city (administrators, the Standing Committee)
    news_everyone: bool = False  # the news form's audience: the whole city, or the picked units
    news_units: list[NewsTarget] = []  # the units offered, narrowed by news_filter (picked ones stay in view)
    news_picked: list[int] = []
    news_filter: str = ""
    _news_offered: list[NewsTarget] = []
    _pending: list[dict] = []

    @rx.var
    def my_newest(self) -> int:
        """My newest message shown (the history box is drawn afresh, at its newest message, when I send one)."""
        return max((r.id for r in self.rows if r.mine), default=0)

    # ---------------------------------------------------------------------------------------- loading

    async def _load_list(self) -> None:
        query, limit = self.list_filter, self._list_limit
        self._show_list(await self._call(lambda s, a: messages.conversations(s, a, query, limit)))

    def _show_list(self, found: ConversationList) -> None:
        self.convs = found.rows
        self.convs_more = found.more and self._list_limit < messages.LIST_MAX
        self.convs_capped = found.more and self._list_limit >= messages.LIST_MAX

    async def _open(self, conversation_id: int) -> None:
        cid = int(conversation_id)

        def work(session, actor):  # noqa: ANN001, ANN202
            conversation = messages.access_conversation(session, actor, cid)
            rows = messages.history(session, actor, cid)
            messages.do_mark_read(session, actor, cid)
            return (conversation.kind, messages.title_of(session, actor, conversation), conversation.task_id or 0,
                    messages.case_detail(session, conversation), rows,
                    messages.is_member(session, actor, conversation))

        self.conv_kind, self.conv_title, self.conv_task, detail, self.rows, self.conv_member = await self._call(work)
        self.conv_sub_task, self.conv_unit = detail
        self.conv_id, self.missing = cid, False
        self.has_older = len(self.rows) >= messages.PAGE
        self.found, self.searching, self.acks, self.acks_for = [], False, [], 0

    def _window(self) -> tuple[list[MessageRow], int]:
        """For reading the open conversation again: the older rows, kept as shown, and the id after which to read
        (the newest ``REREAD`` rows shown, for fresh acknowledgement counts, and whatever arrived since)."""
        keep = self.rows[:-REREAD] if len(self.rows) > REREAD else []
        since = keep[-1].id if keep else (self.rows[0].id - 1 if self.rows else 0)
        return keep, since

    async def _on_push(self, official_id: int, links: set[str]) -> None:
        """Called by the realtime layer: new messages (or acknowledgements). On the messages pages the list is read
        again (unread counts, order), and the conversation this tab shows gets its new messages and is read. A tab
        on another page is left alone: the bell tells, and nothing is marked read unseen."""
        path = self.router.url.path.rstrip("/")
        if path != MESSAGES and not path.startswith(conversation_url("")):
            return
        cid, query, limit = self.conv_id, self.list_filter, self._list_limit
        showing = cid > 0 and conversation_url(cid) in links
        keep, since = self._window()

        def work() -> tuple[list[MessageRow] | None, ConversationList | None]:
            with session_scope() as session:
                actor = session.get(Official, official_id)
                if actor is None:
                    return None, None
                rows = None
                if showing:
                    rows = messages.history(session, actor, cid, after_id=since)
                    messages.do_mark_read(session, actor, cid)
                return rows, messages.conversations(session, actor, query, limit)

        rows, found = await asyncio.to_thread(work)
        if found is not None:
            self._show_list(found)
        if rows is not None:
            self.rows = keep + rows

    @rx.event
    @guarded
    async def load(self):
        """Open the page: my conversations, and the one in the address if any."""
        path = self.router.url.path.rstrip("/")
        self.may_broadcast = await self._call(messages.may_broadcast)
        tail = path.rsplit("/", 1)[-1]
        self.conv_id, self.rows, self.conv_title, self.missing = 0, [], "", False
        if path.startswith(task_group_url("")):
            try:
                tid = _as_id(tail)
                conversation = await self._call(lambda s, a: messages.access_task_group(s, a, tid))
            except (ValueError, NotFound) as exc:
                self.missing = True
                await self._page_refused(exc)
                await self._load_list()
                return
            return rx.redirect(conversation_url(conversation.id), replace=True)
        if tail.isdigit():
            try:
                await self._open(int(tail))
            except (ValueError, NotFound) as exc:
                self.missing = True
                await self._page_refused(exc)
        await self._load_list()  # after opening: the open conversation is read, the list shows no unread count

    @rx.event
    @guarded
    async def open_conversation(self, conversation_id: int):
        """Show another conversation."""
        cid = _as_id(conversation_id)
        await self._call(lambda s, a: messages.access_conversation(s, a, cid))
        return rx.redirect(conversation_url(cid))

    @rx.event
    @guarded
    async def back_to_list(self):
        """Phones: back to the list, at its own address (reloading the page then shows the list)."""
        return rx.redirect(MESSAGES)

    @rx.event
    @guarded
    async def filter_list(self, text: str):
        """Search all my conversations by name (the first page of the matches)."""
        self.list_filter, self._list_limit = str(text)[:100], messages.LIST_PAGE
        await self._load_list()

    @rx.event
    @guarded
    async def more_conversations(self):
        """The next page of my conversations (or of the matches), below those shown."""
        self._list_limit = min(self._list_limit + messages.LIST_PAGE, messages.LIST_MAX)
        await self._load_list()

    @rx.event
    @guarded
    async def older(self):
        """The page of messages before the oldest shown."""
        cid, first = self.conv_id, min((r.id for r in self.rows), default=0)
        if cid <= 0:
            raise NotFound()
        if first <= 0:
            return
        older = await self._call(lambda s, a: messages.history(s, a, cid, before_id=first))
        self.rows = older + self.rows
        self.has_older = len(older) >= messages.PAGE

    @rx.event
    @guarded
    async def search(self, text: str):
        """Search the open conversation."""
        cid, query = self.conv_id, str(text)[:100]
        if cid <= 0:
            raise NotFound()
        self.found = await self._call(lambda s, a: messages.search(s, a, cid, query))
        self.searching = len(fold(query)) >= 2

    # ---------------------------------------------------------------------------------------- writing

    @rx.event
    @guarded
    async def attach(self, files: list[rx.UploadFile]):
        """Files chosen for the next message: checked now, kept aside until it is sent."""
        if self.conv_id <= 0:
            raise NotFound()
        pending = list(self._pending)
        limit = messages.attachment_limit()
        for f in files:
            if len(pending) >= messages.MAX_FILES:
                raise Invalid("messages.error.too_many_files", n=messages.MAX_FILES)
            name = str(f.name or f.filename or "")
            if f.size is not None and f.size > limit:
                raise Invalid("messages.error.file_size", name=messages.safe_display_name(name),
                              mb=limit // 1_048_576)
            upload = Upload(filename=name, data=await f.read(limit + 1))  # never more than the limit in memory
            key = await asyncio.to_thread(messages.do_hold_upload, upload)
            pending.append({"key": key, "name": messages.safe_display_name(upload.filename)})
        self._pending = pending
        self.pending_files = [p["name"] for p in pending]

    @rx.event
    @guarded
    async def drop_files(self):
        """Forget the files chosen for the next message."""
        self._discard_pending()

    def _discard_pending(self) -> None:
        messages.do_drop_held([p["key"] for p in self._pending])
        self._pending, self.pending_files = [], []

    @rx.event
    @guarded
    async def send(self, form: dict):
        """Send the message (an instruction when asked) with the chosen files. Only once it is stored is the
        composer emptied (a new draft key redraws the form, in the same update that shows the message): a refused
        message stays in the box, with its files, to be corrected. The form names the draft it sends; a second
        submit of a draft already sent (a double click) is ignored."""
        if str(form.get("draft", "")) != self.draft_key:
            return
        cid = self.conv_id
        if cid <= 0:
            raise NotFound()
        body = str(form.get("body", ""))
        instruction = str(form.get("instruction", "")).lower() in ("on", "true", "1")
        uploads = [Upload(filename=p["name"], data=messages.held_upload(p["key"])) for p in self._pending]
        await self._call(lambda s, a: messages.do_send(s, a, cid, body, instruction=instruction, uploads=uploads))
        self.conv_member = True
        self.draft_key = secrets.token_hex(8)
        self._discard_pending()
        after = max((r.id for r in self.rows), default=0)
        fresh = await self._call(lambda s, a: messages.history(s, a, cid, after_id=after))
        self.rows = self.rows + [r for r in fresh if r.id > after]
        await self._load_list()

    @rx.event
    @guarded
    async def acknowledge(self, message_id: int):
        """Acknowledge an instruction."""
        mid, cid = int(message_id), self.conv_id
        await self._call(lambda s, a: messages.do_acknowledge(s, a, mid))
        keep, since = self._window()
        for row in keep:  # an instruction far back, not read again: it shows my acknowledgement all the same
            if row.id == mid and not row.acked:
                row.acked, row.ack_count = True, row.ack_count + 1
        self.rows = keep + await self._call(lambda s, a: messages.history(s, a, cid, after_id=since))
        return self._toast("success", self._t("messages.acked"))

    @rx.event
    @guarded
    async def show_acks(self, message_id: int):
        """Who has read and acknowledged an instruction, and who has not."""
        mid = int(message_id)
        self.acks = await self._call(lambda s, a: messages.ack_status(s, a, mid))
        self.acks_for, self.dialog = mid, "acks"

    @rx.event
    @guarded
    async def close_dialog(self, _open: bool = False):
        """Close any dialog."""
        self.dialog, self.acks_for, self.people, self.chosen = "", 0, [], []

    @rx.event
    @guarded
    async def open_new(self, which: str):
        """Open the form for a new direct conversation ('direct'), group ('group') or news ('news')."""
        if which not in ("direct", "group", "news"):
            raise ValueError("unknown form")
        if which == "news":
            if not self.may_broadcast:
                raise NotFound()
            self.news_all, self._news_offered = await self._call(
                lambda s, a: (messages.may_broadcast_all(s, a), messages.news_targets(s, a)))
            self.news_units, self.news_picked, self.news_filter, self.news_everyone = self._news_offered, [], "", False
        self.dialog, self.people, self.chosen = which, [], []

    @rx.event
    @guarded
    async def find_people(self, text: str):
        """Officials matching a name, for a new conversation."""
        query = str(text)[:100]
        if len(fold(query)) < 2:
            self.people = []
            return
        page = await self._call(lambda s, a: directory.search(s, query, page=1, page_size=8))
        self.people = [PersonOption(id=c.id, name=c.full_name, detail=f"{c.position} — {c.unit_name}"
                                    + (f", {c.within}" if c.within else "")) for c in page.rows if c.id != self.me.id]

    @rx.event
    @guarded
    async def choose(self, official_id: int):
        """Start a direct conversation with this official, or add them to the new group."""
        oid = int(official_id)
        person = next((p for p in self.people if p.id == oid), None)
        if person is None:
            raise ValueError("not offered")
        if self.dialog == "direct":
            conversation = await self._call(lambda s, a: messages.do_direct(s, a, oid))
            self.dialog = ""
            return rx.redirect(conversation_url(conversation.id))
        if all(p.id != oid for p in self.chosen):
            self.chosen = [*self.chosen, person]

    @rx.event
    @guarded
    async def unchoose(self, official_id: int):
        """Take somebody off the new group."""
        oid = int(official_id)
        self.chosen = [p for p in self.chosen if p.id != oid]

    @rx.event
    @guarded
    async def create_group(self, form: dict):
        """Open the group conversation."""
        title, ids = str(form.get("title", "")), [p.id for p in self.chosen]
        conversation = await self._call(lambda s, a: messages.do_create_group(s, a, title, ids))
        self.dialog, self.chosen, self.people = "", [], []
        return rx.redirect(conversation_url(conversation.id))

    @rx.event
    @guarded
    async def toggle_news_unit(self, unit_id: int):
        """Add or remove a unit from the news audience."""
        uid = int(unit_id)
        if uid not in {u.id for u in self._news_offered}:
            raise ValueError("not offered")
        self.news_picked = sorted(set(self.news_picked) ^ {uid})

    @rx.event
    @guarded
    async def choose_audience(self, value: str):
        """The news goes to the whole city ('all', for those who may) or to the picked units ('units')."""
        if value not in ("all", "units"):
            raise ValueError("unknown audience")
        self.news_everyone = value == "all" and self.news_all

    @rx.event
    @guarded
    async def filter_news_units(self, text: str):
        """Narrow the units offered for the news by name (the picked ones stay in view)."""
        self.news_filter = str(text)[:100]
        query, picked = fold(self.news_filter), set(self.news_picked)
        self.news_units = [u for u in self._news_offered if not query or query in fold(u.name) or u.id in picked]

    @rx.event
    @guarded
    async def publish(self, form: dict):
        """Publish important news to everyone or to the picked units."""
        units = None if self.news_everyone else list(self.news_picked)
        title, body = str(form.get("title", "")), str(form.get("body", ""))
        await self._call(lambda s, a: messages.do_broadcast(s, a, title, body, units))
        self.dialog, self.news_picked = "", []
        return self._toast("success", self._t("messages.news_published"))
