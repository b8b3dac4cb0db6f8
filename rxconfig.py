"""Reflex configuration: everything comes from GovHub's settings; nothing calls out to the internet."""

import os
import sys
from pathlib import Path

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from govhub.api.origins import configured_origins, forwarded_allow_ips, proxy_hops
from govhub.config import get_settings

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

settings = get_settings()
# The backend runs on Uvicorn workers under Gunicorn, not Granian: an open websocket costs ~18 KB there against
# ~150 KB in Granian (its per-connection buffers), which decides the memory per connected official (bench/push.py).
os.environ.setdefault("REFLEX_USE_GRANIAN", "false")
os.environ.setdefault("GUNICORN_CMD_ARGS", f"--workers {settings.workers}")
# Forwarded headers count only from the configured proxy, and not at all with 0 proxy hops (Uvicorn's default
# trusts them from any loopback client: a client on the same host could claim any address and dodge the
# per-address sign-in limit). Gunicorn and Uvicorn read this variable; GovHub decides it, so it is not a default.
os.environ["FORWARDED_ALLOW_IPS"] = forwarded_allow_ips(settings, proxy_hops())
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
    # No cross-origin reads with credentials: only GovHub's own public address (GOVHUB_PUBLIC_URL), else none.
    # The websocket's Origin check is GovHub's own (govhub/api/origins.py, installed in govhub/govhub.py).
    cors_allowed_origins=configured_origins(settings),
    **({"bun_path": _bun} if _bun.exists() else {}),
)
