"""Important news, the bell's list and personal reminders, as officials live them at phone and desktop size.

Important news rings the bell of everyone addressed at once (the pinned block itself is read when the inbox is
opened, or when the news is clicked in the bell: the push stays cheap for a city-wide audience). A reminder is
delivered by the scheduler's minute job; the browser test runs that job's function once, with the clock at the
reminder's time, instead of waiting for it."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session, create_engine

from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated
from tests.e2e.test_tasks import quick_assign

CITY = ZoneInfo("Asia/Ho_Chi_Minh")


def bell(page: Page):  # noqa: ANN201
    return page.locator(".bell:visible")


def bell_count(page: Page):  # noqa: ANN201
    return page.locator(".bell-count:visible")


def toast(page: Page, text: str):  # noqa: ANN201
    return page.locator("[data-sonner-toast]", has_text=text)


def clear_bell(page: Page) -> None:
    bell(page).click()
    page.locator("[id^=bell-read-all]:visible").click()
    expect(bell_count(page)).to_have_count(0)
    page.keyboard.press("Escape")


def city_minutes(fmt: str) -> re.Pattern[str]:
    """This minute or the next, in city time (the clock may turn while the test runs)."""
    now = datetime.now(CITY)
    return re.compile("|".join(re.escape((now + timedelta(minutes=m)).strftime(fmt)) for m in (0, 1)))


def publish(page: Page, title: str, body: str, units: list[str] | None) -> None:
    """Open the news form on the messages page, address the whole city (None) or the given units, publish."""
    page.goto("/messages")
    wait_hydrated(page)
    page.click("#new-news")
    dialog = page.get_by_role("dialog")
    dialog.locator("#news-title").fill(title)
    dialog.locator("#news-body").fill(body)
    if units is None:
        dialog.locator("#news-everyone").click()
        expect(dialog.locator("#news-filter")).to_have_count(0)  # no unit list for the whole city
    for unit in units or []:
        dialog.locator("#news-filter").fill(unit)
        expect(dialog.locator(".news-unit")).to_have_count(1)  # the city's ~180 units narrowed to one
        dialog.locator(".news-unit", has_text=unit).click()
        expect(dialog.locator(".news-unit", has_text=unit).get_by_role("checkbox")).to_be_checked()
    shot(page, f"news-form-{'all' if units is None else 'units'}")
    dialog.locator("#news-publish").click()
    expect(toast(page, "Đã đăng tin quan trọng.")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_important_news_to_the_whole_city_then_to_one_ward(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    everyone = f"Tạm dừng cấp nước khu vực trung tâm ({viewport})"
    ward_only = f"Lịch tiếp công dân của lãnh đạo phường tuần tới ({viewport})"
    chairman = browsers.new_page()
    sign_in(chairman, "ct.saigon")
    wait_hydrated(chairman)
    clear_bell(chairman)

    # The administrator addresses the whole city: the ward chairman's bell rings at once, without a reload.
    admin = browsers.new_page()
    sign_in(admin, "admin")
    publish(admin, everyone, "Từ 22 giờ thứ Bảy đến 4 giờ Chủ nhật, các cơ quan chủ động trữ nước.", None)
    expect(bell_count(chairman)).to_have_text("1", timeout=3000)
    bell(chairman).click()
    item = chairman.locator(".bell-item", has_text=everyone).first
    expect(item).to_contain_text(f"Tin quan trọng từ {full_name(e2e_db, 'admin')}: {everyone}")
    shot(chairman, "news-bell")
    item.click()  # the news is pinned on the inbox, where the chairman already is: the list closes on it
    expect(chairman.locator(".bell-list")).to_have_count(0)
    expect(chairman.locator("#pinned-news")).to_contain_text(everyone)
    expect(chairman.locator("#pinned-news")).to_contain_text(city_minutes("%H:%M %d/%m/%Y"))
    expect(bell_count(chairman)).to_have_count(0)
    shot(chairman, "news-pinned")

    # The City chairman addresses one ward: its chairman's bell rings, and the news is on top of his inbox.
    leader = browsers.new_page()
    sign_in(leader, "chutich")
    publish(leader, ward_only, "Thứ Năm, 8 giờ, tại trụ sở phường.", ["Phường Sài Gòn"])
    expect(bell_count(chairman)).to_have_text("1", timeout=3000)
    chairman.locator("a[href='/messages']:visible").first.click()
    chairman.wait_for_url("**/messages")
    chairman.locator("a[href='/']:visible").first.click()
    expect(chairman.locator(".pinned-news").first).to_contain_text(ward_only)

    # A department director is outside that ward: the city-wide news only.
    outsider = browsers.new_page()
    sign_in(outsider, "gd.taichinh")
    wait_hydrated(outsider)
    expect(outsider.locator("#pinned-news")).to_contain_text(everyone)
    expect(outsider.locator("#pinned-news")).not_to_contain_text(ward_only)
    bell(outsider).click()
    expect(outsider.locator(".bell-item", has_text=everyone).first).to_be_visible()
    expect(outsider.locator(".bell-item", has_text=ward_only)).to_have_count(0)

    # A ward chairman is a leader too, but addresses only his own ward and its divisions.
    chairman.goto("/messages")
    wait_hydrated(chairman)
    chairman.click("#new-news")
    dialog = chairman.get_by_role("dialog")
    expect(dialog.locator(".news-unit", has_text="Phường Sài Gòn")).to_have_count(1)
    expect(dialog.locator("#news-everyone")).to_have_count(0)
    expect(dialog.locator(".news-unit", has_text="Sở Tài chính")).to_have_count(0)
    shot(chairman, "news-form-ward")


def test_only_leaders_may_publish_news(page: Page) -> None:
    """A specialist has no news button (and the server refuses them: tests/test_messages.py)."""
    sign_in(page, "cv.saigon", then="/messages")
    wait_hydrated(page)
    expect(page.locator("#new-direct")).to_be_visible()
    expect(page.locator("#new-news")).to_have_count(0)


def test_the_bell_lists_opens_and_marks_read(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    title = f"Kiểm tra công tác phòng chống dịch sốt xuất huyết ({viewport})"
    chairman = browsers.new_page()
    sign_in(chairman, "ct.saigon")
    wait_hydrated(chairman)
    clear_bell(chairman)

    leader = browsers.new_page()
    sign_in(leader, "chutich")
    quick_assign(leader, title, [], datetime.now(CITY).date() + timedelta(days=10), units=["Phường Sài Gòn"])
    leader.click("#assign-confirm")
    leader.wait_for_url(re.compile(r"/directives/\d+"))
    expect(bell_count(chairman)).to_have_text("1", timeout=3000)
    leader.goto("/messages")
    wait_hydrated(leader)
    leader.locator(".conv-row", has_text=title).first.click()
    expect(leader.locator("#conv-title")).to_have_text(title)
    leader.fill("#msg-body", "Phường chú ý các khu nhà trọ ven kênh.")
    leader.click("#msg-send")
    expect(bell_count(chairman)).to_have_text("2", timeout=3000)

    # Newest first, in words, with the time in the city's zone.
    bell(chairman).click()
    items = chairman.locator(".bell-item")
    leader_name = full_name(e2e_db, "chutich")
    expect(items.nth(0)).to_contain_text(f"{leader_name} nhắn trong «{title}»: Phường chú ý các khu nhà trọ")
    expect(items.nth(1)).to_contain_text(f"{leader_name} giao nhiệm vụ: {title}")
    expect(items.nth(1)).to_contain_text(city_minutes("%H:%M %d/%m"))
    shot(chairman, "bell-list")

    # One notification opens its task; the count drops by one.
    items.nth(1).click()
    chairman.wait_for_url(re.compile(r"/tasks/\d+$"))
    expect(chairman.locator("#task-title")).to_have_text(title)
    expect(chairman.locator(".bell-list")).to_have_count(0)
    expect(bell_count(chairman)).to_have_text("1")

    # "Mark all read": no count left; the message notification still opens its conversation, from the keyboard
    # alone: the bell opens with Enter, Tab reaches the notification (outlined in the theme's focus colour), Enter
    # opens it.
    bell(chairman).click()
    chairman.locator("[id^=bell-read-all]:visible").click()
    expect(bell_count(chairman)).to_have_count(0)
    chairman.keyboard.press("Escape")
    expect(chairman.locator(".bell-list")).to_have_count(0)
    bell(chairman).focus()
    chairman.keyboard.press("Enter")
    message_item = chairman.locator(".bell-item", has_text="Phường chú ý các khu nhà trọ").first
    expect(message_item).to_be_visible()
    tab_to(chairman, message_item)
    expect(message_item).to_have_css("outline-style", "solid")
    expect(message_item).to_have_css("outline-width", "2px")
    shot(chairman, "bell-keyboard-focus")
    chairman.keyboard.press("Enter")
    chairman.wait_for_url(re.compile(r"/messages/\d+$"))
    expect(chairman.locator("#conv-title")).to_have_text(title)
    expect(chairman.locator(".message:visible", has_text="Phường chú ý các khu nhà trọ")).to_be_visible()
    expect(chairman.locator(".bell-list")).to_have_count(0)

    # Space opens one too (a real button): the task notification, back to its task.
    bell(chairman).focus()
    chairman.keyboard.press("Enter")
    task_item = chairman.locator(".bell-item", has_text=f"giao nhiệm vụ: {title}").first
    tab_to(chairman, task_item)
    chairman.keyboard.press("Space")
    chairman.wait_for_url(re.compile(r"/tasks/\d+$"))
    expect(chairman.locator("#task-title")).to_have_text(title)


def tab_to(page: Page, target: Locator, most: int = 12) -> None:
    """Press Tab until ``target`` has the keyboard focus (fails after ``most`` presses)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{most} presses of Tab never reached {target}")


def deliver_personal_reminders(db: Path, now: datetime) -> int:
    """What the scheduler's minute job does, run once against the test server's database at ``now``."""
    from govhub.services.tasks import reminders

    engine = create_engine(f"sqlite:///{db}", connect_args={"timeout": 30})
    try:
        with Session(engine) as session:
            delivered = reminders.do_send_personal_reminders(session, now)
            session.commit()
        return delivered
    finally:
        engine.dispose()


def test_a_personal_reminder_on_a_task(page: Page, viewport: str, e2e_db: Path) -> None:
    with sqlite3.connect(e2e_db) as conn:
        task_id, title = conn.execute(
            "SELECT t.id, t.title FROM task t JOIN official o ON o.id = t.owner_id WHERE o.username = 'ct.saigon' "
            "ORDER BY t.id LIMIT 1").fetchone()
    sign_in(page, "ct.saigon", then=f"/tasks/{task_id}")
    wait_hydrated(page)
    expect(page.locator("#task-title")).to_have_text(title)

    # A moment in the past: a clear message, and the form stays open to be corrected.
    now = datetime.now(CITY).replace(second=0, microsecond=0)
    page.click("#action-remind_me")
    page.fill("#f-at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-text", "Gọi Sở Tài chính hỏi số liệu")
    page.click("#confirm-remind_me")
    expect(toast(page, "Thời điểm nhắc phải ở tương lai (trong vòng một năm).")).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_visible()
    shot(page, "reminder-past")

    # Two reminders (minutes apart per width, so the two runs of this test never share one): listed, soonest first.
    soon = (now + timedelta(days=1)).replace(hour=8, minute=30 if viewport == "phone" else 31)
    page.fill("#f-at", soon.strftime("%Y-%m-%dT%H:%M"))
    page.click("#confirm-remind_me")
    expect(toast(page, "Đã đặt lịch nhắc.")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    later = soon + timedelta(days=1)
    page.click("#action-remind_me")
    page.fill("#f-at", later.strftime("%Y-%m-%dT%H:%M"))
    page.click("#confirm-remind_me")
    mine = page.locator(".my-reminder")
    expect(mine).to_have_count(2)
    expect(mine.nth(0)).to_have_text(f"Nhắc lúc {soon:%H:%M %d/%m/%Y} — Gọi Sở Tài chính hỏi số liệu")
    expect(mine.nth(1)).to_contain_text(f"Nhắc lúc {later:%H:%M %d/%m/%Y}")
    shot(page, "reminders-listed")

    # The later one is cancelled; the sooner one comes due and reaches the bell, which opens the task.
    mine.nth(1).locator(".reminder-cancel").click()
    expect(toast(page, "Đã bỏ lịch nhắc.")).to_be_visible()
    expect(mine).to_have_count(1)
    expect(page.locator("#task-timeline")).not_to_contain_text("reminder")  # private: not in the shared history
    assert deliver_personal_reminders(e2e_db, soon + timedelta(minutes=1)) >= 1
    page.goto("/")
    wait_hydrated(page)
    bell(page).click()
    item = page.locator(".bell-item", has_text=f"Nhắc việc «{title}» Gọi Sở Tài chính hỏi số liệu").first
    expect(item).to_be_visible()
    shot(page, "reminder-in-bell")
    item.click()
    page.wait_for_url(re.compile(rf"/tasks/{task_id}$"))
    expect(page.locator("#task-title")).to_have_text(title)
    expect(page.locator("#my-reminders")).to_have_count(0)  # sent: no longer to come
