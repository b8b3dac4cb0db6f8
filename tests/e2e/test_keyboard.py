"""Keyboard paths through the most-used lists: Tab reaches a directory row, an inbox item, a conversation, a person
to talk to and a route template; Enter opens it; keyboard focus is outlined."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated


def tab_to(page: Page, target: Locator, most: int = 25) -> None:
    """Press Tab until ``target`` has the keyboard focus (fails after ``most`` presses)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{most} presses of Tab never reached {target}")


def expect_ring(target: Locator) -> None:
    """Keyboard focus is drawn: a 2px solid outline."""
    expect(target).to_have_css("outline-style", "solid")
    expect(target).to_have_css("outline-width", "2px")


def test_directory_row_opens_the_card_with_enter(page: Page, viewport: str) -> None:
    sign_in(page, "ct.saigon", then="/directory")
    page.goto("/directory")
    wait_hydrated(page)
    page.fill("#directory-search", "nguyen van")
    row = page.locator(".official-row").first
    expect(row).to_contain_text("Nguyễn Văn")
    name = row.locator(".official-open p").first.inner_text()
    # Valid HTML: the row's button and its phone link sit side by side, neither inside the other.
    expect(page.locator(".official-row button a, .official-row a button")).to_have_count(0)
    expect(page.locator(".official-row a[href^='tel:']").first).to_be_visible()
    page.focus("#directory-search")
    opener = row.locator(".official-open")
    tab_to(page, opener)
    expect_ring(opener)
    shot(page, "keyboard-directory-row")
    page.keyboard.press("Enter")
    expect(page.locator("#contact-name")).to_have_text(name)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The phone icon is the stop after the row (its own link), then the next row; Space opens a row too.
    page.focus("#directory-search")
    tab_to(page, opener)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href') || document.activeElement.className")
    assert focused.startswith("tel:") or "official-open" in focused, focused
    second = page.locator(".official-row").nth(1).locator(".official-open")
    tab_to(page, second, most=3)
    page.keyboard.press("Space")
    expect(page.locator("#contact-name")).to_have_text(second.locator("p").first.inner_text())


def test_inbox_item_opens_with_enter(page: Page, viewport: str) -> None:
    sign_in(page, "ct.saigon")
    wait_hydrated(page)
    item = page.locator(".inbox-item:visible").first
    expect(item).to_be_visible()
    href = item.get_attribute("href")
    assert href and re.fullmatch(r"/(tasks|documents)/\d+", href), href
    page.focus("#inbox-search")
    tab_to(page, item)
    expect_ring(item)
    shot(page, "keyboard-inbox-item")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(href) + "$"))


def test_a_person_then_a_conversation_open_with_enter(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    page = browsers.new_page()
    other = full_name(e2e_db, "pct1.saigon")
    sign_in(page, "ct.saigon", then="/messages")
    page.goto("/messages")
    wait_hydrated(page)
    page.focus("#new-direct")
    page.keyboard.press("Enter")
    page.fill("#people-search", other)
    person = page.locator(".person-option", has_text=other).filter(has_text="Phường Sài Gòn").first
    expect(person).to_be_visible()
    tab_to(page, person)
    expect_ring(person)
    shot(page, "keyboard-person")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/messages/\d+$"))
    conversation = re.search(r"/messages/\d+$", page.url).group(0)
    expect(page.locator("#conv-title")).to_have_text(other)

    page.goto("/messages")
    wait_hydrated(page)
    row = page.locator(f'.conv-row:visible[href="{conversation}"]')
    expect(row).to_be_visible()
    page.focus("#conv-filter")
    tab_to(page, row)
    expect_ring(row)
    shot(page, "keyboard-conversation-row")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(conversation) + "$"))
    expect(page.locator("#conv-title")).to_have_text(other)


def test_group_member_is_taken_off_with_the_keyboard(page: Page, viewport: str, e2e_db: Path) -> None:
    other = full_name(e2e_db, "cv.saigon")
    sign_in(page, "ct.saigon", then="/messages")
    page.goto("/messages")
    wait_hydrated(page)
    page.click("#new-group")
    page.fill("#people-search", other)
    page.locator(".person-option", has_text=other).filter(has_text="Phường Sài Gòn").first.click()
    chosen = page.get_by_role("dialog").locator(".chosen-person", has_text=other)
    expect(chosen).to_be_visible()
    chosen.focus()
    page.keyboard.press("Enter")
    expect(chosen).to_have_count(0)


def test_route_template_opens_with_enter(page: Page, viewport: str) -> None:
    sign_in(page, "admin", then="/admin/routes")
    page.goto("/admin/routes")
    wait_hydrated(page)
    item = page.locator(".route-item", has_text="Công văn — Chủ tịch ký")
    expect(item).to_be_visible()
    expect(item).to_have_js_property("tagName", "BUTTON")
    item.focus()
    expect_ring(item)
    shot(page, "keyboard-route-item")
    page.keyboard.press("Enter")
    expect(page.locator("#route-name")).to_have_text("Công văn — Chủ tịch ký")
