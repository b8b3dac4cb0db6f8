"""Which addresses count as GovHub itself: for the client address behind a proxy (which forwarded headers to
believe) and for the browser origins allowed to open the websocket or read a response with credentials."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from govhub.config import Settings, get_settings


def proxy_hops() -> int:
    """REFLEX_TRUSTED_PROXY_HOPS as Reflex reads it (0 when unset or not a number)."""
    try:
        return max(0, int(os.environ.get("REFLEX_TRUSTED_PROXY_HOPS", "0") or 0))
    except ValueError:
        return 0


def forwarded_allow_ips(settings: Settings, hops: int) -> str:
    """What Uvicorn may take X-Forwarded-For/-Proto from: nobody without proxy hops, else the configured proxies.
    (Uvicorn's own default trusts every loopback client, so a local client could claim any address.)"""
    return settings.trusted_proxy_ips if hops > 0 else ""


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an address, lower-cased, without path."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}" if parts.scheme and parts.netloc else ""


def configured_origins(settings: Settings) -> list[str]:
    """The origins allowed cross-origin reads with credentials (Reflex's ``cors_allowed_origins``): only GovHub's
    own public address when set, else none (GovHub's pages are served from the same origin as its API)."""
    public = origin_of(settings.public_url or "")
    return [public] if public else []


def own_origin(origin: str | None, host: str | None, *, extra: tuple[str, ...] = ()) -> bool:
    """Whether a browser ``Origin`` is GovHub itself: GOVHUB_PUBLIC_URL when set; otherwise the address this
    request was sent to (its Host header, as the sign-in form check does); ``extra`` names other own origins."""
    if not origin or origin == "null":
        return False
    wanted = origin_of(origin)
    public = origin_of(get_settings().public_url or "")
    if public:
        return wanted == public or wanted in extra
    return (bool(host) and urlsplit(wanted).netloc == host.lower()) or wanted in extra
