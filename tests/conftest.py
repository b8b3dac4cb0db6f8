"""Shared fixtures: a migrated, seeded database per backend (SQLite always, PostgreSQL when configured),
and a session per test inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="govhub-test-"))
os.environ["GOVHUB_ENV"] = "test"
os.environ.setdefault("GOVHUB_DATABASE_URL", f"sqlite:///{_TMP / 'app.db'}")

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from govhub.db import make_engine  # noqa: E402
from govhub.demo.city import seed_demo  # noqa: E402
from govhub.migrations import upgrade  # noqa: E402
from govhub.models import Official  # noqa: E402

PG_URL = os.environ.get("GOVHUB_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema of a test database."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def backend_url(name: str, tmp: Path) -> str:
    """A fresh, empty database of the given kind."""
    if name == "sqlite":
        return f"sqlite:///{tmp / 'unit.db'}"
    if not PG_URL:
        pytest.skip("GOVHUB_TEST_DATABASE_URL is not set")
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database holding the demo city, once per backend."""
    url = backend_url(request.param, tmp_path_factory.mktemp(request.param))
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def session(seeded_engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    conn = seeded_engine.connect()
    outer = conn.begin()
    db = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def official(session: Session):
    """Look up a demo official by username."""

    def get(username: str) -> Official:
        found = session.exec(select(Official).where(Official.username == username)).first()
        assert found is not None, username
        return found

    return get
