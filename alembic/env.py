"""Alembic environment: the URL from GovHub's settings, the schema from the models."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import govhub.models  # noqa: F401  (registers every table)
from govhub.db import make_engine
from govhub.config import get_settings

# Indexes that exist only on one database kind and are made by hand in a revision.
DIALECT_ONLY_INDEXES = {"ix_official_search_trgm"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Leave the dialect-specific indexes out of autogenerate's comparison."""
    return not (type_ == "index" and name in DIALECT_ONLY_INDEXES)


def run_migrations() -> None:
    """Run the migrations on the configured database (or the connection a caller passed in)."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.attributes.get("url") or get_settings().database_url
        with make_engine(url).begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
