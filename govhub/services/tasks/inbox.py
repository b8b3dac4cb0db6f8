"""The work inbox: one list of what needs me now, as a union of item sources, ordered by urgency.

Each source is a SELECT with the same columns; later features (documents awaiting review or signature) add
their own source to ``SOURCES``. Every source is driven by an index on (person, state, deadline)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Integer, Select, String, and_, bindparam, case, func, literal, select, union_all
from sqlmodel import Session

from govhub.models import DocStep, Document, ExtensionRequest, Official, Task, Unit
from govhub.services.core.text import like_escape, search_words
from govhub.services.tasks.status import DUE_SOON_DAYS, due_mark

PAGE_SIZE = 20
KINDS = ("assigned", "processing", "review", "extension", "doc_review", "doc_sign")
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


def _document_source(kind: str, step_kind: str, me: int) -> Select:
    """Documents whose current step waits for me (driven by doc_step's (assignee, state, kind) index);
    task_id is 0 and ref_id the document's id."""
    return (
        select(literal(kind).label("kind"), literal(0).label("task_id"), Document.id.label("ref_id"),
               Document.summary.label("title"), Document.summary_folded.label("folded"),
               Document.deadline.label("deadline"), Document.priority.label("priority"),
               Document.state.label("state"), Document.drafting_unit_id.label("unit_id"))
        .select_from(DocStep).join(Document, Document.id == DocStep.document_id)
        .where(DocStep.assignee_id == me, DocStep.state == "pending", DocStep.kind == step_kind)
    )


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
        .where(ExtensionRequest.decider_id == me, ExtensionRequest.status == "pending",
               Task.state.in_(("new", "received", "in_progress", "returned")))
    ),
    "doc_review": lambda me: _document_source("doc_review", "review", me),
    "doc_sign": lambda me: _document_source("doc_sign", "sign", me),
}


_ME = bindparam("me", type_=Integer)
_TODAY = bindparam("today", type_=Date)
_SOON = bindparam("soon", type_=Date)


@functools.lru_cache(maxsize=256)
def _statements(sources: tuple[str, ...], kinds: tuple[str, ...], due: str, words: int
                ) -> tuple[Select, Select, Select]:
    """The inbox's statements for one shape of request, built once with bound parameters (who, today, the
    search words, the page), so that each request only binds values: building and hashing a union of every
    source is most of the time an inbox page takes otherwise."""
    # The counts per source, each counted where it is read (an index holds the kind's person, state and deadline,
    # so no row needs reading), one row per source.
    def counted(leg: Select) -> Select:
        col = leg.selected_columns
        return leg.with_only_columns(
            col.kind, func.count(), func.count().filter(col.deadline < _TODAY),
            func.count().filter(and_(col.deadline >= _TODAY, col.deadline <= _SOON)), maintain_column_froms=True)

    summary = union_all(*[counted(SOURCES[k](_ME)) for k in sources])

    def filtered(leg: Select) -> Select:
        col = leg.selected_columns
        conds = [col.folded.like(bindparam(f"w{i}", type_=String), escape="\\") for i in range(words)]
        if due == "overdue":
            conds.append(col.deadline < _TODAY)
        elif due == "due_soon":
            conds.append(and_(col.deadline >= _TODAY, col.deadline <= _SOON))
        return leg.where(*conds) if conds else leg

    def urgency(col) -> tuple:  # noqa: ANN001
        # Overdue first, then the nearest deadline, then no deadline: that is the deadline order with empty ones
        # last (every overdue deadline comes before today's), an order the database can read off its indexes.
        return (col.deadline.asc().nulls_last(),
                case((col.priority == "flash", 0), (col.priority == "urgent", 1), else_=2), col.task_id.desc())

    legs = [filtered(SOURCES[k](_ME)) for k in kinds]
    total = select(func.count()).select_from(union_all(*legs).subquery("inbox"))
    # A page is among the first (offset + limit) items of some source, so each source only hands over those.
    top = bindparam("top", type_=Integer)
    tops = [select(*leg.order_by(*urgency(leg.selected_columns)).limit(top).subquery().c) for leg in legs]
    items = union_all(*tops).subquery("inbox")
    rows = (select(items, Unit.name).join(Unit, Unit.id == items.c.unit_id).order_by(*urgency(items.c))
            .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer)))
    return summary, total, rows


def inbox(session: Session, official: Official, today: date, *, kind: str = "", due: str = "", query: str = "",
          page: int = 1, page_size: int = PAGE_SIZE) -> InboxPage:
    """What needs ``official``: overdue first, then the nearest deadline, then the highest priority."""
    if kind and kind not in SOURCES:
        raise ValueError("unknown inbox kind")
    if due not in DUE_FILTERS:
        raise ValueError("unknown due filter")
    page = max(1, min(int(page), 10_000))
    words = search_words(query)
    kinds = (kind,) if kind else tuple(SOURCES)
    summary, total_stmt, rows_stmt = _statements(tuple(SOURCES), kinds, due, len(words))
    soon = today + timedelta(days=DUE_SOON_DAYS)
    params = {"me": official.id, "today": today, "soon": soon,
              **{f"w{i}": f"%{like_escape(w)}%" for i, w in enumerate(words)}}
    per_kind = {k: (n, late, close) for k, n, late, close in session.execute(summary, params).all()}
    counts = {k: per_kind.get(k, (0, 0, 0))[0] for k in SOURCES}
    overdue = sum(v[1] for v in per_kind.values())
    due_soon = sum(v[2] for v in per_kind.values())
    if words:
        total = session.execute(total_stmt, params).scalar_one()
    else:  # the summary already counted it
        column = {"": 0, "overdue": 1, "due_soon": 2}[due]
        total = sum(per_kind.get(k, (0, 0, 0))[column] for k in kinds)
    offset = (page - 1) * page_size
    rows = session.execute(rows_stmt, {**params, "offset": offset, "limit": page_size, "top": offset + page_size}
                           ).all()
    out = [InboxItem(kind=r.kind, task_id=r.task_id, ref_id=r.ref_id, title=r.title, unit_name=r.name,
                     deadline=r.deadline.strftime("%d/%m/%Y") if r.deadline else "", priority=r.priority, state=r.state,
                     mark=due_mark("new" if r.kind != "review" else "submitted", r.deadline, today))
           for r in rows]
    return InboxPage(items=out, total=total, page=page, pages=(total + page_size - 1) // page_size,
                     counts={k: counts.get(k, 0) for k in SOURCES}, overdue=overdue, due_soon=due_soon)


