"""Reflex configuration: everything comes from GovHub's settings; nothing calls out to the internet."""

import os
import sys
from pathlib import Path

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from govhub.config import get_settings

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

settings = get_settings()
# The backend runs on Uvicorn workers under Gunicorn, not Granian: an open websocket costs ~18 KB there against
# ~150 KB in Granian (its per-connection buffers), which decides the memory per connected official (bench/push.py).
os.environ.setdefault("REFLEX_USE_GRANIAN", "false")
os.environ.setdefault("GUNICORN_CMD_ARGS", f"--workers {settings.workers}")
_bun = Path(sys.executable).with_name("bun")

config = rx.Config(
    app_name="govhub",
    db_url=settings.database_url,
    redis_url=settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(
        theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", scaling="100%"))],
    disable_plugins=[SitemapPlugin],
    **({"bun_path": _bun} if _bun.exists() else {}),
)
