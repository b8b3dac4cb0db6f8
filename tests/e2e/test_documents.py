"""Documents as the ward lives them: a specialist drafts a công văn and submits it; the chairman finds it in his
inbox awaiting signature, returns it with a comment; the specialist revises; the chairman signs and it is issued
with its number; an administrator adds a review step to the route and the next document follows it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from govhub.services.seed_documents import demo_pdf
from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated


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
