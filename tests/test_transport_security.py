"""The transport, probed as an attacker would on a real server (``reflex run --env prod --backend-only``: Gunicorn
with Uvicorn workers, as ``make run``) over real HTTP and real websockets (issue 12, B3-B8):
- B3: a forged X-Forwarded-For from a loopback client does not escape the per-address sign-in limit;
- B4: the websocket refuses another origin's page; B5: no CORS grant with credentials to another origin;
- B6: an upload needs the request's own session, a tab of that official, and a body under the limit;
- B7: a tab re-used with another official's cookie hydrates empty, never with the previous official's data;
- B8: one socket flooding events is cut off, and another official's answers stay fast."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.statekit import run

socketio = pytest.importorskip("socketio")
pytest.importorskip("aiohttp")

PASSWORD = "govhub-demo"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A seeded database, sessions for three officials, and the backend serving it on a free port."""
    from sqlmodel import Session, select

    from govhub.db import make_engine
    from govhub.demo.city import seed_demo
    from govhub.migrations import upgrade
    from govhub.models import Official
    from govhub.services.identity.auth import do_start_session
    from tests.netkit import free_port
    from tests.pushkit import ROOT, start_backend, stop, wait_up

    tmp = tmp_path_factory.mktemp("transport")
    url = f"sqlite:///{tmp / 'transport.db'}"
    upgrade(url)
    engine = make_engine(url)
    cookies, names = {}, {}
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
        for username in ("ct.saigon", "cv.saigon", "chutich"):
            person = session.exec(select(Official).where(Official.username == username)).one()
            cookies[username] = do_start_session(session, person, client_ip="127.0.0.1")
            names[username] = person.full_name
        session.commit()
    engine.dispose()
    port = free_port()
    env = {"GOVHUB_DATABASE_URL": url, "GOVHUB_SCHEDULER_ENABLED": "false", "REFLEX_TRUSTED_PROXY_HOPS": "0",
           "GOVHUB_UPLOAD_DIR": str(tmp / "uploads")}
    log = tmp / "server.log"
    proc = start_backend(ROOT, port, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, proc)
        yield {"base": base, "port": port, "cookies": cookies, "names": names, "proc": proc, "db": url,
               "states": log.parent / f"states-{port}"}
    finally:
        stop(proc)
        print("--- server.log (tail)\n" + "\n".join(log.read_text().splitlines()[-20:]))


def _cookie(live: dict, who: str) -> dict[str, str]:
    from govhub.services.identity.auth import COOKIE_NAME

    return {"Cookie": f"{COOKIE_NAME}={live['cookies'][who]}"}


# ------------------------------------------------------------------------------------------------ B4 and B5


def test_b4_the_websocket_refuses_a_page_of_another_origin(live: dict) -> None:
    from tests.pushkit import NAMESPACE

    async def attempt(origin: str | None) -> bool:
        sio = socketio.AsyncClient(reconnection=False)
        headers = {**_cookie(live, "ct.saigon"), **({"Origin": origin} if origin else {})}
        try:
            await sio.connect(f"{live['base']}?token={uuid.uuid4()}", socketio_path="/_event",
                              transports=["websocket"], headers=headers, namespaces=[NAMESPACE], wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            return False
        await sio.disconnect()
        return True

    port = live["port"]
    assert not run(attempt(f"http://127.0.0.1:{port + 1}"))  # another port of the same host: same site
    assert not run(attempt("http://evil.example"))
    assert not run(attempt("null"))
    assert run(attempt(f"http://127.0.0.1:{port}"))  # GovHub's own page
    assert run(attempt(None))  # no browser: no Origin, and no ambient cookie to abuse


def test_b5_no_cross_origin_read_with_credentials(live: dict) -> None:
    other = f"http://127.0.0.1:{live['port'] + 1}"
    with httpx.Client(base_url=live["base"]) as client:
        for path in ("/files/1", "/files/attachments/1", "/healthz", "/ping", "/_upload"):
            got = client.get(path, headers={**_cookie(live, "ct.saigon"), "Origin": other})
            assert "access-control-allow-origin" not in got.headers, path
            pre = client.options(path, headers={"Origin": other, "Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "content-type"})
            assert "access-control-allow-origin" not in pre.headers, path
            assert pre.headers.get("access-control-allow-origin") != other


def test_file_routes_answer_404_to_numbers_no_row_can_have(live: dict) -> None:
    with httpx.Client(base_url=live["base"], headers=_cookie(live, "ct.saigon")) as client:
        for path in ("/files/" + "9" * 30, "/files/attachments/" + "9" * 30, "/files/9223372036854775808",
                     "/files/0", "/files/-1", "/files/%D9%A3", "/files/attachments/1e3"):
            assert client.get(path).status_code == 404, path


# ------------------------------------------------------------------------------------------------ B6


def _upload_handler() -> str:
    from govhub.state.messages import MessagesState

    return f"{MessagesState.get_full_name()}.attach"


def _registered_tab(live: dict, who: str) -> str:
    """A tab of ``who`` that has loaded a page (the registry knows it as theirs); returns its client token."""
    from govhub.state.notifications import NotificationState
    from tests.pushkit import TabClient, bell_key

    async def go() -> str:
        tab = TabClient(live["base"], live["cookies"][who])
        await tab.connect()
        loaded = tab.expect(lambda d: bell_key(d, "unread") is not None)
        await tab.call(NotificationState, "load")
        await asyncio.wait_for(loaded, 20)
        await tab.close()
        return tab.client_token

    return run(go())


def _state_files(live: dict, token: str) -> list[Path]:
    folder = live["states"]
    return [p for p in folder.rglob("*") if token in p.name] if folder.exists() else []


def test_b6_an_upload_needs_the_requests_own_session_and_a_tab_of_that_official(live: dict) -> None:
    tab = _registered_tab(live, "cv.saigon")
    files = {"files": ("a.txt", b"hello", "text/plain")}
    handler = {"reflex-event-handler": _upload_handler()}
    with httpx.Client(base_url=live["base"], timeout=30) as client:
        # Only the tab token (it travels in the websocket URL): refused, though the tab is cv.saigon's.
        assert client.post("/_upload", files=files, headers={**handler, "reflex-client-token": tab}).status_code == 403
        # Another official's cookie on cv.saigon's tab: refused.
        assert client.post("/_upload", files=files, headers={**handler, "reflex-client-token": tab,
                                                              **_cookie(live, "ct.saigon")}).status_code == 403
        # A random tab token: refused, and no state is made for it.
        stranger = str(uuid.uuid4())
        assert client.post("/_upload", files=files, headers={**handler, "reflex-client-token": stranger,
                                                              **_cookie(live, "cv.saigon")}).status_code == 403
        assert not _state_files(live, stranger)
        # The tab's own official: accepted (the handler answers with its state update).
        ok = client.post("/_upload", files=files, headers={**handler, "reflex-client-token": tab,
                                                            **_cookie(live, "cv.saigon")})
        assert ok.status_code == 200


def _declared_upload(live: dict, headers: dict[str, str], length: int) -> bytes:
    """The status line the server answers to upload headers declaring ``length`` bytes (no body sent)."""
    lines = ["POST /_upload HTTP/1.1", f"Host: 127.0.0.1:{live['port']}", f"Content-Length: {length}",
             "Content-Type: multipart/form-data; boundary=zz", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection(("127.0.0.1", live["port"]), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return conn.recv(200)


def _rss_kb(pid: int) -> int:
    from tests.pushkit import tree_rss_kb

    return tree_rss_kb(pid)


def test_b6_a_300_mb_body_is_refused_without_being_read(live: dict) -> None:
    tab = _registered_tab(live, "cv.saigon")
    headers = {"reflex-event-handler": _upload_handler(), "reflex-client-token": tab, **_cookie(live, "cv.saigon")}
    with httpx.Client(base_url=live["base"], timeout=60) as client:
        # Declared too large: refused at once, before any body is sent.
        assert _declared_upload(live, headers, 300 * 1024 * 1024).startswith(b"HTTP/1.1 413")
        # Streamed without a length: cut off at the limit while it streams in.
        before = _rss_kb(live["proc"].pid)
        sent = 0
        boundary = "govhubzz"

        def body() -> Iterator[bytes]:
            nonlocal sent
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pdf\"\r\n"
                   "Content-Type: application/pdf\r\n\r\n%PDF-").encode()
            chunk = b"\0" * (1024 * 1024)
            for _ in range(300):
                sent += len(chunk)
                yield chunk

        start = time.perf_counter()
        try:
            streamed = client.post("/_upload", content=body(), headers={
                **headers, "content-type": f"multipart/form-data; boundary={boundary}"})
            status = streamed.status_code
        except httpx.HTTPError:  # the server may close the connection while the client still writes
            status = 413
        took = time.perf_counter() - start
        grown_mb = (_rss_kb(live["proc"].pid) - before) / 1024
    print(f"300 MB streamed upload: answered {status}; the client wrote {sent / 2**20:.0f} MB in {took:.1f} s; "
          f"server memory +{grown_mb:.0f} MB")
    assert status == 413
    assert grown_mb < 80


# ------------------------------------------------------------------------------------------------ B7


def test_b7_a_tab_reused_by_another_official_starts_from_nothing(live: dict) -> None:
    import reflex as rx

    from govhub.state.base import AppState
    from govhub.state.notifications import NotificationState
    from tests.pushkit import TabClient, bell_key

    first_name = live["names"]["ct.saigon"]

    async def go() -> list[dict]:
        tab = TabClient(live["base"], live["cookies"]["ct.saigon"])
        await tab.connect()
        loaded = tab.expect(lambda d: bell_key(d, "unread") is not None)
        await tab.call(AppState, "require_login")
        await tab.call(NotificationState, "load")
        await asyncio.wait_for(loaded, 20)
        assert first_name in repr(tab.updates)  # ct.saigon's own tab shows ct.saigon
        await tab.close()
        # The same tab (same client token) comes back with cv.saigon's cookie and hydrates.
        again = TabClient(live["base"], live["cookies"]["cv.saigon"])
        again.client_token = tab.client_token
        await again.connect()
        hydrated = again.expect(lambda d: bool(d))
        await again.call(rx.State, "hydrate")
        await asyncio.wait_for(hydrated, 20)
        await asyncio.sleep(0.5)
        await again.close()
        return [d for _, d in again.updates]

    sent = run(go())
    assert sent, "the hydration sent nothing"
    assert first_name not in repr(sent)


# ------------------------------------------------------------------------------------------------ B8


def test_b8_a_flooding_socket_is_cut_and_another_official_stays_fast(live: dict) -> None:
    from govhub.state.base import AppState
    from govhub.state.notifications import NotificationState
    from tests.pushkit import TabClient

    def notice(delta: dict) -> str | None:
        return ((delta.get(AppState.get_full_name()) or {}).get("notice_rx_state_") or {}).get("id")

    async def probe(tab: TabClient, n: int, pause: float) -> list[float]:
        """``n`` round trips of a cheap event on ``tab`` (seconds each)."""
        times = []
        for _ in range(n):
            seen = {notice(d) for _, d in tab.updates}
            answered = tab.expect(lambda d, seen=seen: notice(d) is not None and notice(d) not in seen)
            start = time.perf_counter()
            await tab.call(AppState, "unexpected_error")
            await asyncio.wait_for(answered, 30)
            times.append(time.perf_counter() - start)
            await asyncio.sleep(pause)
        return times

    async def go() -> tuple[list[float], list[float], int, bool, float, list[float]]:
        quiet = TabClient(live["base"], live["cookies"]["cv.saigon"])
        await quiet.connect()
        baseline = await probe(quiet, 20, 0.02)
        flooder = TabClient(live["base"], live["cookies"]["chutich"])
        await flooder.connect()
        sent, stop_at = 0, time.monotonic() + 8

        async def flood() -> None:
            nonlocal sent
            while time.monotonic() < stop_at and flooder.sio.connected and sent < 500_000:
                await flooder.call(NotificationState, "refresh")
                sent += 1
                if sent % 200 == 0:
                    await asyncio.sleep(0)

        flooding = asyncio.create_task(flood())
        during = await probe(quiet, 30, 0.05)
        await flooding
        cut = not flooder.sio.connected
        cut_after = time.monotonic() - (stop_at - 8)
        if flooder.sio.connected:
            await flooder.close()
        after = await probe(quiet, 10, 0.02)
        await quiet.close()
        return baseline, during, sent, cut, cut_after, after

    baseline, during, sent, cut, cut_after, after = run(go())
    med = statistics.median
    print(f"flood: {sent} events sent, connection cut: {cut} (within {cut_after:.1f} s); other official's "
          f"round trip median {med(baseline) * 1000:.0f} ms before, {med(during) * 1000:.0f} ms during "
          f"(max {max(during) * 1000:.0f} ms), {med(after) * 1000:.0f} ms after")
    assert cut, "the flooding connection was not closed"
    assert med(during) < 0.25 and max(during) < 2.0
    assert med(after) < 0.25


# ------------------------------------------------------------------------------------------------ B3 (last: it
# locks the loopback address out of signing in for the rest of this server's life)


def test_b3_a_forged_forwarded_address_does_not_escape_the_address_limit(live: dict) -> None:
    from sqlalchemy import create_engine, text

    from govhub.config import get_settings

    limit = get_settings().login_ip_max_failures
    base = live["base"]
    origin = {"Origin": base}
    with httpx.Client(base_url=base, timeout=30) as client:
        for i in range(limit):
            got = client.post("/auth/login", data={"username": f"nobody{i}", "password": "wrong"},
                              headers={**origin, "X-Forwarded-For": f"198.51.100.{i + 1}"})
            assert "error=" in got.headers["location"]
        forged = client.post("/auth/login", data={"username": "ct.saigon", "password": PASSWORD},
                             headers={**origin, "X-Forwarded-For": "1.2.3.4", "X-Real-IP": "1.2.3.4",
                                      "Forwarded": "for=1.2.3.4"})
    assert forged.headers["location"] == "/login?error=locked"
    engine = create_engine(live["db"])
    with engine.connect() as conn:
        addresses = {r[0] for r in conn.execute(text("SELECT DISTINCT client_ip FROM login_attempt"))}
    engine.dispose()
    assert addresses == {"127.0.0.1"}


# ------------------------------------------------------------------------------------------------ the decisions


def test_forwarded_headers_are_trusted_only_with_proxy_hops_and_only_from_the_proxies() -> None:
    from govhub.api.origins import forwarded_allow_ips
    from govhub.config import Settings

    settings = Settings(trusted_proxy_ips="10.0.0.5")
    assert forwarded_allow_ips(settings, 0) == ""
    assert forwarded_allow_ips(settings, 1) == "10.0.0.5"


def test_own_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    from govhub.api.origins import configured_origins, own_origin
    from govhub.config import Settings, get_settings

    monkeypatch.setattr(get_settings(), "public_url", None)
    assert own_origin("http://127.0.0.1:3000", "127.0.0.1:3000")
    assert not own_origin("http://127.0.0.1:3001", "127.0.0.1:3000")
    assert not own_origin("null", "127.0.0.1:3000") and not own_origin(None, "127.0.0.1:3000")
    monkeypatch.setattr(get_settings(), "public_url", "https://govhub.tphcm.gov.vn/")
    assert own_origin("https://govhub.tphcm.gov.vn", "127.0.0.1:3000")
    assert not own_origin("https://tin.tphcm.gov.vn", "tin.tphcm.gov.vn")  # a sibling subdomain
    assert not own_origin("http://govhub.tphcm.gov.vn", "govhub.tphcm.gov.vn")  # not over HTTPS
    assert configured_origins(Settings(public_url="https://govhub.tphcm.gov.vn/x")) == ["https://govhub.tphcm.gov.vn"]
    assert configured_origins(Settings()) == []
