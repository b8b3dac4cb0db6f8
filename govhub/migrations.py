"""Running Alembic from code (the ``govhub`` command, tests and ``make run`` use this). The revisions ship inside the
package (``govhub/alembic``), so an installed GovHub migrates without the source tree."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from govhub.config import get_settings
from govhub.db import make_engine


def script_location() -> Path:
    """The folder holding ``env.py`` and ``versions/``, wherever the package is installed."""
    return Path(str(files("govhub") / "alembic"))


def alembic_config(url: str | None = None) -> Config:
    """GovHub's Alembic config, pointed at ``url`` (default: the configured database)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location()))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["url"] = url or get_settings().database_url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply migrations up to ``revision``, each in its own transaction."""
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
