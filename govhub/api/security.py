"""Security headers on every HTTP response, as an ASGI middleware around the whole app (pages, assets,
Reflex's endpoints and GovHub's routes alike).

The Content-Security-Policy allows this origin only. Reflex's compiled pages carry a few inline scripts (theme
switch, React Router's hydration data, the module bootstrap); instead of 'unsafe-inline' the middleware hashes
exactly the inline scripts of each HTML response it sends and allows those hashes, so an injected script never
runs. Styles keep 'unsafe-inline': Emotion and Radix write style elements and attributes at run time (a style
cannot run code). The websocket goes to this same host. Nothing needs eval.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import zlib
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INLINE_SCRIPT = re.compile(rb"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
SRC_ATTR = re.compile(rb"\bsrc\s*=", re.IGNORECASE)
SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")
MAX_HTML_BYTES = 2 * 1024 * 1024

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


def _decoded(body: bytes, encoding: str) -> bytes | None:
    """The HTML text of a possibly compressed body (None for an encoding we cannot read)."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("", "identity"):
            return body
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, zlib.error, EOFError):
        return None
    return None


class SecurityHeaders:
    """ASGI middleware: adds the headers to every HTTP response; HTML responses are buffered to hash their
    inline scripts into the policy. Websocket traffic passes through untouched."""

    def __init__(self, app: ASGIApp, *, form_targets: Callable[[], Iterable[str]] = lambda: (),
                 hsts: Callable[[], bool] = lambda: False) -> None:
        self.app = app
        self.form_targets = form_targets
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        https = scope.get("scheme") == "https"
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        def finish_headers(message: Message, hashes: Iterable[str]) -> None:
            headers = MutableHeaders(scope=message)
            for name, value in STATIC_HEADERS.items():
                headers[name] = value
            headers["content-security-policy"] = content_security_policy(host, hashes, self.form_targets())
            if https or self.hsts():
                headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"

        async def wrapped_send(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if content_type.startswith("text/html"):
                    start = message  # hold it until the body is known
                    return
                finish_headers(message, ())
                await send(message)
                return
            if message["type"] == "http.response.pathsend" and start is not None:
                # A file response sent by path (the server reads it): read it too, to hash its scripts.
                body = await anyio.Path(message["path"]).read_bytes()
                encoding = Headers(raw=start.get("headers", [])).get("content-encoding", "")
                html = _decoded(body, encoding) if len(body) <= MAX_HTML_BYTES else None
                finish_headers(start, inline_script_hashes(html) if html is not None else ())
                await send(start)
                start = None
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if message.get("more_body", False) and size <= MAX_HTML_BYTES:
                    return
                body = b"".join(chunks)
                encoding = Headers(raw=start.get("headers", [])).get("content-encoding", "")
                html = _decoded(body, encoding)
                finish_headers(start, inline_script_hashes(html) if html is not None else ())
                await send(start)
                start = None
                await send({"type": "http.response.body", "body": body, "more_body": message.get("more_body", False)})
                return
            await send(message)

        await self.app(scope, receive, wrapped_send)


def security_headers(app: ASGIApp) -> ASGIApp:
    """The middleware as Reflex's ``api_transformer`` wants it, configured from settings."""
    from govhub.auth.oidc import get_client
    from govhub.config import get_settings

    def form_targets() -> list[str]:
        # Sign-out is a form POST answered by a redirect to the provider's end-session page.
        client = get_client()
        if client is None:
            return []
        meta = client.cached_metadata()
        urls = [client.issuer, meta.end_session_endpoint if meta else None]
        return sorted({o for o in map(origin_of, urls) if o and o != "null"})

    return SecurityHeaders(app, form_targets=form_targets, hsts=lambda: get_settings().cookie_secure)
