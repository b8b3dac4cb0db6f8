"""Shared fixtures: a migrated, seeded database per backend (SQLite always, PostgreSQL when a server answers: see
tests/serverkit.py), and a session per test inside a transaction that is rolled back afterwards. At the end, a list
of what was skipped and why; under CI=true a skip for a missing server fails the run."""

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
from tests.serverkit import MISSING_SERVER_REASONS, NO_POSTGRES, in_ci, own_postgres_database  # noqa: E402

PG_URL = own_postgres_database()
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
        pytest.skip(NO_POSTGRES)
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


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    """Under CI=true, a test skipped because a database server is missing fails instead."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and _skip_reason(report) in MISSING_SERVER_REASONS:
        report.outcome = "failed"
        report.longrepr = f"CI=true and a server this test needs is missing: {_skip_reason(report)}"


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    """What was skipped and why, one line per reason."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    by_reason: dict[str, int] = {}
    for report in skipped:
        reason = _skip_reason(report)
        by_reason[reason] = by_reason.get(reason, 0) + 1
    terminalreporter.section("skipped, and why")
    for reason, count in sorted(by_reason.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{count:5d}  {reason}")
