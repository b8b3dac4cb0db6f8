"""Benchmark of the conversation list for an official with ~500 conversations, on SQLite and PostgreSQL.

What it measures
    ``messaging.conversations.conversations(session, official, query, limit)`` -- the function behind the list on
    /messages, read again on every live message -- for the chairman of the demo city given ~500 more
    conversations (~700 in all): case groups of two city-wide quick assignments (184 wards each), 100 direct
    conversations and 30 groups, their last activity spread over a year, unread messages in some. Around them,
    200,000 other officials' conversations (``--filler``; 400,000 memberships and messages), so that the database
    must find his through the indexes. Cases: the first page (50 rows), the whole list after "more" up to 550, and
    searches (a word of many case groups, a direct conversation's person without diacritics, a miss). Each call
    runs in a fresh session, as a request does; the table shows p50 and p95 wall time, the rows returned and the
    statements sent (one, whatever the number of conversations).

    The floor: the very SQL the call sends (captured with SQLAlchemy's ``before_cursor_execute`` event) replayed
    on a raw DB-API cursor, every row fetched. The gap between the two is ORM and Python overhead.

How to run
    .venv/bin/python bench/conversations.py                            # SQLite only, /tmp/govhub-bench-conv.db
    GOVHUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/govhub_bench_conv \\
        .venv/bin/python bench/conversations.py --repeat 30           # SQLite and PostgreSQL

    The first run on a database migrates and seeds it (the demo city, then the chairman's conversations); later
    runs find them there. The PostgreSQL database must exist and hold nothing but GovHub's tables.

Timings are wall-clock (``time.perf_counter``) on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import timedelta

from _kit import add_backend_args, backends, captured_sql, percentile, print_overall, time_with_floor
from sqlalchemy import func, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from govhub import clock
from govhub.db import make_engine, safe_url
from govhub.demo.city import seed_demo
from govhub.migrations import upgrade
from govhub.models import Conversation, ConversationMember, Message, Official
from govhub.services.core.text import fold
from govhub.services.messaging import conversations as messages
from govhub.services.tasks import actions as tasks
from govhub.services.tasks import quick_assign
from govhub.services.tasks.quick_assign import DirectiveSpec

WHO = "chutich"
WANTED = 500


@dataclass
class Case:
    """One list call: its search and how many rows it asks for."""

    kind: str
    query: str
    limit: int
    total: int = 0
    statements: int = 0
    app_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)


def chairman(session: Session) -> Official:
    """The official whose list is timed."""
    return session.exec(select(Official).where(Official.username == WHO)).one()


def membership_count(engine: Engine) -> int:
    """How many conversations the chairman belongs to."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ConversationMember).where(
            ConversationMember.official_id == chairman(session).id)).one()


def add_filler(session: Session, count: int, rng: random.Random) -> None:
    """``count`` group conversations of two other officials with two messages each, so that the tables are of a
    size where the planner must use the indexes (the chairman's memberships are a sliver of them)."""
    people = session.exec(select(Official.id).where(Official.username != WHO)).all()
    first = (session.exec(select(func.max(Conversation.id))).one() or 0) + 1
    now = clock.now()
    for start in range(0, count, 10_000):
        ids = range(first + start, first + min(start + 10_000, count))
        pairs = {cid: rng.sample(people, 2) for cid in ids}
        session.execute(Conversation.__table__.insert(), [
            {"id": cid, "kind": "group", "title": f"Nhóm phối hợp {cid}", "title_folded": f"nhom phoi hop {cid}",
             "task_id": None, "direct_key": None, "created_by_id": a, "created_at": now,
             "last_message_at": now - timedelta(minutes=rng.randrange(525_600))} for cid, (a, _b) in pairs.items()])
        session.execute(ConversationMember.__table__.insert(), [
            {"conversation_id": cid, "official_id": o, "last_read_id": 0, "joined_at": now}
            for cid, pair in pairs.items() for o in pair])
        session.execute(Message.__table__.insert(), [
            {"conversation_id": cid, "author_id": o, "kind": "text", "body": "Đã nhận.", "body_folded": "da nhan",
             "created_at": now} for cid, pair in pairs.items() for o in pair])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval('conversation_id_seq', (SELECT max(id) FROM conversation))"))


def build(url: str, filler: int) -> Engine:
    """Migrate and seed the demo city, then give the chairman ~500 conversations and everyone else ``filler``
    (unless already there)."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    if membership_count(engine) >= WANTED:
        return engine
    rng = random.Random(2026)
    with Session(engine) as session:
        add_filler(session, filler, rng)
        me = chairman(session)
        wards = quick_assign.preset_ids(session, me, "all")
        for title in ("Kiểm tra công tác phòng chống ngập úng mùa mưa", "Rà soát hồ sơ đất đai tồn đọng"):
            quick_assign.do_quick_assign(session, me, DirectiveSpec(source="city_pc", number="9/TB-VP"),
                                         tasks.NewTask(title=title), wards)
        people = session.exec(select(Official).where(Official.active.is_(True), Official.id != me.id)
                              .order_by(Official.id)).all()
        others = rng.sample(people, 130)
        directs = [messages.do_direct(session, me, p.id) for p in others[:100]]
        groups = [messages.do_create_group(session, me, f"Tổ công tác chuyên đề số {i}", [p.id])
                  for i, p in enumerate(others[100:])]
        for conversation, person in list(zip(directs, others, strict=False))[:40]:
            messages.do_send(session, person, conversation.id, "Kính gửi đồng chí Chủ tịch, xin báo cáo.")
        for group in groups[:10]:
            messages.do_send(session, me, group.id, "Đề nghị báo cáo tiến độ.")
        ids = session.exec(select(ConversationMember.conversation_id).where(
            ConversationMember.official_id == me.id)).all()
        now = clock.now()
        session.execute(update(Conversation), [  # by primary key: last activity spread over a year
            {"id": cid, "last_message_at": now - timedelta(minutes=rng.randrange(525_600))} for cid in ids])
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return engine


def cases(engine: Engine) -> list[Case]:
    """The list calls worth timing (one search names the person of his oldest direct conversation)."""
    with Session(engine) as session:
        me = chairman(session)
        person = session.exec(select(Official.full_name).join(
            ConversationMember, ConversationMember.official_id == Official.id).join(
            Conversation, Conversation.id == ConversationMember.conversation_id).where(
            Conversation.kind == "direct", Official.id != me.id).order_by(Conversation.id)).first()
    return [
        Case("first page", "", messages.LIST_PAGE),
        Case("all, after 'more'", "", 550),
        Case("search, many case groups", "ngap ung", messages.LIST_PAGE),
        Case("search, a person", fold(person), messages.LIST_PAGE),
        Case("search, no match", "zzyzx", messages.LIST_PAGE),
    ]


def run_list(engine: Engine, case: Case) -> int:
    """One list the way a request builds it: a fresh session, the rows, the session closed."""
    with Session(engine, expire_on_commit=False) as session:
        return len(messages.conversations(session, chairman(session), case.query, case.limit).rows)


def bench_backend(engine: Engine, repeat: int) -> list[Case]:
    """Count each case's statements, then warm up and time it ``repeat`` times, and as raw SQL."""
    items = cases(engine)
    for case in items:  # the list's own statements (the chairman's lookup is the request's)
        with Session(engine, expire_on_commit=False) as session:
            me = chairman(session)
            case.statements = len(captured_sql(engine, lambda c=case, s=session, m=me: messages.conversations(
                s, m, c.query, c.limit)))
    time_with_floor(engine, items, lambda c: run_list(engine, c), warm_up=3, repeat=repeat)
    return items


def print_table(backend: str, items: list[Case], memberships: int) -> None:
    """One line per case."""
    head = f"{'backend':<10} {'case':<26} {'rows':>5} {'stmts':>5} {'p50':>7} {'p95':>7} {'floor50':>8} {'floor95':>8}"
    print(f"{WHO}: {memberships} conversations")
    print(head)
    print("-" * len(head))
    for c in items:
        print(f"{backend:<10} {c.kind:<26} {c.total:5d} {c.statements:5d} {percentile(c.app_ms, 50):7.1f} "
              f"{percentile(c.app_ms, 95):7.1f} {percentile(c.floor_ms, 50):8.1f} {percentile(c.floor_ms, 95):8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backend_args(parser, "govhub-bench-conv.db")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each case")
    parser.add_argument("--filler", type=int, default=200_000, help="other officials' conversations in the data set")
    args = parser.parse_args(argv)

    summary: list[tuple[str, list[Case]]] = []
    for name, url in backends(args):
        print(f"\n{name}: {safe_url(url)}")
        engine = build(url, args.filler)
        try:
            items = bench_backend(engine, args.repeat)
            memberships = membership_count(engine)
        finally:
            engine.dispose()
        print()
        print_table(name, items, memberships)
        summary.append((name, items))
    print_overall(f"\noverall, {args.repeat} runs of each case per backend, ms", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
