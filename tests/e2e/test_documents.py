"""Documents as the ward lives them: a specialist drafts a công văn and submits it; the chairman finds it in his
inbox awaiting signature, returns it with a comment; the specialist revises; the chairman signs and it is issued
with its number; an administrator adds a review step to the route and the next document follows it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect

from govhub.demo.documents import demo_pdf
from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated

# A Radix space step resolves to a length; gap="2" used to reach the browser as the CSS value "2", dropped: "normal".
SPACED = re.compile(r"^\d+(\.\d+)?px$")


def upload(page: Page, upload_id: str, name: str, title: str) -> None:
    page.set_input_files(f"#{upload_id} input[type=file]",
                         files=[{"name": name, "mimeType": "application/pdf", "buffer": demo_pdf(title)}])
    expect(page.locator("#doc-files")).to_contain_text(name)


def draft(page: Page, summary: str) -> str:
    """As the signed-in author: a new công văn with its file, submitted; returns its page address."""
    page.goto("/documents")
    wait_hydrated(page)
    page.click("#new-doc")
    page.fill("#f-summary", summary)
    page.click("#confirm-new-doc")
    page.wait_for_url(re.compile(r"/documents/\d+"))
    expect(page.locator("#doc-summary")).to_have_text(summary)
    upload(page, "upload-main", "du-thao-v1.pdf", "Du thao lan 1")
    page.click("#action-submit")
    expect(page.locator("#doc-state")).to_contain_text("Đang trình")
    return page.url


def test_the_download_link_downloads_the_file(browsers: Browsers, viewport: str) -> None:
    """"Tải về" is a real download of the file's exact bytes, with its name (left to React Router, the click routed
    inside the app and nothing was downloaded); a reader without access to the document is refused the address."""
    author = browsers.new_page()
    sign_in(author, "cv.saigon")
    draft(author, f"Kế hoạch tổng vệ sinh môi trường ({viewport})")
    link = author.locator("#doc-files .file-download", has_text="Tải về")
    expect(link).to_have_count(1)
    shot(author, "document-files")
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/files/\d+", href)
    with author.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "du-thao-v1.pdf"
    assert Path(download.path()).read_bytes() == demo_pdf("Du thao lan 1")
    expect(author.locator("#doc-files")).to_be_visible()  # still on the document page
    preview = author.locator("#doc-files .file-preview")
    assert preview.get_attribute("href") == f"{href}?inline=1" and preview.get_attribute("target") == "_blank"

    outsider = browsers.new_page()
    sign_in(outsider, "ct.bencat")  # another ward's chairman
    refused = outsider.request.get(href)
    assert refused.status == 404 and demo_pdf("Du thao lan 1") not in refused.body()


def act(page: Page, action: str, text: str = "") -> None:
    page.click(f"#action-{action}")
    if text:
        page.fill("#f-text", text)
    page.click(f"#confirm-{action}")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_draft_return_revise_sign_issue_and_edit_the_route(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    summary = f"Đề nghị phối hợp ra quân chỉnh trang đô thị ({viewport})"

    author = browsers.new_page()
    sign_in(author, "cv.saigon")
    doc_url = draft(author, summary)
    shot(author, "document-submitted")

    chairman = browsers.new_page()
    sign_in(chairman, "ct.saigon")
    chairman.click("#kind-doc_sign")
    chairman.fill("#inbox-search", summary)
    item = chairman.locator(".inbox-item:visible", has_text=summary).first
    expect(item).to_be_visible()
    expect(chairman.locator("#inbox-cards:visible, #inbox-table:visible")).to_contain_text("Văn bản chờ ký")
    shot(chairman, "inbox-doc-sign")
    item.click()
    expect(chairman.locator("#doc-summary")).to_have_text(summary)
    expect(chairman.locator("#action-sign")).to_be_visible()
    expect(chairman.locator("#action-submit")).to_have_count(0)
    expect(chairman.locator("#action-sign").locator("xpath=..")).to_have_css("gap", SPACED)
    shot(chairman, "document-actions")
    act(chairman, "return", "Bổ sung thời gian, địa điểm ra quân.")
    expect(chairman.locator("#doc-state")).to_contain_text("Bị trả lại")

    author.goto(doc_url)
    wait_hydrated(author)
    expect(author.locator("#doc-route")).to_contain_text("Bổ sung thời gian, địa điểm ra quân.")
    upload(author, "upload-main", "du-thao-v2.pdf", "Du thao lan 2")
    author.click("#action-submit")
    expect(author.locator("#doc-state")).to_contain_text("Đang trình")

    chairman.goto(doc_url)
    wait_hydrated(chairman)
    act(chairman, "sign")
    expect(chairman.locator("#doc-symbol")).to_contain_text(re.compile(r"^\d{2,}/UBND-VP$"))
    expect(chairman.locator("#doc-signatures")).to_contain_text("SHA-256")
    expect(chairman.locator("#doc-history")).to_contain_text("ban hành, cấp số")
    shot(chairman, "document-issued")

    admin = browsers.new_page()
    sign_in(admin, "admin", then="/admin/routes")
    admin.goto("/admin/routes")
    wait_hydrated(admin)
    admin.locator(".route-item", has_text="Công văn — Chủ tịch ký").click()
    expect(admin.locator("#route-name")).to_have_text("Công văn — Chủ tịch ký")
    admin.click("#f-step-kind")
    admin.get_by_role("option", name="Cho ý kiến").click()
    admin.get_by_role("radio", name="Theo chức vụ").click()
    admin.click("#f-assignee")
    admin.get_by_role("option", name="Chánh Văn phòng", exact=True).click()
    admin.click("#add-step")
    expect(admin.locator(".route-step")).to_have_count(2)
    expect(admin.locator("#route-problem")).to_have_count(0)
    shot(admin, "route-editor")

    next_url = draft(author, f"Báo cáo kết quả ra quân ({viewport})")
    office_chief = full_name(e2e_db, "tp1.saigon")
    step = author.locator(".doc-step", has_text=office_chief)
    expect(step).to_contain_text("Đang chờ xử lý")
    shot(author, "document-route")
    assert next_url != doc_url

    # put the route back as it was (the other viewport's run starts from the same data)
    admin.locator(".route-step", has_text="Chánh Văn phòng").get_by_role("button").click()
    expect(admin.locator(".route-step")).to_have_count(1)


def test_a_refused_route_template_keeps_what_was_typed(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    """The ward's unit administrator types a new route template and loses the role before pressing "create": the
    refusal is explained and the name and type stay in the form; given the role back, the same form creates the
    template, and the form is empty again on the way back to the list. (Also: the document lists' buttons and
    filters are spaced.)"""
    admin = browsers.new_page()
    sign_in(admin, "tp1.saigon", then="/documents")
    admin.goto("/documents")
    wait_hydrated(admin)
    expect(admin.locator("#box-mine").locator("xpath=..")).to_have_css("gap", SPACED)
    expect(admin.locator("#doc-search").locator("xpath=ancestor::div[contains(@class, 'rt-Flex')][1]")) \
        .to_have_css("gap", SPACED)
    shot(admin, "documents-list")

    admin.goto("/admin/routes")
    wait_hydrated(admin)
    name = f"Thông báo nội bộ — Chánh Văn phòng ký ({viewport})"
    admin.fill("#f-route-name", name)
    admin.click("#f-route-type")
    admin.get_by_role("option", name="Thông báo", exact=True).click()
    with sqlite3.connect(e2e_db) as db:
        roles = db.execute("SELECT roles FROM official WHERE username = 'tp1.saigon'").fetchone()[0]
        db.execute("UPDATE official SET roles = ? WHERE username = 'tp1.saigon'",
                   (" ".join(r for r in roles.split() if r != "unit_admin"),))
    try:
        admin.click("#create-route")
        expect(admin.locator("[data-sonner-toast]", has_text="Không tìm thấy hoặc bạn không có quyền xem.")) \
            .to_have_css("opacity", "1")
        expect(admin.locator("#f-route-name")).to_have_value(name)
        expect(admin.locator("#f-route-type")).to_have_text("Thông báo")
        expect(admin.locator(".route-item", has_text=name)).to_have_count(0)
        shot(admin, "route-refused-kept")
    finally:
        with sqlite3.connect(e2e_db) as db:
            db.execute("UPDATE official SET roles = ? WHERE username = 'tp1.saigon'", (roles,))

    admin.click("#create-route")
    expect(admin.locator("#route-name")).to_have_text(name)
    expect(admin.locator("#route-problem")).to_contain_text("Quy trình chưa có bước nào.")
    # Retired again (the other viewport's run and the other tests see the routes as seeded), then back to the list.
    admin.click("#f-edit-active")
    admin.click("#save-route")
    expect(admin.locator("[data-sonner-toast]", has_text="Đã lưu quy trình.")).to_be_visible()
    admin.get_by_role("button", name="Tất cả quy trình").click()
    expect(admin.locator(".route-item", has_text=name)).to_contain_text("Ngừng dùng")
    expect(admin.locator("#f-route-name")).to_have_value("")
    expect(admin.locator("#f-route-type")).to_have_text("Mọi loại văn bản")
    shot(admin, "route-created-form-empty")
