"""A dropped connection, as officials meet it: the browser offline for ten seconds (a phone changing network) and
a real server restart. The page says calmly, in Vietnamese, that it is reconnecting (never Reflex's red English
toast), lets taps through to the bottom bar, reconnects by itself, keeps what was typed, and refuses a tap made
offline instead of replaying it later. An action the server receives twice with its key is applied once.

Each test drives a phone and a desktop tab at once, so one outage or one restart serves both widths."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from govhub.clock import city_zone
from tests.e2e.conftest import VIEWPORTS, AppServer, Browsers, shot, sign_in, wait_hydrated

RECONNECTING = "Đang kết nối lại…"
REFUSED = "Không có kết nối — thao tác chưa được gửi"
# What the browser itself logs while the server cannot be reached: expected during an outage, nothing else is.
OUTAGE = re.compile(r"WebSocket connection to .*/_event.* failed|net::ERR_(INTERNET_DISCONNECTED|CONNECTION_REFUSED)")


@pytest.fixture
def both(browser: Browser, server: str) -> Iterator[dict[str, Browsers]]:
    """Guarded pages at phone and at desktop width; the browser's own reports of the outage are allowed."""
    opened = {viewport: Browsers(browser, server, viewport) for viewport in VIEWPORTS}
    yield opened
    for browsers in opened.values():
        browsers.close()
        assert not browsers.outside, f"requests left the machine: {browsers.outside}"
        errors = [e for e in browsers.errors if not OUTAGE.search(e)]
        assert not errors, f"browser console errors: {errors}"


def strip(page: Page):  # noqa: ANN201
    return page.locator("#connection-strip")


def open_conversation(page: Page, username: str) -> None:
    """Sign in and open the first conversation in the list, with its composer."""
    sign_in(page, username, then="/messages")
    wait_hydrated(page)
    page.locator(".conv-row:visible").first.click()
    expect(page.locator("#msg-body")).to_be_visible()


def messages_with(db: Path, text: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM message WHERE body = ?", (text,)).fetchone()[0]


def assert_calm(page: Page) -> None:
    """The strip says it in Vietnamese, lets taps through, leaves the bottom bar free; no developer toast."""
    expect(strip(page)).to_have_text(RECONNECTING)
    expect(page.get_by_text(re.compile("Cannot connect|Check if server"))).to_have_count(0)
    box = strip(page).bounding_box()
    assert box is not None and box["y"] + box["height"] < 120  # at the top, clear of the bottom bar
    under = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('#connection-strip') === null",
                          [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert under, "the strip swallows taps"


def test_ten_seconds_offline(both: dict[str, Browsers], e2e_db: Path) -> None:
    pages = {viewport: b.new_page() for viewport, b in both.items()}
    typed: dict[str, str] = {}
    frames: dict[str, list] = {viewport: [] for viewport in pages}  # what each tab sent
    for viewport, page in pages.items():
        page.on("websocket", lambda ws, sent=frames[viewport]: ws.on("framesent", lambda f: sent.append(f)))
        open_conversation(page, "ct.saigon")
        typed[viewport] = f"Gửi khi mất mạng ({viewport})"
        page.fill("#msg-body", typed[viewport][:8])

    for page in pages.values():
        page.context.set_offline(True)
    went = time.monotonic()
    for viewport, page in pages.items():
        expect(strip(page)).to_be_visible(timeout=3000)
        assert_calm(page)
        shot(page, "reconnecting")
        page.locator("#msg-body").press_sequentially(typed[viewport][8:])  # typing goes on offline
        page.click("#msg-send")  # refused, not queued
        expect(strip(page)).to_have_text(REFUSED)
        shot(page, "refused-offline")
        page.fill("#msg-search", "họp")  # a search typed offline: queued by Reflex, dropped on reconnect
    if (left := 10 - (time.monotonic() - went)) > 0:
        time.sleep(left)

    for page in pages.values():
        page.context.set_offline(False)
    for page in pages.values():
        expect(strip(page)).to_have_text(REFUSED)  # back: what was queued offline is dropped, and it says so
    for viewport, page in pages.items():
        expect(strip(page)).to_have_count(0, timeout=8000)  # the refusal note fades too
        expect(page.locator("#msg-body")).to_have_value(typed[viewport])
        expect(page.locator("#msg-search")).to_have_value("họp")
        expect(page.locator(".message:visible", has_text=typed[viewport])).to_have_count(0)
        assert messages_with(e2e_db, typed[viewport]) == 0  # the offline tap was never sent
        assert not [f for f in frames[viewport] if re.search(r'\.(send|search)"', str(f))]  # nor the search
        page.click("#msg-send")  # and the same tap, online, is
        expect(page.locator(".message:visible", has_text=typed[viewport])).to_be_visible()
        assert messages_with(e2e_db, typed[viewport]) == 1


def test_a_server_restart(both: dict[str, Browsers], app_server: AppServer, e2e_db: Path) -> None:
    pages = {viewport: b.new_page() for viewport, b in both.items()}
    for viewport, page in pages.items():
        open_conversation(page, "chutich")
        page.fill("#msg-body", f"Sau khi máy chủ khởi động lại ({viewport})")

    app_server.stop()
    for page in pages.values():
        expect(strip(page)).to_be_visible(timeout=5000)
        assert_calm(page)
    app_server.restart()
    for viewport, page in pages.items():
        expect(strip(page)).to_have_count(0, timeout=10_000)
        expect(page.locator("#new-version")).to_have_count(0)  # the same release: nothing to reload
        text = f"Sau khi máy chủ khởi động lại ({viewport})"
        expect(page.locator("#msg-body")).to_have_value(text)
        page.click("#msg-send")
        expect(page.locator(".message:visible", has_text=text)).to_be_visible()
        assert messages_with(e2e_db, text) == 1


def reminders_with(db: Path, note: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM personal_reminder WHERE note = ?", (note,)).fetchone()[0]


def test_an_action_sent_again_is_applied_once(page: Page, viewport: str, e2e_db: Path) -> None:
    """The server receives the same action twice (as when it is sent again over a new connection): one reminder.
    The same request under a new key is a new action, and is applied."""
    sent: list[str] = []
    to_server = []

    def proxy(ws) -> None:  # noqa: ANN001  (Playwright's WebSocketRoute)
        server = ws.connect_to_server()
        to_server.append(server)

        def forward(message: str | bytes) -> None:
            if isinstance(message, str) and re.search(r"\.remind_me\"", message):
                sent.append(message)
            server.send(message)

        ws.on_message(forward)

    page.route_web_socket(re.compile(r"/_event"), proxy)
    with sqlite3.connect(e2e_db) as conn:
        task_id = conn.execute("SELECT t.id FROM task t JOIN official o ON o.id = t.owner_id "
                               "WHERE o.username = 'ct.saigon' ORDER BY t.id DESC LIMIT 1").fetchone()[0]
    sign_in(page, "ct.saigon", then=f"/tasks/{task_id}")
    wait_hydrated(page)
    note = f"Nhắc một lần ({viewport})"
    at = (datetime.now(city_zone()) + timedelta(days=2)).replace(second=0, microsecond=0)
    page.click("#action-remind_me")
    page.fill("#f-at", at.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-text", note)
    page.click("#confirm-remind_me")
    expect(page.locator(".my-reminder", has_text=note)).to_have_count(1)
    assert len(sent) == 1 and '"govhub_once":"' in sent[0]

    to_server[-1].send(sent[0])  # the same action again, with its key
    again = re.sub(r'"govhub_once":"[0-9a-f]+"', '"govhub_once":"' + "ab" * 12 + '"', sent[0])
    to_server[-1].send(again)  # the same request as a new action
    expect(page.locator(".my-reminder", has_text=note)).to_have_count(2)
    page.wait_for_timeout(300)  # both were answered in order; a third reminder would be there by now
    assert reminders_with(e2e_db, note) == 2


def test_signing_in_needs_no_connection(browser: Browser, server: str) -> None:
    """The sign-in form is posted by the browser itself: with the page's live connection lost (a proxy that drops
    websockets, a server busy restarting), sending it still signs the official in, unrefused."""
    for viewport, size in VIEWPORTS.items():
        context = browser.new_context(base_url=server, viewport=size, locale="vi-VN")
        cut = {"off": False, "open": []}

        def relay(ws, cut=cut) -> None:  # noqa: ANN001
            if cut["off"]:
                ws.close()
            else:
                ws.connect_to_server()
                cut["open"].append(ws)

        context.route_web_socket(re.compile(r"/_event"), relay)
        page = context.new_page()
        page.goto("/login")
        wait_hydrated(page)
        cut["off"] = True
        for ws in cut["open"]:
            ws.close()
        expect(page.get_by_text(RECONNECTING)).to_be_visible()
        page.fill("#username", "cv.saigon")
        page.fill("#password", "govhub-demo")
        with page.expect_navigation(wait_until="commit"):
            page.click("#sign-in")
        page.wait_for_url(lambda url: "/login" not in url)
        assert any(c["name"] == "govhub_session" for c in context.cookies())
        shot(page, f"sign-in-without-connection-{viewport}")
        context.close()
