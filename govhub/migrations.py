"""Running Alembic from code (the CLI, tests and `make run` use this)."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from alembic import command
from govhub.config import PROJECT_DIR, get_settings
from govhub.db import make_engine


def alembic_config(url: str | None = None) -> Config:
    """The project's Alembic config, pointed at ``url`` (default: the configured database)."""
    cfg = Config(str(PROJECT_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_DIR / "alembic"))
    cfg.attributes["url"] = url or get_settings().database_url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Undo migrations down to ``revision``."""
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at (None when unmigrated)."""
    engine = make_engine(url or get_settings().database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
