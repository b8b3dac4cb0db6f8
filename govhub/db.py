"""Database engine and sessions, shared by the app, the CLI and the jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from govhub.config import get_settings

T = TypeVar("T")


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """An engine with the pragmas and pool settings GovHub relies on."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA mmap_size=268435456")  # scans of the directory and inbox read from the page cache
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        return engine
    # No ping on every checkout (a round trip per event): connections are replaced after half an hour, a
    # disconnect seen by any statement makes the pool replace every older connection, and each event's first
    # statement (the identity look-up, read only) is retried once on a fresh connection (``read_retrying``).
    return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


def new_session(engine: Engine | None = None) -> Session:
    """A session on the process-wide engine (or ``engine``) that keeps its objects readable after commit."""
    return Session(engine or get_engine(), expire_on_commit=False)


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit ``session`` on success, roll it back on any error, close it either way."""
    with session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def session_scope(engine: Engine | None = None) -> AbstractContextManager[Session]:
    """A session that commits on success and rolls back on any error."""
    return transaction(new_session(engine))


def read_retrying(session: Session, read: Callable[[Session], T]) -> T:
    """``read(session)`` as the first, read-only statement of ``session``'s transaction, tried once more on a fresh
    connection when the first one turns out dead (the database restarted, or dropped an idle connection)."""
    try:
        return read(session)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        session.rollback()
        return read(session)


def safe_url(url: str) -> str:
    """The URL with any password hidden, for display."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)
