"""Notification rows: written in the same transaction as the change; pushed live by the realtime layer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from sqlalchemy import event, insert
from sqlmodel import Session

from govhub import clock
from govhub.models import Notification, Official

# Called after commit with the recipients' ids, so open browsers can be told (the realtime layer registers one).
listeners: list[Callable[[set[int]], None]] = []


def notify(session: Session, recipients: Iterable[int | None], kind: str, *, actor: Official | None = None,
           task_id: int | None = None, link: str = "", **params: object) -> set[int]:
    """Queue one notification per recipient (never the actor themselves); returns who was notified."""
    who = {r for r in recipients if r is not None and (actor is None or r != actor.id)}
    if not who:
        return who
    data = json.dumps({**params, **({"actor": actor.full_name} if actor else {})}, ensure_ascii=False,
                      default=str)[:1000]
    now = clock.now()
    session.execute(insert(Notification), [
        {"recipient_id": r, "kind": kind, "task_id": task_id, "actor_id": actor.id if actor else None,
         "params": data, "link": link, "created_at": now} for r in sorted(who)
    ])
    session.info.setdefault("notified", set()).update(who)
    return who


def notify_many(session: Session, rows: list[dict]) -> None:
    """Bulk variant for fan-outs: each row has recipient_id, kind, task_id, actor_id, params, link."""
    if not rows:
        return
    now = clock.now()
    session.execute(insert(Notification), [{**r, "created_at": now} for r in rows])
    session.info.setdefault("notified", set()).update(r["recipient_id"] for r in rows)


def announce(recipients: set[int]) -> None:
    """Tell the realtime layer (after commit) who has something new."""
    for listener in listeners:
        listener(recipients)


@event.listens_for(Session, "after_commit")
def _announce_after_commit(session: Session) -> None:
    who = session.info.pop("notified", None)
    if who:
        announce(who)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("notified", None)
