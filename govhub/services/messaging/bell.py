"""The bell's read models: unread count, the newest notifications rendered in the reader's language, and the
bulk summaries the realtime layer pushes to open browsers."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, select

from govhub import clock
from govhub.i18n import translate
from govhub.models import Notification, Official
from govhub.services.core.errors import NotFound


@dataclass
class BellItem:
    """One line of the bell's list."""

    id: int
    text: str
    at: str
    link: str
    read: bool
    kind: str


def render(n: Notification, locale: str) -> BellItem:
    """A notification row in words."""
    params = json.loads(n.params or "{}")
    try:
        text = translate(locale, f"notify.{n.kind}", **params)
    except (KeyError, IndexError, ValueError):
        text = params.get("title") or n.kind
    at = n.created_at.astimezone(clock.city_zone()).strftime("%H:%M %d/%m")
    return BellItem(id=n.id, text=text, at=at, link=n.link or "/", read=n.read_at is not None, kind=n.kind)


def bell(session: Session, official: Official, locale: str, limit: int = 15) -> tuple[int, list[BellItem]]:
    """(unread count, newest items) for one official."""
    unread = session.exec(select(func.count()).select_from(Notification).where(
        Notification.recipient_id == official.id, Notification.read_at.is_(None))).one()
    rows = session.exec(select(Notification).where(Notification.recipient_id == official.id)
                        .order_by(Notification.id.desc()).limit(limit)).all()
    return unread, [render(n, locale) for n in rows]


def summaries(session: Session, official_ids: set[int], limit: int = 15) -> dict[int, tuple[int, list[Notification]]]:
    """For each official: the unread count and their newest rows (at most ``limit``, newest first), in two
    queries whatever the number of officials: what a push needs."""
    ids = sorted(official_ids)
    if not ids:
        return {}
    counts = dict(session.exec(select(Notification.recipient_id, func.count()).where(
        Notification.recipient_id.in_(ids), Notification.read_at.is_(None))
        .group_by(Notification.recipient_id)).all())
    ranked = select(Notification.id, func.row_number().over(
        partition_by=Notification.recipient_id, order_by=Notification.id.desc()).label("rn")).where(
        Notification.recipient_id.in_(ids)).subquery()
    rows = session.exec(select(Notification).join(ranked, ranked.c.id == Notification.id).where(
        ranked.c.rn <= limit).order_by(Notification.id.desc())).all()
    newest: dict[int, list[Notification]] = {}
    for n in rows:
        session.expunge(n)
        newest.setdefault(n.recipient_id, []).append(n)
    return {i: (counts.get(i, 0), newest.get(i, [])) for i in ids}


def do_open_item(session: Session, official: Official, notification_id: int) -> str:
    """Mark one of my notifications read; its link."""
    n = session.get(Notification, int(notification_id))
    if n is None or n.recipient_id != official.id:
        raise NotFound()
    if n.read_at is None:
        n.read_at = clock.now()
        session.add(n)
    return n.link or "/"


def do_mark_all_read(session: Session, official: Official) -> None:
    """Every notification of mine read."""
    session.execute(update(Notification).where(Notification.recipient_id == official.id,
                                               Notification.read_at.is_(None)).values(read_at=clock.now()))
