"""Security and caching headers on every HTTP response, as an ASGI middleware around the whole app (pages,
assets, Reflex's endpoints and GovHub's routes alike).

The Content-Security-Policy allows this origin only. Reflex's compiled pages carry a few inline scripts (theme
switch, React Router's hydration data, the module bootstrap); instead of 'unsafe-inline' the policy allows the
SHA-256 hashes of the inline scripts of every page in the build, so an injected script never runs. The policy is
a property of the build, not of one response: a 304 (which has no body), a HEAD, a 404 page and a compressed page
all carry the same one. (A policy computed from each body was missing its hashes on the 304 that a reload gets, and
the browser, which applies a 304's headers to its cached page, then blocked every inline script: a blank page.)
Styles keep 'unsafe-inline': Emotion and Radix write style elements and attributes at run time (a style cannot run
code). The websocket goes to this same host. Nothing needs eval.

Caching: the build's hashed files under ``/assets/`` never change, so browsers keep them a year without asking;
pages are revalidated on every visit (``no-cache``), so a new release is seen at once.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INLINE_SCRIPT = re.compile(rb"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
SRC_ATTR = re.compile(rb"\bsrc\s*=", re.IGNORECASE)
SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")
ASSET_PREFIX = "/assets/"
SPA_FALLBACK = "__spa-fallback.html"  # every Reflex build writes it anew
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

STATIC_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def origin_of(url: str | None) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions for every inline script of a page (scripts with ``src`` are left to 'self')."""
    hashes: list[str] = []
    for match in INLINE_SCRIPT.finditer(html):
        if SRC_ATTR.search(match.group("attrs")):
            continue
        digest = base64.b64encode(hashlib.sha256(match.group("body")).digest()).decode()
        source = f"'sha256-{digest}'"
        if source not in hashes:
            hashes.append(source)
    return hashes


@lru_cache(maxsize=4)
def _build_hashes(directory: Path, stamp: int) -> tuple[str, ...]:
    """The inline-script hashes of every page in one build (``stamp`` names the build: a rebuild reads anew)."""
    found: list[str] = []
    for page in sorted(directory.rglob("*.html")):
        found += [h for h in inline_script_hashes(page.read_bytes()) if h not in found]
    return tuple(found)


def build_script_hashes(directory: Path) -> tuple[str, ...]:
    """The inline-script hashes of the build in ``directory`` (none when there is no build there yet)."""
    try:
        stamp = max(p.stat().st_mtime_ns for p in (directory, directory / SPA_FALLBACK) if p.exists())
    except ValueError:
        return ()
    return _build_hashes(directory, stamp)


def content_security_policy(host: str | None, script_hashes: Iterable[str] = (),
                            form_targets: Iterable[str] = ()) -> str:
    """The policy: this origin only (+ the websocket to this host, the given inline-script hashes, and the
    single sign-on provider as a form target for sign-out)."""
    connect = ["'self'"]
    if host and SAFE_HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    directives = [
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *script_hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src " + " ".join(connect),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action " + " ".join(["'self'", *form_targets]),
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def cache_control(path: str, status: int, content_type: str) -> str | None:
    """What browsers may keep: hashed build files for a year, pages only after asking (None: the route decides)."""
    if path.startswith(ASSET_PREFIX) and status in (200, 304):
        return IMMUTABLE
    if content_type.startswith("text/html") or status == 304:
        return REVALIDATE
    return None


class SecurityHeaders:
    """ASGI middleware: adds the headers to every HTTP response, the same policy on all of them. Websocket traffic
    passes through untouched."""

    def __init__(self, app: ASGIApp, *, script_hashes: Callable[[], Iterable[str]] = lambda: (),
                 form_targets: Callable[[], Iterable[str]] = lambda: (),
                 hsts: Callable[[], bool] = lambda: False) -> None:
        self.app = app
        self.script_hashes = script_hashes
        self.form_targets = form_targets
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        https = scope.get("scheme") == "https"
        path = scope.get("path", "")

        async def wrapped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in STATIC_HEADERS.items():
                    headers[name] = value
                headers["content-security-policy"] = content_security_policy(
                    host, self.script_hashes(), self.form_targets())
                if https or self.hsts():
                    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
                cache = cache_control(path, message["status"], headers.get("content-type", ""))
                if cache and "cache-control" not in headers:
                    headers["cache-control"] = cache
            await send(message)

        await self.app(scope, receive, wrapped_send)


def security_headers(app: ASGIApp) -> ASGIApp:
    """The middleware as Reflex's ``api_transformer`` wants it, configured from settings and the build."""
    from govhub.auth.oidc import get_client
    from govhub.config import get_settings
    from govhub.realtime.reflex_adapter import frontend_build_dir

    def form_targets() -> list[str]:
        # Sign-out is a form POST answered by a redirect to the provider's end-session page.
        client = get_client()
        if client is None:
            return []
        meta = client.cached_metadata()
        urls = [client.issuer, meta.end_session_endpoint if meta else None]
        return sorted({o for o in map(origin_of, urls) if o and o != "null"})

    build = frontend_build_dir()
    return SecurityHeaders(app, script_hashes=lambda: build_script_hashes(build), form_targets=form_targets,
                           hsts=lambda: get_settings().cookie_secure)
