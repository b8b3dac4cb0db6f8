"""Two officials changing one task (or one directory entry) at the same moment, on real connections with committed
data: exactly one wins, the other gets Conflict, and nothing is lost.

The database is our own (a SQLite file; on PostgreSQL a database made for this module and dropped afterwards),
migrated and seeded with the demo city, because the racing sessions must see each other's commits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from govhub import clock
from govhub.db import make_engine
from govhub.demo.city import seed_demo
from govhub.migrations import upgrade
from govhub.models import AuditEvent, DeadlineChange, Notification, Official, ProgressReport, Task, Unit
from govhub.services.core.errors import Conflict, GovHubError
from govhub.services.org import directory
from govhub.services.tasks import actions as T
from tests.conftest import PG_URL
from tests.pgkit import create_database, drop_database
from tests.serverkit import NO_POSTGRES

SAIGON = "26740"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh, migrated, seeded database of the given kind, with committed data."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.db'}"
    else:
        if not PG_URL:
            pytest.skip(NO_POSTGRES)
        url = create_database("govhub_race")
    upgrade(url)
    eng = make_engine(url)
    with Session(eng) as session:
        seed_demo(session)
        session.commit()
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        drop_database(url)


def who(session: Session, username: str) -> Official:
    return session.exec(select(Official).where(Official.username == username)).one()


def committed(engine: Engine, fn: Callable[[Session], Any]) -> Any:
    """Run ``fn`` in its own committed transaction."""
    with Session(engine, expire_on_commit=False) as session:
        out = fn(session)
        session.commit()
        return out


def load(engine: Engine, task_id: int) -> Task:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Task, task_id)


def count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def race(engine: Engine, actions: list[tuple[str, Callable[[Session, Official], Any]]]) -> list[Any]:
    """Each action in its own thread and session; all start their service call together (a barrier) and
    commit. Returns "ok" or the GovHubError per action, in order."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int, username: str, fn: Callable[[Session, Official], Any]) -> None:
        with Session(engine, expire_on_commit=False) as session:
            actor = who(session, username)
            session.commit()  # no transaction held while waiting
            try:
                barrier.wait(timeout=30)
                fn(session, actor)
                session.commit()
                results[i] = "ok"
            except GovHubError as exc:
                session.rollback()
                results[i] = exc
            except BaseException as exc:  # noqa: BLE001  (reported by the test)
                session.rollback()
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i, u, f)) for i, (u, f) in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    for r in results:
        assert r == "ok" or isinstance(r, GovHubError), repr(r)
    return results


def city_task(engine: Engine, deadline: int | None = 10, by: str = "chutich") -> Task:
    def make(session: Session) -> Task:
        spec = T.NewTask(title="Xử lý đồng thời", deadline=clock.today() + timedelta(days=deadline)
                         if deadline is not None else None)
        ward = session.exec(select(Unit).where(Unit.code == SAIGON)).one()
        return T.do_assign(session, who(session, by), spec, unit_id=ward.id)
    return committed(engine, make)


def task_events(engine: Engine, task_id: int, action: str | None = None) -> int:
    where = [AuditEvent.object_type == "task", AuditEvent.object_id == task_id]
    if action:
        where.append(AuditEvent.action == action)
    return count(engine, AuditEvent, *where)


def wait_until_blocked(engine: Engine, started: threading.Event) -> None:
    """Until another session waits on a row lock (PostgreSQL), or a moment after it started (SQLite)."""
    started.wait(10)
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 10
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND datname = current_database()")).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the other session never blocked")


# ------------------------------------------------------------------------------------------------------ races

def test_two_officials_receive_at_once(engine: Engine) -> None:
    task = city_task(engine)
    v = task.version
    results = race(engine, [
        ("ct.saigon", lambda s, me: T.do_receive(s, me, task.id, v)),
        ("pct1.saigon", lambda s, me: T.do_receive(s, me, task.id, v)),
    ])
    assert sorted(r == "ok" for r in results) == [False, True]
    assert isinstance(next(r for r in results if r != "ok"), Conflict)
    after = load(engine, task.id)
    assert (after.state, after.version) == ("received", v + 1)
    assert task_events(engine, task.id, "task.received") == 1
    assert count(engine, Notification, Notification.task_id == task.id, Notification.kind == "task_received") == 1


def test_report_against_cancel(engine: Engine) -> None:
    task = city_task(engine)
    task = committed(engine, lambda s: T.do_receive(s, who(s, "ct.saigon"), task.id, task.version))
    v, events = task.version, task_events(engine, task.id)
    results = race(engine, [
        ("ct.saigon", lambda s, me: T.do_report(s, me, task.id, v, 60, "Đã làm được hơn nửa")),
        ("chutich", lambda s, me: T.do_cancel(s, me, task.id, v, "Không cần nữa")),
    ])
    assert sorted(r == "ok" for r in results) == [False, True]
    after = load(engine, task.id)
    assert after.version == v + 1 and task_events(engine, task.id) == events + 1
    if results[0] == "ok":
        assert (after.state, after.progress) == ("in_progress", 60)
    else:
        assert (after.state, after.progress) == ("cancelled", 0)
    assert count(engine, ProgressReport, ProgressReport.task_id == task.id) == (results[0] == "ok")


def test_many_reports_at_once_then_the_losers_retry_and_nothing_is_lost(engine: Engine) -> None:
    task = city_task(engine)
    task = committed(engine, lambda s: T.do_receive(s, who(s, "ct.saigon"), task.id, task.version))
    v = task.version
    people = {"ct.saigon": 10, "pct1.saigon": 20, "pct2.saigon": 30}
    results = race(engine, [(u, lambda s, me, p=p: T.do_report(s, me, task.id, v, p, f"Báo cáo {p}%"))
                            for u, p in people.items()])
    assert sum(r == "ok" for r in results) == 1 and all(isinstance(r, Conflict) for r in results if r != "ok")
    winner = [p for (u, p), r in zip(people.items(), results, strict=True) if r == "ok"][0]
    assert load(engine, task.id).progress == winner
    for (username, p), r in zip(people.items(), results, strict=True):  # reload, try again: it goes through
        if r != "ok":
            committed(engine, lambda s, u=username, p=p: T.do_report(
                s, who(s, u), task.id, s.get(Task, task.id).version, p, f"Báo cáo {p}%"))
    after = load(engine, task.id)
    assert after.version == v + 3
    assert sorted(count(engine, ProgressReport, ProgressReport.task_id == task.id, ProgressReport.percent == p)
                  for p in people.values()) == [1, 1, 1]
    assert task_events(engine, task.id, "task.progress") == 3


def test_two_deciders_on_one_extension_request(engine: Engine) -> None:
    task = city_task(engine, deadline=5, by="pct1")

    def ask(s: Session):  # noqa: ANN202
        ct = who(s, "ct.saigon")
        t = T.do_receive(s, ct, task.id, task.version)
        return T.do_request_extension(s, ct, t.id, t.version, t.deadline + timedelta(days=10), "Chờ số liệu")

    request = committed(engine, ask)
    changes = count(engine, DeadlineChange, DeadlineChange.task_id == task.id)
    results = race(engine, [
        ("pct1", lambda s, me: T.do_decide_extension(s, me, request.id, True, "Đồng ý")),
        ("chutich", lambda s, me: T.do_decide_extension(s, me, request.id, False, "Không")),
    ])
    assert sorted(r == "ok" for r in results) == [False, True]
    assert isinstance(next(r for r in results if r != "ok"), Conflict)
    after = load(engine, task.id)
    approved = results[0] == "ok"
    assert after.deadline == (request.proposed_deadline if approved else request.old_deadline)
    assert count(engine, DeadlineChange, DeadlineChange.task_id == task.id) == changes + approved
    assert task_events(engine, task.id, "task.extension_approved") == approved
    assert task_events(engine, task.id, "task.extension_rejected") == (not approved)


# ---------------------------------------------------------------------------- interleavings around a cascade

def _in_background(engine: Engine, username: str, fn: Callable[[Session, Official], Any]
                   ) -> tuple[threading.Thread, threading.Event, list[Any]]:
    started, out = threading.Event(), []

    def run() -> None:
        with Session(engine, expire_on_commit=False) as session:
            actor = who(session, username)
            session.commit()
            started.set()
            try:
                fn(session, actor)
                session.commit()
                out.append("ok")
            except BaseException as exc:  # noqa: BLE001
                session.rollback()
                out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, started, out


def _ward_tree(engine: Engine) -> tuple[Task, Task]:
    """chutich → Phường Sài Gòn (received), and a sub-task to its office division (received)."""
    root = city_task(engine)

    def build(s: Session) -> Task:
        ct, tp1 = who(s, "ct.saigon"), who(s, "tp1.saigon")
        r = T.do_receive(s, ct, root.id, root.version)
        p1 = s.exec(select(Unit).where(Unit.code == f"{SAIGON}-P1")).one()
        child = T.do_delegate(s, ct, r.id, r.version, T.NewTask(title="Phần của văn phòng"), unit_id=p1.id)
        return T.do_receive(s, tp1, child.id, child.version)

    child = committed(engine, build)
    return load(engine, root.id), child


def test_a_sub_task_accepted_while_its_parent_is_cancelled_stays_accepted(engine: Engine) -> None:
    root, child = _ward_tree(engine)
    child = committed(engine, lambda s: T.do_submit(s, who(s, "tp1.saigon"), child.id, child.version, "Xong"))
    with Session(engine, expire_on_commit=False) as accepting:  # holds the sub-task's row until it commits
        T.do_accept(accepting, who(accepting, "ct.saigon"), child.id, child.version)
        accepting.flush()
        thread, started, out = _in_background(
            engine, "chutich", lambda s, me: T.do_cancel(s, me, root.id, root.version, "Giao đơn vị khác"))
        wait_until_blocked(engine, started)
        accepting.commit()
    thread.join(30)
    assert out == ["ok"]
    assert load(engine, root.id).state == "cancelled"
    assert load(engine, child.id).state == "accepted"  # not overwritten by the cascade
    assert task_events(engine, child.id, "task.cancelled") == 0


def test_a_sub_task_delegated_while_the_root_is_cancelled_is_cancelled_too(engine: Engine) -> None:
    root, child = _ward_tree(engine)
    with Session(engine, expire_on_commit=False) as delegating:
        tp1 = who(delegating, "tp1.saigon")
        grandchild = T.do_delegate(delegating, tp1, child.id, child.version, T.NewTask(title="Phần của chuyên viên"),
                                   official_id=who(delegating, "cv.saigon").id)
        delegating.flush()
        thread, started, out = _in_background(
            engine, "chutich", lambda s, me: T.do_cancel(s, me, root.id, root.version, "Giao đơn vị khác"))
        wait_until_blocked(engine, started)
        delegating.commit()
    thread.join(30)
    assert out == ["ok"]
    states = {t: load(engine, t).state for t in (root.id, child.id, grandchild.id)}
    assert states == {root.id: "cancelled", child.id: "cancelled", grandchild.id: "cancelled"}
    assert count(engine, Task, Task.parent_id == child.id, Task.state != "cancelled") == 0


# --- one directory entry, two editors ---------------------------------------------------------------------


def _edit_entry(username: str, target_id: int, version: int, phone: str) -> Callable[[Session], Any]:
    """An edit of the entry's phone by ``username``, at the version that official's page showed."""
    def edit(session: Session) -> Any:
        target = session.get(Official, target_id)
        return directory.do_update_contact(session, who(session, username), target_id, version=version,
                                           full_name=target.full_name, phone=phone, email=target.email,
                                           position_id=target.position_id)
    return edit


def entry_events(engine: Engine, target_id: int) -> int:
    return count(engine, AuditEvent, AuditEvent.object_type == "official", AuditEvent.object_id == target_id)


def test_a_directory_edit_at_a_stale_version_is_a_conflict_on_committed_data(engine: Engine) -> None:
    """Both editors loaded the entry at one version; the second to save gets Conflict, even on SQLite, where the
    row lock the old compare relied on does not exist."""
    with Session(engine, expire_on_commit=False) as late:
        target = who(late, "cv.saigon")
        target_id, seen, events = target.id, target.version, entry_events(engine, target.id)
        committed(engine, _edit_entry("tp1.saigon", target_id, seen, "0909 111 001"))
        with pytest.raises(Conflict):
            _edit_entry("tp1.saigon", target_id, seen, "0909 111 002")(late)
        late.rollback()
    stored = load_official(engine, target_id)
    assert (stored.phone, stored.version) == ("0909 111 001", seen + 1)
    assert entry_events(engine, target_id) == events + 1


def test_two_directory_edits_at_once_one_wins(engine: Engine) -> None:
    target = committed(engine, lambda s: who(s, "cv.saigon"))
    seen, events = target.version, entry_events(engine, target.id)
    results = race(engine, [(name, lambda s, _a, name=name, phone=phone: _edit_entry(name, target.id, seen, phone)(s))
                            for name, phone in (("tp1.saigon", "0909 222 001"), ("admin", "0909 222 002"))])
    assert results.count("ok") == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    stored = load_official(engine, target.id)
    assert stored.version == seen + 1
    assert stored.phone == ("0909 222 001" if results[0] == "ok" else "0909 222 002")
    assert entry_events(engine, target.id) == events + 1


def load_official(engine: Engine, official_id: int) -> Official:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Official, official_id)
