"""PostgreSQL databases of a test's own (for work across connections or processes), beside the one
GOVHUB_TEST_DATABASE_URL names, on the same server."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from govhub.db import make_engine, normalize_url
from tests.conftest import PG_URL


def _on_server(statement: str) -> None:
    admin = make_engine(make_url(normalize_url(PG_URL)).set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def create_database(prefix: str) -> str:
    """A new, empty database named ``<prefix>_<random>``; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _on_server(f'CREATE DATABASE "{name}"')
    return make_url(normalize_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by ``create_database`` (connections still open to it are ended)."""
    _on_server(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
