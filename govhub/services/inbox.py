"""The work inbox: one list of what needs me now, as a union of item sources, ordered by urgency.

Each source is a SELECT with the same columns; later features (documents awaiting review or signature) add
their own source to ``SOURCES``. Every source is driven by an index on (person, state, deadline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, func, literal, select, union_all
from sqlmodel import Session

from govhub.models import ExtensionRequest, Official, Task, Unit
from govhub.services.task_status import DUE_SOON_DAYS, due_mark
from govhub.services.text import like_escape, search_words

PAGE_SIZE = 20
KINDS = ("assigned", "processing", "review", "extension")
DUE_FILTERS = ("", "overdue", "due_soon")


@dataclass
class InboxItem:
    """One thing that needs the official, as the inbox shows it."""

    kind: str
    task_id: int
    ref_id: int
    title: str
    unit_name: str
    deadline: str
    priority: str
    state: str
    mark: str


@dataclass
class InboxPage:
    """A page of the inbox with the counts per kind."""

    items: list[InboxItem]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    overdue: int
    due_soon: int


def _task_source(kind: str, where: Callable[[int], object], unit_col) -> Callable[[int], Select]:  # noqa: ANN001
    def source(me: int) -> Select:
        return (
            select(literal(kind).label("kind"), Task.id.label("task_id"), Task.id.label("ref_id"),
                   Task.title.label("title"), Task.title_folded.label("folded"), Task.deadline.label("deadline"),
                   Task.priority.label("priority"), Task.state.label("state"), unit_col.label("unit_id"))
            .where(where(me))
        )
    return source


SOURCES: dict[str, Callable[[int], Select]] = {
    "assigned": _task_source("assigned", lambda me: and_(Task.owner_id == me, Task.state == "new"),
                             Task.assigner_unit_id),
    "processing": _task_source("processing", lambda me: and_(
        Task.owner_id == me, Task.state.in_(("received", "in_progress", "returned"))), Task.assigner_unit_id),
    "review": _task_source("review", lambda me: and_(Task.assigner_id == me, Task.state == "submitted"),
                           Task.lead_unit_id),
    "extension": lambda me: (
        select(literal("extension").label("kind"), Task.id.label("task_id"), ExtensionRequest.id.label("ref_id"),
               Task.title.label("title"), Task.title_folded.label("folded"), Task.deadline.label("deadline"),
               Task.priority.label("priority"), Task.state.label("state"), Task.lead_unit_id.label("unit_id"))
        .join(Task, Task.id == ExtensionRequest.task_id)
        .where(ExtensionRequest.decider_id == me, ExtensionRequest.status == "pending")
    ),
}


def _union(me: int, kinds: list[str]):  # noqa: ANN202
    return union_all(*[SOURCES[k](me) for k in kinds]).subquery("inbox")


def inbox(session: Session, official: Official, today: date, *, kind: str = "", due: str = "", query: str = "",
          page: int = 1, page_size: int = PAGE_SIZE) -> InboxPage:
    """What needs ``official``: overdue first, then the nearest deadline, then the highest priority."""
    if kind and kind not in SOURCES:
        raise ValueError("unknown inbox kind")
    if due not in DUE_FILTERS:
        raise ValueError("unknown due filter")
    page = max(1, min(int(page), 10_000))
    all_items = _union(official.id, list(SOURCES))
    counts = dict(session.execute(select(all_items.c.kind, func.count()).group_by(all_items.c.kind)).all())
    soon = today + timedelta(days=DUE_SOON_DAYS)
    overdue, due_soon = session.execute(select(
        func.count().filter(all_items.c.deadline < today),
        func.count().filter(and_(all_items.c.deadline >= today, all_items.c.deadline <= soon)),
    )).one()
    items = _union(official.id, [kind] if kind else list(SOURCES))
    conds = [items.c.folded.like(f"%{like_escape(w)}%", escape="\\") for w in search_words(query)]
    if due == "overdue":
        conds.append(items.c.deadline < today)
    elif due == "due_soon":
        conds.append(and_(items.c.deadline >= today, items.c.deadline <= soon))
    where = and_(*conds) if conds else literal(True)
    total = session.execute(select(func.count()).select_from(items).where(where)).scalar_one()
    urgency = (
        case((items.c.deadline < today, 0), else_=1),
        case((items.c.deadline.is_(None), 1), else_=0),
        items.c.deadline,
        case((items.c.priority == "flash", 0), (items.c.priority == "urgent", 1), else_=2),
        items.c.task_id.desc(),
    )
    rows = session.execute(
        select(items, Unit.name).join(Unit, Unit.id == items.c.unit_id).where(where).order_by(*urgency)
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    out = [InboxItem(kind=r.kind, task_id=r.task_id, ref_id=r.ref_id, title=r.title, unit_name=r.name,
                     deadline=r.deadline.strftime("%d/%m/%Y") if r.deadline else "", priority=r.priority, state=r.state,
                     mark=due_mark("new" if r.kind != "review" else "submitted", r.deadline, today))
           for r in rows]
    return InboxPage(items=out, total=total, page=page, pages=(total + page_size - 1) // page_size,
                     counts={k: counts.get(k, 0) for k in SOURCES}, overdue=overdue, due_soon=due_soon)


