"""The task engine as its users live it: the Standing Committee assigns to every ward at once, a ward
chairman receives and delegates on a phone, a specialist reports and submits, and acceptance goes back up."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated


def quick_assign(page: Page, title: str, presets: list[str], deadline: date, units: list[str] = ()) -> None:
    """Fill the quick-assignment form as chutich and confirm."""
    page.goto("/assign")
    wait_hydrated(page)
    page.wait_for_selector("#preset-wards")
    page.fill("#f-number", "45/TB-VP")
    page.fill("#f-summary", f"Kết luận của Thường trực UBND Thành phố — {title}")
    page.fill("#f-title", title)
    page.fill("#f-content", "Rà soát, báo cáo kết quả trước hạn.")
    page.fill("#f-deadline", deadline.isoformat())
    for preset in presets:
        page.click(f"#preset-{preset}")
    for unit in units:
        page.fill(".assign-filter input", unit)
        page.locator(".target-unit", has_text=unit).first.click()


def open_from_inbox(page: Page, title: str) -> None:
    """Find a task in the inbox by its title and open it."""
    page.goto("/")
    wait_hydrated(page)
    page.fill("#inbox-search", title)
    item = page.locator(".inbox-item:visible", has_text=title).first
    expect(item).to_be_visible()
    item.click()
    expect(page.locator("#task-title")).to_have_text(title)


def act(page: Page, action: str, **fields: str) -> None:
    """Press an action button, fill its form, confirm."""
    page.click(f"#action-{action}")
    for name, value in fields.items():
        page.fill(f"#f-{name}", value)
    page.click(f"#confirm-{action}")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_directive_to_all_wards_and_back_up(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    title = f"Kiểm tra an toàn phòng cháy chữa cháy ({viewport})"
    deadline = date.today() + timedelta(days=20)

    leader = browsers.new_page()
    sign_in(leader, "chutich")
    quick_assign(leader, title, ["wards", "communes"], deadline)
    expect(leader.locator("#picked-count")).to_contain_text("168")
    expect(leader.locator("#will-create")).to_contain_text("168")
    shot(leader, "assign")
    leader.click("#assign-confirm")
    leader.wait_for_url(re.compile(r"/directives/\d+"))
    expect(leader.locator("#directive-matrix tbody tr")).to_have_count(168)
    expect(leader.locator("#matrix-open")).to_contain_text("168")
    shot(leader, "directive-matrix")

    chairman = browsers.new_page()
    sign_in(chairman, "ct.saigon")
    open_from_inbox(chairman, title)
    shot(chairman, "task-new")
    chairman.click("#action-receive")
    expect(chairman.locator("#task-state")).to_have_text("Đã tiếp nhận")
    specialist_name = full_name(e2e_db, "cv.saigon")
    chairman.click("#action-delegate")
    chairman.click("#f-target")
    chairman.get_by_role("option", name=re.compile(specialist_name)).click()
    chairman.fill("#f-deadline", (deadline - timedelta(days=5)).isoformat())
    shot(chairman, "task-delegate")
    chairman.click("#confirm-delegate")
    expect(chairman.locator("#task-children")).to_contain_text(specialist_name)

    specialist = browsers.new_page()
    sign_in(specialist, "cv.saigon")
    open_from_inbox(specialist, title)
    specialist.click("#action-receive")
    act(specialist, "report", percent="60", text="Đã kiểm tra 12/20 cơ sở.")
    expect(specialist.locator("#task-timeline")).to_contain_text("Đã kiểm tra 12/20 cơ sở.")
    act(specialist, "submit", text="Đã kiểm tra đủ 20 cơ sở, không phát hiện vi phạm nghiêm trọng.")
    expect(specialist.locator("#task-state")).to_have_text("Đã báo cáo, chờ duyệt")
    shot(specialist, "task-submitted")

    chairman.goto("/")
    wait_hydrated(chairman)
    chairman.click("#kind-review")
    chairman.locator(".inbox-item:visible", has_text=title).first.click()
    act(chairman, "accept", text="Đồng ý.")
    expect(chairman.locator("#task-state")).to_have_text("Đã hoàn thành")
    chairman.locator("a", has_text=title).first.click()  # up to the ward's task
    act(chairman, "submit", text="Phường Sài Gòn đã hoàn thành kiểm tra.")
    expect(chairman.locator("#task-state")).to_have_text("Đã báo cáo, chờ duyệt")

    leader.goto("/")
    wait_hydrated(leader)
    leader.click("#kind-review")
    leader.locator(".inbox-item:visible", has_text=title).first.click()
    act(leader, "accept")
    expect(leader.locator("#task-state")).to_have_text("Đã hoàn thành")
    leader.locator("#task-title").wait_for()
    shot(leader, "task-accepted")


def test_extension_request_seen_from_both_sides(browsers: Browsers, viewport: str) -> None:
    title = f"Báo cáo tiến độ giải ngân vốn đầu tư công ({viewport})"
    deadline = date.today() + timedelta(days=7)
    later = deadline + timedelta(days=10)

    leader = browsers.new_page()
    sign_in(leader, "chutich")
    quick_assign(leader, title, [], deadline, units=["Phường Sài Gòn"])
    expect(leader.locator("#picked-count")).to_contain_text("1")
    leader.click("#assign-confirm")
    leader.wait_for_url(re.compile(r"/directives/\d+"))

    chairman = browsers.new_page()
    sign_in(chairman, "ct.saigon")
    open_from_inbox(chairman, title)
    chairman.click("#action-receive")
    act(chairman, "request_extension", deadline=later.isoformat(), text="Chờ số liệu của Kho bạc.")
    expect(chairman.locator("#action-request_extension")).to_have_count(0)

    leader.goto("/")
    wait_hydrated(leader)
    leader.click("#kind-extension")
    leader.locator(".inbox-item:visible", has_text=title).first.click()
    leader.click("#action-decide_extension")
    expect(leader.get_by_role("dialog")).to_contain_text(later.strftime("%d/%m/%Y"))
    expect(leader.get_by_role("dialog")).to_contain_text("Chờ số liệu của Kho bạc.")
    shot(leader, "extension-decide")
    leader.click("#confirm-decide_extension")
    expect(leader.get_by_role("dialog")).to_have_count(0)
    expect(leader.locator("#task-timeline")).to_contain_text("đồng ý gia hạn")

    chairman.reload()
    expect(chairman.locator("#task-timeline")).to_contain_text("đồng ý gia hạn")
    expect(chairman.get_by_text(later.strftime("%d/%m/%Y")).first).to_be_visible()
    shot(chairman, "extension-approved")


def test_a_stranger_cannot_open_the_task(page: Page, e2e_db: Path) -> None:
    """Another ward's task looks exactly like one that does not exist."""
    with sqlite3.connect(e2e_db) as conn:
        row = conn.execute("SELECT t.id FROM task t JOIN unit u ON u.id = t.lead_unit_id "
                           "WHERE u.code NOT LIKE '26740%' AND t.assigner_unit_id = 1 LIMIT 1").fetchone()
    sign_in(page, "cv.saigon")
    for task_id in [999999, *(row or [])]:
        page.goto(f"/tasks/{task_id}")
        wait_hydrated(page)
        expect(page.locator("#task-missing")).to_be_visible()
        expect(page.locator("#task-title")).to_have_count(0)
