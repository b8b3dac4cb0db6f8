"""Conversations and messages: case groups, group and direct conversations, attachments, instructions that ask
for an acknowledgement, unread counts, search and paging; and important news for everyone or chosen units.

Every conversation is reached only through ``access_conversation``: a member, or (for a case group) somebody who
may see the task, who reads it without joining; they join, recorded as having joined on their own, by writing in
it. Everyone else gets NotFound, the same as for a conversation that does not exist."""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from govhub import clock
from govhub.config import get_settings
from govhub.models import (
    Conversation,
    ConversationMember,
    Message,
    MessageAck,
    MessageAttachment,
    News,
    NewsUnit,
    Notification,
    Official,
    Task,
    Unit,
)
from govhub.routes import attachment_url, conversation_url
from govhub.services.core import audit, storage
from govhub.services.core.db_util import insert_ignore
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.notifications import notify
from govhub.services.core.text import fold, like_escape, search_words
from govhub.services.messaging.case_groups import add_members
from govhub.services.org.structure import LEADING_KINDS, LOCAL_KINDS, is_admin, unit_ancestors
from govhub.services.tasks.access import can_see, is_leader, is_standing_member

MAX_BODY = 5000
MAX_TITLE = 200
MAX_MEMBERS = 200
PAGE = 30
LIST_PAGE = 50  # conversations per page of the list ("more" adds another)
LIST_MAX = 1000  # the most the list shows at once; a search reaches every conversation
MAX_FILES = 5
# What may be attached: office documents, PDF, images, plain text and archives. The type sent to browsers comes
# from this table, never from the uploader.
ALLOWED_TYPES = {
    "pdf": "application/pdf", "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "txt": "text/plain", "zip": "application/zip",
}


def _member(session: Session, conversation_id: int, official_id: int) -> ConversationMember | None:
    return session.get(ConversationMember, (conversation_id, official_id))


def access_conversation(session: Session, actor: Official, conversation_id: int) -> Conversation:
    """The conversation if ``actor`` belongs to it; a case group also lets whoever may see its task read it (a
    leader following the task), without making them a member. Otherwise NotFound, exactly as for a conversation
    that does not exist."""
    conversation = session.get(Conversation, int(conversation_id))
    if conversation is None or not actor.active:
        raise NotFound()
    if _member(session, conversation.id, actor.id) is not None:
        return conversation
    if conversation.kind == "case" and conversation.task_id is not None:
        task = session.get(Task, conversation.task_id)
        if task is not None and can_see(session, actor, task):
            return conversation
    raise NotFound()


def is_member(session: Session, actor: Official, conversation: Conversation) -> bool:
    """Whether ``actor`` belongs to the conversation (rather than reading a case group as someone who may see
    its task)."""
    return _member(session, conversation.id, actor.id) is not None


def _join_to_write(session: Session, actor: Official, conversation: Conversation) -> None:
    """Somebody who may see a case group's task and writes in it joins it then, recorded and audited as having
    joined on their own."""
    if not is_member(session, actor, conversation):
        add_members(session, conversation.id, [actor.id], how="self", added_by=actor.id)
        audit.record(session, "conversation.joined", actor_id=actor.id, object_type="conversation",
                     object_id=conversation.id)


def access_task_group(session: Session, actor: Official, task_id: int) -> Conversation:
    """A task's case group, for somebody who may see the task (opened now for tasks older than case groups)."""
    from govhub.services.messaging.case_groups import ensure_for_task
    from govhub.services.tasks.access import access_task

    task = access_task(session, actor, int(task_id))
    return access_conversation(session, actor, ensure_for_task(session, task))


# ---------------------------------------------------------------------------------------------------- reading


@dataclass
class ConversationRow:
    """A conversation in the list: its name, last activity and my unread count; for a case group, the lead unit
    of its task and whether that task is a sub-task (a delegated task's group has the same name as its parent's)."""

    id: int
    kind: str
    title: str
    unread: int
    last_at: str
    task_id: int = 0
    unit: str = ""
    sub_task: bool = False


@dataclass
class ConversationList:
    """A page of my conversations, and whether there are more (older, or further matches) than it shows."""

    rows: list[ConversationRow]
    more: bool


@dataclass
class AttachmentRow:
    id: int
    name: str
    size: str
    url: str


@dataclass
class MessageRow:
    """A message as the conversation shows it."""

    id: int
    author: str
    author_id: int
    mine: bool
    kind: str
    body: str
    at: str
    attachments: list[AttachmentRow] = field(default_factory=list)
    acked: bool = False  # (for me) I acknowledged this instruction
    ack_count: int = 0
    ack_total: int = 0


@dataclass
class AckPerson:
    name: str
    read: bool
    acked: bool


def _when(value: datetime) -> str:
    local = value.astimezone(clock.city_zone())
    return local.strftime("%H:%M %d/%m/%Y")


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024)} KB"


def _direct_title(session: Session, conversation: Conversation, actor: Official) -> str:
    other = session.exec(select(Official.full_name).join(
        ConversationMember, ConversationMember.official_id == Official.id).where(
        ConversationMember.conversation_id == conversation.id, Official.id != actor.id)).first()
    return other or actor.full_name


def conversations(session: Session, actor: Official, query: str = "", limit: int = LIST_PAGE) -> ConversationList:
    """My newest ``limit`` conversations, most recent first, each with my unread count; with a ``query``, only those
    whose name (for a direct conversation, the other person's) holds every word of it, accents and case ignored,
    among all my conversations. One statement whatever their number: my memberships (the member index) are
    joined to their conversations and, for direct ones, to the other member; the page's rows alone are then
    counted and joined to their task's lead unit."""
    limit = min(max(int(limit), 1), LIST_MAX)
    words = search_words(query)
    if fold(query) and not words:  # nothing searchable (only punctuation, say): nothing matches
        return ConversationList(rows=[], more=False)
    other = aliased(ConversationMember, name="other")
    person = aliased(Official, name="person")
    patterns = [f"%{like_escape(w)}%" for w in words]
    mine = (
        select(Conversation.id, Conversation.kind, Conversation.title, Conversation.task_id,
               Conversation.last_message_at, ConversationMember.last_read_id, person.full_name.label("person"))
        .select_from(ConversationMember)
        .join(Conversation, Conversation.id == ConversationMember.conversation_id)
        .outerjoin(other, and_(Conversation.kind == "direct", other.conversation_id == Conversation.id,
                               other.official_id != actor.id))
        .outerjoin(person, person.id == other.official_id)
        .where(ConversationMember.official_id == actor.id,
               *[or_(Conversation.title_folded.like(p, escape="\\"), person.name_folded.like(p, escape="\\"))
                 for p in patterns])
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit + 1)
        .subquery("mine")
    )
    unread = (select(func.count(Message.id)).where(
        Message.conversation_id == mine.c.id, Message.id > mine.c.last_read_id, Message.author_id != actor.id)
        .correlate(mine).scalar_subquery())
    rows = session.exec(
        select(mine.c.id, mine.c.kind, mine.c.title, mine.c.task_id, mine.c.last_message_at, mine.c.person, unread,
               Task.parent_id, Unit.name)
        .outerjoin(Task, Task.id == mine.c.task_id)
        .outerjoin(Unit, Unit.id == Task.lead_unit_id)
        .order_by(mine.c.last_message_at.desc(), mine.c.id.desc())
    ).all()
    out = [ConversationRow(id=cid, kind=kind, title=(person or actor.full_name) if kind == "direct" else title,
                           unread=int(count or 0), last_at=_when(at), task_id=task_id or 0, unit=unit or "",
                           sub_task=parent_id is not None)
           for cid, kind, title, task_id, at, person, count, parent_id, unit in rows[:limit]]
    return ConversationList(rows=out, more=len(rows) > limit)


def case_detail(session: Session, conversation: Conversation) -> tuple[bool, str]:
    """For a case group: whether its task is a sub-task, and the task's lead unit; (False, "") otherwise."""
    if conversation.task_id is None:
        return False, ""
    found = session.exec(select(Task.parent_id, Unit.name).join(Unit, Unit.id == Task.lead_unit_id)
                         .where(Task.id == conversation.task_id)).first()
    return (found[0] is not None, found[1]) if found else (False, "")


def unread_total(session: Session, actor: Official) -> int:
    """All my unread messages, across conversations."""
    return session.exec(select(func.count(Message.id)).join(
        ConversationMember, and_(ConversationMember.conversation_id == Message.conversation_id,
                                 ConversationMember.official_id == actor.id))
        .where(Message.id > ConversationMember.last_read_id, Message.author_id != actor.id)).one()


def title_of(session: Session, actor: Official, conversation: Conversation) -> str:
    return _direct_title(session, conversation, actor) if conversation.kind == "direct" else conversation.title


def _rows(session: Session, actor: Official, conversation: Conversation, messages: list[Message]) -> list[MessageRow]:
    ids = [m.id for m in messages]
    if not ids:
        return []
    names = dict(session.exec(select(Official.id, Official.full_name).where(
        Official.id.in_({m.author_id for m in messages}))).all())
    files: dict[int, list[AttachmentRow]] = {}
    for a in session.exec(select(MessageAttachment).where(MessageAttachment.message_id.in_(ids))
                          .order_by(MessageAttachment.id)).all():
        files.setdefault(a.message_id, []).append(AttachmentRow(id=a.id, name=a.original_name, size=_size(a.size),
                                                                url=attachment_url(a.id)))
    instruction_ids = [m.id for m in messages if m.kind == "instruction"]
    acks: dict[int, int] = {}
    mine: set[int] = set()
    total = 0
    if instruction_ids:
        acks = dict(session.exec(select(MessageAck.message_id, func.count()).where(
            MessageAck.message_id.in_(instruction_ids)).group_by(MessageAck.message_id)).all())
        mine = set(session.exec(select(MessageAck.message_id).where(
            MessageAck.message_id.in_(instruction_ids), MessageAck.official_id == actor.id)).all())
        total = session.exec(select(func.count()).select_from(ConversationMember).where(
            ConversationMember.conversation_id == conversation.id)).one()
    return [MessageRow(id=m.id, author=names.get(m.author_id, ""), author_id=m.author_id, mine=m.author_id == actor.id,
                       kind=m.kind, body=m.body, at=_when(m.created_at), attachments=files.get(m.id, []),
                       acked=m.id in mine, ack_count=acks.get(m.id, 0), ack_total=max(total - 1, 0))
            for m in messages]


def history(session: Session, actor: Official, conversation_id: int, *, before_id: int | None = None,
            after_id: int | None = None, limit: int = PAGE) -> list[MessageRow]:
    """A page of the conversation, oldest first: the newest ``limit`` messages, or those before ``before_id``
    (older pages), or every message after ``after_id`` (what arrived since)."""
    conversation = access_conversation(session, actor, conversation_id)
    stmt = select(Message).where(Message.conversation_id == conversation.id)
    if after_id is not None:
        found = session.exec(stmt.where(Message.id > int(after_id)).order_by(Message.id).limit(200)).all()
        return _rows(session, actor, conversation, list(found))
    if before_id is not None:
        stmt = stmt.where(Message.id < int(before_id))
    found = session.exec(stmt.order_by(Message.id.desc()).limit(min(max(int(limit), 1), 100))).all()
    return _rows(session, actor, conversation, list(reversed(found)))


def search(session: Session, actor: Official, conversation_id: int, query: str, limit: int = 50) -> list[MessageRow]:
    """Messages of one conversation whose text contains ``query`` (accents and case ignored), newest first."""
    conversation = access_conversation(session, actor, conversation_id)
    q = fold(query)[:100]
    if len(q) < 2:
        return []
    found = session.exec(select(Message).where(Message.conversation_id == conversation.id,
                                               Message.body_folded.contains(q, autoescape=True))
                         .order_by(Message.id.desc()).limit(limit)).all()
    return _rows(session, actor, conversation, list(found))


def do_mark_read(session: Session, actor: Official, conversation_id: int) -> None:
    """I have read the conversation up to its newest message (and its bell items with it)."""
    conversation = access_conversation(session, actor, conversation_id)
    newest = session.exec(select(func.max(Message.id)).where(Message.conversation_id == conversation.id)).one() or 0
    session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == conversation.id, ConversationMember.official_id == actor.id,
        ConversationMember.last_read_id < newest).values(last_read_id=newest))
    session.execute(update(Notification).where(
        Notification.recipient_id == actor.id, Notification.read_at.is_(None),
        Notification.link == conversation_url(conversation.id)).values(read_at=clock.now()))


def ack_status(session: Session, actor: Official, message_id: int) -> list[AckPerson]:
    """Who has read and acknowledged an instruction, and who has not (for any member of its conversation)."""
    message = session.get(Message, int(message_id))
    if message is None:
        raise NotFound()
    access_conversation(session, actor, message.conversation_id)
    if message.kind != "instruction":
        raise NotFound()
    acked = set(session.exec(select(MessageAck.official_id).where(MessageAck.message_id == message.id)).all())
    rows = session.exec(select(Official.id, Official.full_name, ConversationMember.last_read_id).join(
        ConversationMember, ConversationMember.official_id == Official.id).where(
        ConversationMember.conversation_id == message.conversation_id, Official.id != message.author_id)
        .order_by(Official.name_folded)).all()
    people = [AckPerson(name=name, read=last >= message.id or oid in acked, acked=oid in acked)
              for oid, name, last in rows]
    return sorted(people, key=lambda p: (p.acked, p.read))


# ---------------------------------------------------------------------------------------------------- writing


@dataclass
class Upload:
    """A file as received from the browser (its name and type are the uploader's claims)."""

    filename: str
    data: bytes


def safe_display_name(name: str) -> str:
    """The file's own name for display and download: no folders, no control characters, at most 200 chars."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.strip().strip(".") or "tep"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 190] + dot + ext[:9]) if dot else base[:200]
    return base


def attachment_limit() -> int:
    """The largest attachment, in bytes (GOVHUB_ATTACHMENT_MAX_MB)."""
    return get_settings().attachment_max_mb * 1_048_576


ATTACHMENTS = storage.UploadPolicy(allowed=ALLOWED_TYPES, max_bytes=attachment_limit, errors="messages.error",
                                   too_large="file_size", last_component=True)


def check_upload(upload: Upload) -> storage.CheckedUpload:
    """An attachment that passed the upload policy (core.storage.check_upload), or Invalid."""
    return storage.check_upload(upload.filename, upload.data, ATTACHMENTS)


def do_hold_upload(upload: Upload) -> str:
    """Check a file chosen for the next message and keep it aside until the message is sent; its pending key."""
    checked = check_upload(upload)
    return storage.pending_store().put(checked.data, f"{secrets.token_hex(16)}.{checked.ext}")


def held_upload(key: str) -> bytes:
    """The bytes of a file kept aside (NotFound when swept or never held)."""
    try:
        return storage.pending_store().get(key)
    except FileNotFoundError as exc:
        raise NotFound() from exc


def do_drop_held(keys: list[str]) -> None:
    """Forget files kept aside for a message (sent, or dropped from the draft)."""
    store = storage.pending_store()
    for key in keys:
        store.delete(key)


def do_sweep_pending(_session: object = None, *, now: float | None = None) -> int:
    """Delete files chosen for a message but never sent (a closed tab, a dropped draft) once older than
    GOVHUB_PENDING_UPLOAD_HOURS; how many were deleted. A scheduler job runs it (govhub/jobs)."""
    now = time.time() if now is None else now
    return storage.pending_store().delete_older_than(now - get_settings().pending_upload_hours * 3600)


def read_attachment(stored_name: str) -> bytes:
    """A stored attachment's bytes (stored names are generated: hex and a known extension); NotFound if missing."""
    try:
        return storage.attachment_store().get(stored_name)
    except FileNotFoundError as exc:
        raise NotFound() from exc


def do_send(session: Session, actor: Official, conversation_id: int, body: str, *, instruction: bool = False,
            uploads: list[Upload] | None = None) -> Message:
    """Post a message (or an instruction to acknowledge) with attachments; members are notified."""
    text = str(body or "").strip()
    uploads = uploads or []
    if len(text) > MAX_BODY:
        raise Invalid("messages.error.body")
    if not text and not uploads:
        raise Invalid("messages.error.empty")
    if len(uploads) > MAX_FILES:
        raise Invalid("messages.error.too_many_files", n=MAX_FILES)
    checked = [check_upload(u) for u in uploads]
    conversation = access_conversation(session, actor, conversation_id)
    _join_to_write(session, actor, conversation)
    now = clock.now()
    message = Message(conversation_id=conversation.id, author_id=actor.id,
                      kind="instruction" if instruction else "text", body=text, body_folded=fold(text)[:MAX_BODY],
                      created_at=now)
    session.add(message)
    session.flush()
    store = storage.attachment_store()
    for file in checked:  # removed again if the transaction rolls back
        stored = storage.store_in_transaction(session, file.data, store, f"{secrets.token_hex(16)}.{file.ext}")
        session.add(MessageAttachment(message_id=message.id, stored_name=stored, original_name=file.name,
                                      content_type=file.mime, size=len(file.data)))
    conversation.last_message_at = now
    session.add(conversation)
    session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == conversation.id, ConversationMember.official_id == actor.id)
        .values(last_read_id=message.id))
    audit.record(session, "message.sent", actor_id=actor.id, object_type="conversation",
                 object_id=conversation.id, detail={"message": message.id, "instruction": instruction,
                                                    "files": len(checked)})
    members = session.exec(select(ConversationMember.official_id).where(
        ConversationMember.conversation_id == conversation.id)).all()
    title = title_of(session, actor, conversation) if conversation.kind != "direct" else actor.full_name
    notify(session, members, "instruction" if instruction else "message", actor=actor,
           link=conversation_url(conversation.id), title=title, preview=text[:120] or "📎")
    session.flush()
    return message


def do_acknowledge(session: Session, actor: Official, message_id: int) -> None:
    """A member acknowledges an instruction (once); its sender is told."""
    message = session.get(Message, int(message_id))
    if message is None:
        raise NotFound()
    conversation = access_conversation(session, actor, message.conversation_id)
    if message.kind != "instruction" or message.author_id == actor.id or not is_member(session, actor, conversation):
        raise Invalid("messages.error.not_ackable")
    if session.get(MessageAck, (message.id, actor.id)) is not None:
        return
    insert_ignore(session, MessageAck, [{"message_id": message.id, "official_id": actor.id, "at": clock.now()}])
    session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == conversation.id, ConversationMember.official_id == actor.id,
        ConversationMember.last_read_id < message.id).values(last_read_id=message.id))
    audit.record(session, "message.acknowledged", actor_id=actor.id, object_type="message", object_id=message.id)
    notify(session, [message.author_id], "instruction_ack", actor=actor, link=conversation_url(conversation.id),
           preview=message.body[:120])


def _check_people(session: Session, actor: Official, ids: list[int]) -> list[int]:
    wanted = sorted({int(i) for i in ids} - {actor.id})
    if len(wanted) + 1 > MAX_MEMBERS:
        raise Invalid("messages.error.too_many_members", n=MAX_MEMBERS)
    found = session.exec(select(Official.id).where(Official.id.in_(wanted), Official.active.is_(True))).all()
    if len(found) != len(wanted):
        raise Invalid("messages.error.members")
    return wanted


def do_create_group(session: Session, actor: Official, title: str, member_ids: list[int]) -> Conversation:
    """Open a group conversation with chosen officials."""
    name = " ".join(str(title or "").split())
    if not name or len(name) > MAX_TITLE:
        raise Invalid("messages.error.title")
    if not actor.active:
        raise NotFound()
    members = _check_people(session, actor, member_ids)
    if not members:
        raise Invalid("messages.error.members")
    now = clock.now()
    conversation = Conversation(kind="group", title=name, title_folded=fold(name)[:300], created_by_id=actor.id,
                                created_at=now, last_message_at=now)
    session.add(conversation)
    session.flush()
    add_members(session, conversation.id, [actor.id], how="created")
    add_members(session, conversation.id, members, how="invited", added_by=actor.id)
    audit.record(session, "conversation.created", actor_id=actor.id, object_type="conversation",
                 object_id=conversation.id, detail={"members": len(members) + 1})
    return conversation


def do_direct(session: Session, actor: Official, other_id: int) -> Conversation:
    """The direct conversation between ``actor`` and another official (opened on first use)."""
    other = session.get(Official, int(other_id))
    if other is None or not other.active or not actor.active or other.id == actor.id:
        raise NotFound()
    key = f"{min(actor.id, other.id)}:{max(actor.id, other.id)}"
    found = session.exec(select(Conversation).where(Conversation.direct_key == key)).first()
    if found is not None:
        return found
    now = clock.now()
    insert_ignore(session, Conversation, [{"kind": "direct", "title": "", "title_folded": "", "task_id": None,
                                           "direct_key": key, "created_by_id": actor.id, "created_at": now,
                                           "last_message_at": now}])
    conversation = session.exec(select(Conversation).where(Conversation.direct_key == key)).one()
    add_members(session, conversation.id, [actor.id], how="created")
    add_members(session, conversation.id, [other.id], how="invited", added_by=actor.id)
    return conversation


# ---------------------------------------------------------------------------------------------------- news


@dataclass
class NewsItem:
    id: int
    title: str
    body: str
    author: str
    at: str


@dataclass
class NewsTarget:
    id: int
    name: str


def may_broadcast(session: Session, actor: Official) -> bool:
    """Leaders (heads and deputies) and administrators publish important news."""
    return actor.active and (is_leader(actor) or is_admin(actor))


def may_broadcast_all(session: Session, actor: Official) -> bool:
    """Administrators and the Standing Committee address the whole city; other leaders only their units."""
    return may_broadcast(session, actor) and (is_admin(actor) or is_standing_member(session, actor))


def news_targets(session: Session, actor: Official) -> list[NewsTarget]:
    """The units ``actor`` may address: every department and ward for administrators and the Standing
    Committee; their own unit and its divisions for other leaders."""
    if not may_broadcast(session, actor):
        return []
    if may_broadcast_all(session, actor):
        where = Unit.kind.in_([*LEADING_KINDS, *LOCAL_KINDS])
    else:
        where = or_(Unit.id == actor.unit_id, and_(Unit.parent_id == actor.unit_id, Unit.kind == "division"))
    rows = session.exec(select(Unit.id, Unit.name).where(where, Unit.active.is_(True))
                        .order_by(Unit.sort_order, Unit.name)).all()
    return [NewsTarget(id=i, name=n) for i, n in rows]


def _audience(session: Session, unit_ids: list[int] | None) -> list[int]:
    """Active officials of the chosen units and every unit below them (everyone when ``unit_ids`` is None)."""
    stmt = select(Official.id).where(Official.active.is_(True))
    if unit_ids is not None:
        tree = select(Unit.id).where(Unit.id.in_(unit_ids)).cte("aud", recursive=True)
        tree = tree.union_all(select(Unit.id).join(tree, Unit.parent_id == tree.c.id))
        stmt = stmt.where(Official.unit_id.in_(select(tree.c.id)))
    return list(session.exec(stmt).all())


def do_broadcast(session: Session, actor: Official, title: str, body: str, unit_ids: list[int] | None = None,
                 days: int = 7) -> News:
    """Publish important news to everyone (``unit_ids`` None; administrators and the Standing Committee only) or
    to chosen units; it is pinned on their inbox for ``days`` and rings every recipient's bell."""
    name = " ".join(str(title or "").split())
    text = str(body or "").strip()
    if not name or len(name) > MAX_TITLE or len(text) > 4000:
        raise Invalid("messages.error.news")
    if not may_broadcast(session, actor):
        raise NotFound()
    days = int(days)
    if not 1 <= days <= 60:
        raise Invalid("messages.error.news_days")
    allowed = {t.id for t in news_targets(session, actor)}
    if unit_ids is None:
        if not may_broadcast_all(session, actor):
            raise Invalid("messages.error.news_audience")
    else:
        unit_ids = sorted({int(u) for u in unit_ids})
        if not unit_ids or not set(unit_ids) <= allowed:
            raise Invalid("messages.error.news_audience")
    now = clock.now()
    news = News(author_id=actor.id, title=name, body=text, everyone=unit_ids is None,
                pinned_until=clock.today() + timedelta(days=days), created_at=now)
    session.add(news)
    session.flush()
    if unit_ids:
        insert_ignore(session, NewsUnit, [{"news_id": news.id, "unit_id": u} for u in unit_ids])
    recipients = [r for r in _audience(session, unit_ids) if r != actor.id]
    import json

    params = json.dumps({"title": name, "actor": actor.full_name}, ensure_ascii=False)
    # A city-wide fan-out (tens of thousands of rows): a Core executemany, announced after commit like notify().
    session.execute(Notification.__table__.insert(), [
        {"recipient_id": r, "kind": "news", "task_id": None, "actor_id": actor.id, "params": params, "link": "/",
         "created_at": now, "read_at": None} for r in recipients])
    session.info.setdefault("notified", set()).update(recipients)
    audit.record(session, "news.published", actor_id=actor.id, object_type="news", object_id=news.id,
                 detail={"units": unit_ids or "all", "recipients": len(recipients)})
    return news


def pinned_news(session: Session, actor: Official, today: date | None = None, limit: int = 3) -> list[NewsItem]:
    """News pinned for me today: addressed to everyone, or to my unit or a unit above it."""
    today = today or clock.today()
    mine = unit_ancestors(session, actor.unit_id)
    for_units = select(NewsUnit.news_id).where(NewsUnit.unit_id.in_(mine))
    rows = session.exec(select(News, Official.full_name).join(Official, Official.id == News.author_id).where(
        News.pinned_until >= today, or_(News.everyone.is_(True), News.id.in_(for_units)))
        .order_by(News.id.desc()).limit(limit)).all()
    return [NewsItem(id=n.id, title=n.title, body=n.body, author=name, at=_when(n.created_at)) for n, name in rows]
