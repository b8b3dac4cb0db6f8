"""Optimistic concurrency: a change names the version its author saw, and claims the next one atomically, so two
officials editing at once never overwrite each other silently: the second gets a Conflict and sees the new state."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from govhub import clock
from govhub.services.core.errors import Conflict


def claim_version(session: Session, row: SQLModel, expected: int) -> None:
    """Move ``row`` (a table with ``id``, ``version`` and ``updated_at``) from version ``expected`` to the next in
    one conditional UPDATE; anyone else's change in between is a Conflict."""
    table = type(row)
    expected = int(expected)
    try:
        result = session.execute(update(table).where(table.id == row.id, table.version == expected)
                                 .values(version=expected + 1, updated_at=clock.now())
                                 .execution_options(synchronize_session=False))
    except OperationalError as exc:  # SQLite: a concurrent writer won the race
        raise Conflict() from exc
    if result.rowcount != 1:
        raise Conflict()
    row.version, row.updated_at = expected + 1, clock.now()
    session.add(row)
