"""Alembic environment: the URL from GovHub's settings, the schema from the models, one transaction per revision
(so a revision may step outside it, e.g. ``CREATE INDEX CONCURRENTLY`` in ``op.get_context().autocommit_block()``).

Revisions themselves never import GovHub's code: what they need (settings included) comes from here."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import govhub.models  # noqa: F401  (registers every table)
from govhub.config import get_settings
from govhub.db import make_engine
from govhub.models.base import UTCDateTime

# Indexes that exist only on one database kind and are made by hand in a revision.
DIALECT_ONLY_INDEXES = {"ix_official_search_trgm"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Leave the dialect-specific indexes out of autogenerate's comparison."""
    return not (type_ == "index" and name in DIALECT_ONLY_INDEXES)


def render_item(type_: str, obj, autogen_context) -> str | bool:  # noqa: ANN001
    """Write GovHub's column types as the plain SQLAlchemy types they store, so a new revision imports nothing
    from GovHub."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    """Run the migrations on the configured database (or the connection a caller passed in)."""
    context.config.attributes.setdefault("city_timezone", get_settings().timezone)
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.attributes.get("url") or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        render_item=render_item,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
