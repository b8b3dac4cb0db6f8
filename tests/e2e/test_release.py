"""A new release while tabs are open: the server restarts with another release, and every open tab says calmly,
in Vietnamese, that a new version is ready, with one button that loads it; the page keeps working meanwhile and
keeps what was typed. A piece of the page that can no longer be loaded (a new build removed its file) says the same,
instead of leaving a blank page or a spinner."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import AppServer, Browsers, shot, wait_hydrated
from tests.e2e.test_connection import both, open_conversation  # noqa: F401  (``both`` is a fixture)

NEW_VERSION = "Đã có phiên bản mới"


def banner(page: Page):  # noqa: ANN201
    return page.locator("#new-version")


def test_a_new_release_while_tabs_are_open(both: dict[str, Browsers], app_server: AppServer) -> None:  # noqa: F811
    pages = {viewport: b.new_page() for viewport, b in both.items()}
    for viewport, page in pages.items():
        open_conversation(page, "pct1.saigon")
        page.fill("#msg-body", f"Viết dở ({viewport})")
        expect(banner(page)).to_have_count(0)

    # The server's own release stays set for the rest of the session: later tests open fresh tabs.
    app_server.restart(GOVHUB_RELEASE="e2e-next")
    for viewport, page in pages.items():
        expect(banner(page)).to_be_visible(timeout=10_000)
        expect(banner(page)).to_contain_text(NEW_VERSION)
        expect(page.locator("#connection-strip")).to_have_count(0)
        expect(page.locator("#msg-body")).to_have_value(f"Viết dở ({viewport})")  # nothing lost until asked
        shot(page, "new-version")
        page.get_by_role("button", name="Tải lại").click()
        page.wait_for_load_state()
        wait_hydrated(page)
        expect(page.locator("#msg-body")).to_be_visible()
        expect(banner(page)).to_have_count(0)

    # A file of the page that cannot be loaded any more (Vite reports it as this event): the same offer.
    page = pages["phone"]
    page.evaluate("window.dispatchEvent(new Event('vite:preloadError', {cancelable: true}))")
    expect(banner(page)).to_be_visible()
    page.get_by_role("button", name="Tải lại").click()
    page.wait_for_load_state()
    wait_hydrated(page)
    expect(banner(page)).to_have_count(0)
