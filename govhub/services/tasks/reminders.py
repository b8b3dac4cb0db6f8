"""Reminders: before a deadline (3 and 1 days by default), on the day, the day after it passed; the unit heads'
morning digest; and personal reminders ("remind me about this task at ...").

Exactly once: every effect (a notification and its e-mail) is keyed, and the key is inserted into ``job_effect``
in the same transaction as the effect. A rerun, a restart or a second worker finds the key taken and does
nothing, so a reminder is never sent twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, select

from govhub import clock
from govhub.config import get_settings
from govhub.models import JobEffect, Official, PersonalReminder, Position, Task
from govhub.models.task import OPEN_STATES
from govhub.routes import task_url
from govhub.services.core import audit, mail
from govhub.services.core.db_util import claim_keys
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.notifications import notify_many
from govhub.services.tasks.access import access_task
from govhub.services.tasks.actions import clean_text

OVERDUE_CATCH_UP_DAYS = 3


def reminder_days() -> list[int]:
    """Days before a deadline to remind, largest first (setting ``reminder_days``, e.g. "3,1")."""
    days = {int(d) for d in get_settings().reminder_days.split(",") if d.strip().isdigit() and int(d) > 0}
    return sorted(days, reverse=True)


def _public_url(path: str) -> str:
    base = (get_settings().public_url or "").rstrip("/")
    return f"{base}{path}" if base else path


@dataclass
class Effect:
    """One reminder to deliver: who, what kind, the notification's parameters, and its exactly-once key."""

    key: str
    official_id: int
    kind: str
    task_id: int | None
    link: str
    params: dict


def _deliver(session: Session, effects: list[Effect]) -> list[Effect]:
    """Claim the keys; for those this call claimed, write the notifications and queue the e-mails (in the
    caller's transaction). Returns the effects delivered now."""
    if not effects:
        return []
    now = clock.now()
    claimed = claim_keys(session, JobEffect, "key", [{"key": e.key, "at": now} for e in effects])
    fresh = [e for e in effects if e.key in claimed]
    if not fresh:
        return []
    notify_many(session, [{"recipient_id": e.official_id, "kind": e.kind, "task_id": e.task_id, "actor_id": None,
                           "params": json.dumps(e.params, ensure_ascii=False, default=str)[:1000], "link": e.link}
                          for e in fresh])
    people = {o.id: o for o in session.exec(select(Official).where(
        Official.id.in_({e.official_id for e in fresh}))).all()}
    mails = []
    for e in fresh:
        person = people.get(e.official_id)
        if person is None or not person.email:
            continue
        subject, body = mail.compose(e.kind, person.locale or "vi", name=person.full_name, url=_public_url(e.link),
                                     **e.params)
        mails.append({"to": person.email, "subject": subject, "body": body})
    mail.enqueue_many(session, mails)
    return fresh


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def deadline_effects(session: Session, today: date) -> list[Effect]:
    """What is due to be sent today: "due in N days", "due today", "overdue" (with a catch-up window, so a day
    the job did not run is not lost). Keys carry the deadline, so an extended task is reminded again."""
    days = reminder_days()
    windows: list[tuple[str, int, int, int]] = []  # (kind, days label, lowest, highest days left)
    for i, d in enumerate(days):
        lower = days[i + 1] + 1 if i + 1 < len(days) else 1
        windows.append(("deadline_soon", d, lower, d))
    effects: list[Effect] = []
    horizon = today + timedelta(days=max(days, default=0))
    rows = session.exec(select(Task).where(
        Task.state.in_(OPEN_STATES), Task.state != "submitted", Task.deadline.is_not(None),
        Task.deadline >= today - timedelta(days=OVERDUE_CATCH_UP_DAYS), Task.deadline <= horizon)).all()
    for task in rows:
        left = (task.deadline - today).days
        params = {"title": task.title, "deadline": _fmt(task.deadline)}
        link = task_url(task.id)
        if left < 0:
            for who in {task.owner_id, task.assigner_id} - {None}:
                effects.append(Effect(f"overdue:{task.id}:{task.deadline}:{who}", who, "overdue", task.id, link,
                                      params))
            continue
        if task.owner_id is None:
            continue
        if left == 0:
            effects.append(Effect(f"due0:{task.id}:{task.deadline}:{task.owner_id}", task.owner_id, "deadline_today",
                                  task.id, link, params))
            continue
        for kind, label, low, high in windows:
            if low <= left <= high:
                effects.append(Effect(f"due{label}:{task.id}:{task.deadline}:{task.owner_id}", task.owner_id, kind,
                                      task.id, link, {**params, "days": left}))
    return effects


def do_send_deadline_reminders(session: Session, now: datetime | None = None) -> int:
    """The deadline job: deliver today's reminders not yet delivered; how many were delivered now."""
    today = clock.local_date(now or clock.now())
    return len(_deliver(session, deadline_effects(session, today)))


def digest_effects(session: Session, today: date) -> list[Effect]:
    """One morning digest per unit head whose unit has open tasks: how many, how many overdue or due soon."""
    soon = today + timedelta(days=3)
    counts = session.exec(select(
        Task.lead_unit_id, func.count(),
        func.sum(case((Task.deadline < today, 1), else_=0)),
        func.sum(case(((Task.deadline >= today) & (Task.deadline <= soon), 1), else_=0)),
    ).where(Task.state.in_(OPEN_STATES)).group_by(Task.lead_unit_id)).all()
    by_unit = {u: (n, int(o or 0), int(s or 0)) for u, n, o, s in counts}
    if not by_unit:
        return []
    heads = session.exec(select(Official.id, Official.unit_id).join(Position, Position.id == Official.position_id)
                         .where(Official.unit_id.in_(list(by_unit)), Official.active.is_(True),
                                Position.is_head.is_(True))).all()
    effects = []
    for official_id, unit_id in heads:
        n, overdue, due_soon = by_unit[unit_id]
        effects.append(Effect(f"digest:{today}:{official_id}", official_id, "digest", None, "/",
                              {"open": n, "overdue": overdue, "due_soon": due_soon, "date": _fmt(today)}))
    return effects


def do_send_digests(session: Session, now: datetime | None = None) -> int:
    """The morning digest (07:30 city time); once a day per head, however often it runs."""
    today = clock.local_date(now or clock.now())
    return len(_deliver(session, digest_effects(session, today)))


def do_remind_me(session: Session, actor: Official, task_id: int, at: datetime, note: str = "") -> PersonalReminder:
    """A personal reminder about a task I may see, at a moment in the coming year."""
    note = clean_text(note, 500)
    task = access_task(session, actor, int(task_id))
    if at.tzinfo is None:
        at = at.replace(tzinfo=clock.city_zone())
    now = clock.now()
    if not now < at <= now + timedelta(days=366):
        raise Invalid("reminders.error.when")
    reminder = PersonalReminder(official_id=actor.id, task_id=task.id, remind_at=at, note=note, created_at=now)
    session.add(reminder)
    session.flush()
    # Audited as the reminder's own object: it is private, and stays out of the task's shared history.
    audit.record(session, "reminder.created", actor_id=actor.id, object_type="reminder", object_id=reminder.id,
                 detail={"task": task.id, "at": at.isoformat()})
    return reminder


@dataclass
class ReminderRow:
    """One of my reminders still to come, as the task page lists it."""

    id: int
    at: str  # city time, "HH:MM dd/mm/YYYY"
    note: str


def pending_reminders(session: Session, actor: Official, task_id: int, limit: int = 20) -> list[ReminderRow]:
    """My reminders about this task not yet sent, soonest first (only mine: nobody sees another's)."""
    rows = session.exec(select(PersonalReminder).where(
        PersonalReminder.official_id == actor.id, PersonalReminder.task_id == int(task_id),
        PersonalReminder.sent_at.is_(None)).order_by(PersonalReminder.remind_at, PersonalReminder.id)
        .limit(limit)).all()
    return [ReminderRow(id=r.id, at=r.remind_at.astimezone(clock.city_zone()).strftime("%H:%M %d/%m/%Y"),
                        note=r.note) for r in rows]


def do_cancel_reminder(session: Session, actor: Official, reminder_id: int) -> None:
    """Drop one of my reminders that has not been sent yet."""
    reminder = session.get(PersonalReminder, int(reminder_id))
    if reminder is None or reminder.official_id != actor.id or reminder.sent_at is not None:
        raise NotFound()
    audit.record(session, "reminder.cancelled", actor_id=actor.id, object_type="reminder", object_id=reminder.id,
                 detail={"task": reminder.task_id, "at": reminder.remind_at.isoformat()})
    session.delete(reminder)


def do_send_personal_reminders(session: Session, now: datetime | None = None) -> int:
    """Deliver personal reminders whose time has come."""
    now = now or clock.now()
    due = session.exec(select(PersonalReminder, Task.title).join(Task, Task.id == PersonalReminder.task_id).where(
        PersonalReminder.sent_at.is_(None), PersonalReminder.remind_at <= now).limit(500)).all()
    effects = [Effect(f"personal:{r.id}", r.official_id, "personal_reminder", r.task_id, task_url(r.task_id),
                      {"title": title, "note": r.note}) for r, title in due]
    delivered = _deliver(session, effects)
    for r, _ in due:
        r.sent_at = now
        session.add(r)
    return len(delivered)
