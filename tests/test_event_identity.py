"""One identity look-up per event: ``guarded`` finds the official behind the session cookie once, in the transaction
the handler's first service call continues; the pool does not ping on checkout, and an event still succeeds after
the database dropped every connection (a restart), by retrying its first, read-only statement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import govhub.db
from govhub.db import make_engine
from govhub.demo.city import seed_demo
from govhub.migrations import upgrade
from govhub.models import Official
from govhub.services.identity.auth import do_start_session
from govhub.state.base import AppState, guarded
from govhub.state.tasks import InboxState
from tests.conftest import PG_URL
from tests.pgkit import create_database, drop_database
from tests.serverkit import NO_POSTGRES
from tests.statekit import call, is_login_redirect, make_root, run, substate


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated demo city that the state layer uses as its database (``govhub.db.get_engine``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('events') / 'events.db'}"
    elif not PG_URL:
        pytest.skip(NO_POSTGRES)
    else:
        url = create_database("govhub_events")
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(govhub.db, "get_engine", lambda: engine)
        yield engine
    engine.dispose()
    if request.param == "postgresql":
        drop_database(url)


@pytest.fixture
def token(app_engine: Engine) -> str:
    with Session(app_engine, expire_on_commit=False) as session:
        official = session.exec(select(Official).where(Official.username == "cv.saigon")).one()
        cookie = do_start_session(session, official)
        session.commit()
    return cookie


@dataclass
class Traffic:
    """What an event sent to the database: session look-ups, pool checkouts (one per transaction), commits."""

    lookups: int = 0
    checkouts: int = 0
    commits: int = 0
    statements: list[str] = field(default_factory=list)


def watched(engine: Engine, fn) -> Traffic:  # noqa: ANN001
    seen = Traffic()

    def on_statement(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        seen.statements.append(statement)
        seen.lookups += "FROM auth_session" in statement

    def on_checkout(*_args) -> None:  # noqa: ANN002
        seen.checkouts += 1

    def on_commit(_conn) -> None:  # noqa: ANN001
        seen.commits += 1

    hooks = [(engine, "before_cursor_execute", on_statement), (engine.pool, "checkout", on_checkout),
             (engine, "commit", on_commit)]
    for target, name, hook in hooks:
        event.listen(target, name, hook)
    try:
        run(fn())
    finally:
        for target, name, hook in hooks:
            event.remove(target, name, hook)
    return seen


def test_an_event_looks_the_official_up_once_in_one_transaction(app_engine: Engine, token: str) -> None:
    root = make_root(token)
    seen = watched(app_engine, lambda: call(root, InboxState, "load"))
    assert substate(root, InboxState).loaded and substate(root, InboxState).items
    assert (seen.lookups, seen.checkouts, seen.commits) == (1, 1, 1), seen.statements
    assert app_engine.pool.checkedout() == 0


def test_a_handler_that_asks_nothing_still_checks_and_closes(app_engine: Engine, token: str) -> None:
    ran: list[int] = []

    async def nothing(self: AppState) -> None:
        ran.append(1)

    state = substate(make_root(token), InboxState)
    seen = watched(app_engine, lambda: guarded(nothing)(state))
    assert ran == [1] and (seen.lookups, seen.checkouts) == (1, 1)
    assert app_engine.pool.checkedout() == 0


def test_a_second_call_of_the_same_event_reuses_who_is_asking(app_engine: Engine, token: str) -> None:
    actors: list[str] = []

    async def twice(self: AppState) -> None:
        for _ in range(2):
            actors.append(await self._call(lambda _session, actor: actor.username))

    state = substate(make_root(token), InboxState)
    seen = watched(app_engine, lambda: guarded(twice)(state))
    assert actors == ["cv.saigon", "cv.saigon"]
    assert (seen.lookups, seen.checkouts, seen.commits) == (1, 2, 2)


def test_without_a_live_session_nothing_runs(app_engine: Engine) -> None:
    ran: list[int] = []

    async def body(self: AppState) -> None:
        ran.append(1)

    state = substate(make_root("not-a-session"), InboxState)
    seen = watched(app_engine, lambda: guarded(body)(state))
    assert ran == [] and seen.lookups == 1
    assert app_engine.pool.checkedout() == 0
    events: list = []
    run(_collect(guarded(body)(state), events))
    assert len(events) == 1 and is_login_redirect(events[0])


async def _collect(coro, into: list) -> None:  # noqa: ANN001
    into.append(await coro)


def test_the_pool_does_not_ping_on_checkout() -> None:
    assert not make_engine("postgresql://nobody@127.0.0.1:1/none").pool._pre_ping


def test_an_event_succeeds_after_the_database_dropped_every_connection(app_engine: Engine, token: str,
                                                                        tmp_path: Path) -> None:
    """As after a restart of PostgreSQL: the pooled connections are dead; the event's first statement (the
    read-only identity look-up) fails on one, the pool replaces them, the look-up runs again, the event succeeds."""
    if app_engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server ends connections; an SQLite file has none to end")
    root = make_root(token)
    run(call(root, InboxState, "load"))
    assert app_engine.pool.checkedin() >= 1
    database = app_engine.url.database
    admin = make_engine(app_engine.url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect() as conn:
            ended = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database}).scalar()
    finally:
        admin.dispose()
    assert ended >= 1
    state = substate(root, InboxState)
    state.loaded, state.items = False, []
    events = run(call(root, InboxState, "load"))
    assert state.loaded and state.items and state.notice.level != "error", events
