"""The security-headers middleware: every HTTP response gets them, with one policy for the whole build (the hashes of
every page's inline scripts), so a 304, a HEAD and a 404 carry the same one as the 200; hashed assets are cached for a
year, pages revalidated; websockets pass untouched. (tests/e2e/test_reload.py checks the real build over HTTP and in
a browser with its cache on.)"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import logging
import os
import re
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from govhub.api.security import (
    SPA_FALLBACK,
    SecurityHeaders,
    build_script_hashes,
    content_security_policy,
    inline_script_hashes,
    origin_of,
)

PAGE = (b"<html><head><script>window.a=1</script><script src=\"/assets/x.js\"></script>"
        b"<script type=\"module\" async>import('/assets/y.js')</script></head><body>hi</body></html>")


def sha(body: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"


def app(tmp: Path) -> TestClient:
    """The middleware around a small app whose pages come from a "build" folder, as Reflex's do."""
    build = tmp / "build"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_bytes(PAGE)
    (build / "other.html").write_bytes(b"<html><script>window.b=2</script><script>window.a=1</script></html>")
    (build / "assets" / "app-Ab12.js").write_bytes(b"console.log(1)")

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    inner = Starlette(routes=[
        Route("/page", lambda r: HTMLResponse(PAGE)),
        Route("/gz", lambda r: Response(gzip.compress(PAGE), media_type="text/html",
                                        headers={"content-encoding": "gzip"})),
        Route("/file", lambda r: FileResponse(build / "index.html", media_type="text/html")),
        Route("/json", lambda r: JSONResponse({"ok": True})),
        Route("/go", lambda r: RedirectResponse("/page")),
        WebSocketRoute("/ws", ws),
        Mount("/", StaticFiles(directory=build, html=True)),
    ])
    wrapped = SecurityHeaders(inner, script_hashes=lambda: build_script_hashes(build),
                              form_targets=lambda: ["https://sso.tphcm.gov.vn"])
    return TestClient(wrapped, base_url="http://127.0.0.1:3000")


def script_src(response) -> list[str]:  # noqa: ANN001
    csp = response.headers["content-security-policy"]
    return next(d for d in csp.split("; ") if d.startswith("script-src")).split()[1:]


def test_every_response_carries_the_headers(tmp_path: Path) -> None:
    client = app(tmp_path)
    for path in ("/page", "/json", "/go", "/missing"):
        response = client.get(path, follow_redirects=False)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "connect-src 'self' ws://127.0.0.1:3000 wss://127.0.0.1:3000" in csp
        assert "form-action 'self' https://sso.tphcm.gov.vn" in csp
        assert "unsafe-eval" not in csp and "strict-transport-security" not in headers


def test_one_policy_for_the_whole_build(tmp_path: Path) -> None:
    """Every response carries the policy of the build: the inline scripts of all its pages, whatever this response's
    body (a 304 has none, a HEAD none, JSON none, a gzipped page one the server cannot read)."""
    client = app(tmp_path)
    expected = ["'self'", sha(b"window.a=1"), sha(b"import('/assets/y.js')"), sha(b"window.b=2")]
    first = client.get("/")
    assert first.status_code == 200 and b"window.a=1" in first.content
    etag = first.headers["etag"]
    responses = {"GET /": first, "304 /": client.get("/", headers={"if-none-match": etag}),
                 "HEAD /": client.head("/"), "GET /gz": client.get("/gz"), "GET /file": client.get("/file"),
                 "GET /json": client.get("/json"), "404": client.get("/nothing-here")}
    assert responses["304 /"].status_code == 304
    for name, response in responses.items():
        assert script_src(response) == expected, name
    assert len({r.headers["content-security-policy"] for r in responses.values()}) == 1


def test_a_rebuild_is_read_anew(tmp_path: Path) -> None:
    client = app(tmp_path)
    before = script_src(client.get("/"))
    fallback = tmp_path / "build" / SPA_FALLBACK
    fallback.write_bytes(b"<html><script>window.c=3</script></html>")
    os.utime(fallback, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert set(script_src(client.get("/"))) == {*before, sha(b"window.c=3")}


def test_hashed_assets_are_kept_pages_revalidated(tmp_path: Path) -> None:
    client = app(tmp_path)
    asset = client.get("/assets/app-Ab12.js")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = client.get("/assets/app-Ab12.js", headers={"if-none-match": asset.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == "public, max-age=31536000, immutable"
    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache"
    assert client.get("/", headers={"if-none-match": page.headers["etag"]}).headers["cache-control"] == "no-cache"
    assert "cache-control" not in client.get("/json").headers
    assert client.get("/assets/missing.js").headers.get("cache-control") != "public, max-age=31536000, immutable"


def test_https_gets_hsts_and_websockets_pass(tmp_path: Path) -> None:
    client = app(tmp_path)
    secure = TestClient(client.app, base_url="https://govhub.example.test")
    assert "max-age" in secure.get("/json").headers["strict-transport-security"]
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_text() == "hello"


def test_helpers() -> None:
    assert origin_of("https://sso.tphcm.gov.vn/realms/city/") == "https://sso.tphcm.gov.vn"
    assert origin_of("javascript:alert(1)") is None and origin_of(None) is None
    assert inline_script_hashes(b"<SCRIPT>x</SCRIPT><script src=a></script>") == [sha(b"x")]
    # A forged Host header cannot inject policy text.
    assert "evil" not in content_security_policy("evil.test; script-src *", ())


def test_handlers_send_the_page_no_script_to_eval() -> None:
    """``rx.toast``, ``rx.call_script`` and ``rx.call_function`` returned by a handler (or by the app's backend error
    handler) reach the page as strings to eval, which the policy refuses (the toast silently never shows): handlers
    use ``self._toast`` instead, the error handler chains ``AppState.unexpected_error``."""
    root = Path(__file__).resolve().parents[1] / "govhub"
    found = [f"{path.name}:{n}" for path in [*sorted((root / "state").glob("*.py")), root / "govhub.py"]
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if any(call in line for call in ("rx.toast", "call_script", "call_function", "run_script"))]
    assert found == []


class _Socket:
    """Stands where the browser's websocket would: records what the server sends the tab."""

    def __init__(self) -> None:
        self.updates: list = []

    async def emit_update(self, update, token: str) -> None:  # noqa: ANN001
        self.updates.append((token, update))


def test_an_unexpected_error_reaches_the_page_as_a_translated_notice(caplog: pytest.LogCaptureFixture) -> None:
    """Through Reflex's own event processor, as in production: an event fails in a way no handler expected (here
    Reflex itself cannot call the handler, an argument is missing). The app's backend error handler has the same
    tab's AppState.notice set to the generic message in the reader's language: page state, which the page shows
    as a toast (govhub/components/notice.py), no script to eval and no word of the error."""
    from reflex.event import Event
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex_base.constants.state import FIELD_MARKER
    from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor

    from govhub.govhub import app, backend_error
    from govhub.i18n import translate
    from govhub.state.base import AppState
    from tests.statekit import run

    switch = AppState.get_full_name() + ".switch_locale"
    router = {"pathname": "/login", "query": {}, "headers": {}}

    async def scenario() -> list:
        socket = _Socket()
        processor = BaseStateEventProcessor(middleware=app, backend_exception_handler=backend_error)
        processor.configure(state_manager=StateManagerMemory(), event_namespace=socket)
        async with processor:
            await (await processor.enqueue("tab-1", Event(name=switch, payload={"locale": "en"},
                                                          router_data=router)))
            socket.updates.clear()
            failed = await processor.enqueue("tab-1", Event(name=switch, payload={}, router_data=router))
            with pytest.raises(TypeError, match="locale"):
                await failed
            for _ in range(100):  # the handler's chained event runs on its own, after the failure
                if socket.updates:
                    break
                await asyncio.sleep(0.05)
            await processor.join(timeout=5)
        return socket.updates

    with caplog.at_level(logging.ERROR, logger="govhub.app"):
        updates = run(scenario())
    assert [token for token, _ in updates] == ["tab-1"]
    update = updates[0][1]
    assert update.events == []  # nothing for the page to run
    notice = update.delta[AppState.get_full_name()]["notice" + FIELD_MARKER]
    assert notice.level == "error" and notice.id
    # The message carries the event id that the error's log line (with its traceback) carries too.
    event_id = re.fullmatch(re.escape(translate("en", "error.generic_id", id="X")).replace("X", "([0-9a-f]{8})"),
                            notice.text).group(1)
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and event_id in r.getMessage()]
    assert len(logged) == 1 and "Traceback" in logged[0].getMessage()
    assert "Traceback" not in notice.text and "TypeError" not in notice.text and "locale" not in notice.text


def test_a_failing_notice_is_not_answered_with_another() -> None:
    """If the notice event fails in turn (the state store is down, say), the error handler does not ask again."""
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex_base.event.context import EventContext

    from govhub.govhub import backend_error

    async def nowhere(*_args) -> None:  # noqa: ANN002
        return None

    failed = EventContext(token="tab-1", state_manager=StateManagerMemory(), enqueue_impl=nowhere)
    reset = EventContext.set(failed)
    try:
        assert backend_error(RuntimeError("store down")) is not None
    finally:
        EventContext.reset(reset)
    reset = EventContext.set(failed.fork())  # the notice event it chained
    try:
        assert backend_error(RuntimeError("store down")) is None
    finally:
        EventContext.reset(reset)
