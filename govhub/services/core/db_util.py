"""Small dialect-aware helpers: insert rows, skipping those whose key already exists."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def _insert(session: Session, model: type):  # noqa: ANN202
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_ignore(session: Session, model: type, rows: list[dict]) -> None:
    """Insert ``rows``; rows that would break a unique key are skipped (no error, no change)."""
    if rows:
        session.execute(_insert(session, model).on_conflict_do_nothing(), rows)


def claim_keys(session: Session, model: type, key_column: str, rows: list[dict]) -> set[str]:
    """Insert ``rows`` into a table keyed by ``key_column``; return the keys this call inserted (those another
    transaction or an earlier run already holds are not returned). On PostgreSQL a concurrent claim of the same
    key waits for the other transaction and then counts as taken."""
    claimed: set[str] = set()
    for start in range(0, len(rows), 500):  # one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING per 500
        stmt = _insert(session, model).values(rows[start:start + 500]).on_conflict_do_nothing().returning(
            getattr(model, key_column))
        claimed.update(session.execute(stmt).scalars().all())
    return claimed
