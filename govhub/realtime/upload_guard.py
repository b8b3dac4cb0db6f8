"""Reflex's upload endpoint (``POST /_upload``) behind GovHub's own checks, before a byte of the body is read.

Reflex runs an upload as an event of the tab named by the ``reflex-client-token`` header, with the identity that
tab's websocket last carried: the request's own cookie is never looked at, and the tab token travels in the
websocket's URL (proxies log it). So here, on every upload: the request's session cookie must belong to a live
session, the tab must be one this worker's registry knows as that same official's (an unknown token is refused,
so no state is made for a random one), and the body is cut off at a size limit while it streams in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govhub.config import get_settings
from govhub.db import session_scope
from govhub.realtime.registry import get_registry
from govhub.services.identity.auth import official_for_token
from govhub.services.messaging.conversations import MAX_FILES

UPLOAD_PATH = "/_upload"
FORM_OVERHEAD = 256 * 1024  # multipart boundaries and part headers


def max_body_bytes() -> int:
    """The largest upload body accepted: a message's attachments or a document file, whichever is larger."""
    s = get_settings()
    return max(s.attachment_max_mb * 1_048_576 * MAX_FILES, s.files_max_bytes) + FORM_OVERHEAD


def _official_id(cookie_token: str | None) -> int | None:
    with session_scope() as session:
        official = official_for_token(session, cookie_token)
        return official.id if official else None


async def _answer(send: Send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": text.encode()})


async def refusal(headers: Headers, limit: int) -> tuple[int, str] | None:
    """Why an upload request is refused before its body is read (status, text), or None."""
    from govhub.state.base import session_token

    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return 413, "too large"
    official_id = await asyncio.to_thread(_official_id, session_token(headers.get("cookie", "")))
    if official_id is None:
        return 403, "not signed in"
    tab = headers.get("reflex-client-token", "")
    if not tab or len(tab) > 100 or await get_registry().official_of(tab) != official_id:
        return 403, "unknown tab"
    return None


def upload_guard(app: ASGIApp, limit: Callable[[], int] = max_body_bytes) -> ASGIApp:
    """The guard as Reflex's ``api_transformer`` wants it."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != UPLOAD_PATH:
            await app(scope, receive, send)
            return
        most = limit()
        refused = await refusal(Headers(scope=scope), most)
        if refused is not None:
            await _answer(send, *refused)
            return
        seen, over = 0, False

        async def capped_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > most:
                    over = True  # Reflex sees the client go away and stops reading; nothing reaches a handler
                    return {"type": "http.disconnect"}
            return message

        async def quiet_send(message: Message) -> None:
            if not over:
                await send(message)

        await app(scope, capped_receive, quiet_send)
        if over:
            await _answer(send, 413, "too large")

    return guarded
