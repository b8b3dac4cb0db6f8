"""Message attachments in the browser: the ward chairman opens a direct conversation with his deputy, a refused
file (wrong type, too large) is explained in Vietnamese and the typed text stays in the box; a PDF with a long
Vietnamese name goes out with the message; the deputy sees it live and downloads the very same bytes, and an
official outside the conversation is refused the same address."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from govhub.demo.documents import demo_pdf
from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated

LONG_NAME = ("Báo cáo tổng hợp kết quả rà soát phương án phòng chống ngập úng mùa mưa năm 2025 của Phường Sài Gòn"
             "_Phụ_lục_kèm_theo_bảng_số_liệu_chi_tiết.pdf")


def open_direct(page: Page, name: str) -> None:
    """Open (or start) the direct conversation with the official called ``name``."""
    page.goto("/messages")
    wait_hydrated(page)
    page.click("#new-direct")
    page.fill("#people-search", name)
    page.locator(".person-option", has_text=name).first.click()
    page.wait_for_url(re.compile(r"/messages/\d+$"))
    expect(page.locator("#conv-title")).to_have_text(name)


def choose_file(page: Page, name: str, data: bytes, mime: str) -> None:
    page.set_input_files("#msg-files input[type=file]", files=[{"name": name, "mimeType": mime, "buffer": data}])


def toast(page: Page, text: str):  # noqa: ANN201
    return page.locator("[data-sonner-toast]", has_text=text)


def assert_inside(inner: Locator, outer: Locator) -> None:
    """``inner`` is drawn within ``outer`` (a long file name wraps or is cut, never overflows)."""
    a, b = inner.bounding_box(), outer.bounding_box()
    assert a and b, "not drawn"
    assert a["x"] >= b["x"] - 0.5 and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5, (a, b)


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_attach_send_download_and_refusals(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    deputy_name = full_name(e2e_db, "pct1.saigon")
    chairman = browsers.new_page()
    sign_in(chairman, "ct.saigon")
    open_direct(chairman, deputy_name)
    conversation_url = chairman.url

    # Refusals: the reason in Vietnamese, nothing pending, and the message typed so far still there.
    text = f"Gửi anh báo cáo rà soát phương án chống ngập ({viewport})."
    chairman.fill("#msg-body", text)
    choose_file(chairman, "cai-dat.exe", b"MZ\x90\x00" + b"\x00" * 200, "application/x-msdownload")
    expect(toast(chairman, "Không nhận loại tệp này: cai-dat.exe")).to_have_css("opacity", "1")
    expect(chairman.locator(".pending-file")).to_have_count(0)
    expect(chairman.locator("#msg-body")).to_have_value(text)
    shot(chairman, "attachment-refused-type")
    too_big = b"%PDF-1.4\n" + b"0" * (10 * 1_048_576 + 1)
    choose_file(chairman, "bien-ban-scan.pdf", too_big, "application/pdf")
    expect(toast(chairman, "Tệp bien-ban-scan.pdf lớn hơn 10 MB.")).to_be_visible(timeout=30_000)
    expect(chairman.locator(".pending-file")).to_have_count(0)
    expect(chairman.locator("#msg-body")).to_have_value(text)

    # A PDF with a long Vietnamese name: shown as pending, then sent with the message.
    pdf = demo_pdf(f"Bao cao ra soat {viewport}")
    choose_file(chairman, LONG_NAME, pdf, "application/pdf")
    expect(chairman.locator(".pending-file")).to_have_count(1)
    expect(chairman.locator(".pending-file")).to_contain_text(LONG_NAME)
    expect(chairman.locator("#msg-body")).to_have_value(text)
    assert_inside(chairman.locator(".pending-file"), chairman.locator("form:has(#msg-body)"))
    assert_no_sideways_scroll(chairman)
    shot(chairman, "attachment-pending")
    chairman.click("#msg-send")
    sent = chairman.locator(".message:visible", has_text=text)
    expect(sent.locator(".attachment")).to_have_count(1)
    expect(sent.locator(".attachment")).to_contain_text(LONG_NAME)
    expect(chairman.locator("#msg-body")).to_have_value("")
    expect(chairman.locator(".pending-file")).to_have_count(0)
    assert_inside(sent.locator(".attachment"), sent)
    assert_no_sideways_scroll(chairman)
    shot(chairman, "attachment-sent")

    # The deputy (a member) sees it and downloads exactly what was sent.
    deputy = browsers.new_page()
    sign_in(deputy, "pct1.saigon")
    deputy.goto(conversation_url)
    wait_hydrated(deputy)
    link = deputy.locator(".message:visible", has_text=text).locator(".attachment")
    expect(link).to_contain_text(LONG_NAME)
    assert_inside(link, deputy.locator(".message:visible", has_text=text))
    assert_no_sideways_scroll(deputy)
    shot(deputy, "attachment-received")
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/files/attachments/\d+", href)
    with deputy.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == LONG_NAME
    assert Path(download.path()).read_bytes() == pdf
    response = deputy.request.get(href)
    assert response.status == 200 and response.body() == pdf
    assert response.headers["content-type"] == "application/pdf"

    # An official of the same ward who is not in the conversation: refused, exactly like a missing file.
    outsider = browsers.new_page()
    sign_in(outsider, "cv.saigon")
    refused = outsider.request.get(href)
    assert refused.status in (403, 404)
    assert pdf not in refused.body()
