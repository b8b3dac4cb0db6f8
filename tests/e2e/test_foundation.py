"""Sign-in, the shell, the directory and sign-out, as a ward chairman would use them."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.e2e.conftest import shot, sign_in, wait_hydrated


def test_anonymous_visit_lands_on_sign_in(page: Page) -> None:
    page.goto("/directory")
    page.wait_for_url(re.compile(r"/login/?\?next=/directory"))
    wait_hydrated(page)
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    shot(page, "login")


def test_wrong_password_shows_the_error(page: Page) -> None:
    page.goto("/login")
    wait_hydrated(page)
    page.fill("#username", "gd.yte")
    page.fill("#password", "not-the-password")
    page.click("#sign-in")
    page.wait_for_url(re.compile(r"/login/?\?error=invalid"))
    expect(page.locator("#login-error")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    expect(page.locator("#me-name")).to_have_count(0)


def test_ward_chairman_finds_a_colleague_and_signs_out(page: Page, viewport: str) -> None:
    sign_in(page, "ct.saigon")
    expect(page.locator("#greeting")).to_contain_text("Xin chào, Phan Minh Nhi")
    shot(page, "home")

    page.goto("/directory")
    wait_hydrated(page)
    page.fill("#directory-search", "nguyen van")
    expect(page.locator("#result-count")).to_contain_text("kết quả")
    first = page.locator(".official-row").first
    expect(first).to_contain_text("Nguyễn Văn")
    shot(page, "directory-search")
    # Paging: the next page brings other people, the previous one the first again.
    names_on_page_one = page.locator(".official-row").all_text_contents()
    expect(page.get_by_text(re.compile(r"^Trang 1/\d+$"))).to_be_visible()
    page.get_by_role("button", name="Trang sau").click()
    expect(page.get_by_text(re.compile(r"^Trang 2/\d+$"))).to_be_visible()
    expect(page.locator("#result-count")).to_be_in_viewport()  # back at the top of the list
    expect(page.locator(".official-row").first).not_to_have_text(names_on_page_one[0])
    assert not set(page.locator(".official-row").all_text_contents()) & set(names_on_page_one)
    shot(page, "directory-page-2")
    page.get_by_role("button", name="Trang trước").click()
    expect(page.get_by_text(re.compile(r"^Trang 1/\d+$"))).to_be_visible()
    expect(first).to_have_text(names_on_page_one[0])
    first.click()
    expect(page.locator("#contact-name")).to_contain_text("Nguyễn Văn")
    expect(page.get_by_role("dialog").locator("a[href^='tel:']")).to_have_count(1)
    shot(page, "contact-card")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.fill("#directory-search", "")
    page.fill("#unit-filter", "sai gon")
    page.get_by_role("link", name=re.compile("Phường Sài Gòn")).click()
    expect(page.locator("#unit-name")).to_have_text("Phường Sài Gòn")
    expect(page.locator("#unit-people")).to_contain_text("Chủ tịch UBND")
    shot(page, "unit")

    if viewport == "phone":
        page.click("#account-menu")
    page.get_by_role("radio", name="EN").first.click()
    expect(page.get_by_text("Officials", exact=True)).to_be_visible()
    shot(page, "unit-english")
    page.get_by_role("radio", name="VI").first.click()
    expect(page.get_by_text("Cán bộ, công chức", exact=True)).to_be_visible()

    page.locator("#sign-out").locator("visible=true").first.click() if viewport == "desktop" else None
    if viewport == "phone":
        page.locator("#sign-out").last.click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/")
    page.wait_for_url(re.compile(r"/login"))


def test_language_is_remembered_per_official(page: Page, viewport: str) -> None:
    sign_in(page, "gd.taichinh")
    if viewport == "phone":
        page.click("#account-menu")
    page.get_by_role("radio", name="EN").first.click()
    expect(page.locator("#greeting")).to_contain_text("Hello")
    page.reload()
    expect(page.locator("#greeting")).to_contain_text("Hello")
    if viewport == "phone":
        page.click("#account-menu")
    page.get_by_role("radio", name="VI").first.click()
    expect(page.locator("#greeting")).to_contain_text("Xin chào")


def _drop_the_argument(message: str | bytes) -> str | bytes:
    """A Socket.IO frame from the page (``42/_event,["event", {...}]``) with the language switch's argument taken
    out of its event."""
    if not isinstance(message, str) or "switch_locale" not in message:
        return message
    prefix, body = re.fullmatch(r"(\d+(?:/[^,\[]*,)?\d*)(.*)", message, re.S).groups()  # 42/_event,[...]
    frame = json.loads(body)
    event = json.loads(frame[1]) if isinstance(frame[1], str) else frame[1]
    event["payload"] = {}
    frame[1] = json.dumps(event) if isinstance(frame[1], str) else event
    return prefix + json.dumps(frame)


def test_an_unexpected_error_shows_a_plain_message_in_the_readers_language(page: Page) -> None:
    """An event the server cannot handle (here its argument is missing: the page's own socket frame is altered on
    its way out) is answered by the app's backend error handler through AppState.notice: a toast in the reader's
    language, no word of the error. (Reflex's own toast came as a script to eval, which the policy refuses.)"""
    armed = {"on": False}

    def relay(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda m: server.send(_drop_the_argument(m) if armed["on"] else m))

    page.route_web_socket(re.compile(r".*/_event.*"), relay)
    page.goto("/login")
    wait_hydrated(page)
    page.get_by_role("radio", name="EN").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    armed["on"] = True
    page.get_by_role("radio", name="VI").click()
    toast = page.locator("[data-sonner-toast]")
    expect(toast).to_have_text(re.compile(
        r"^Something went wrong\. Nothing you entered was lost; please try again\. Incident code: [0-9a-f]{8}$"))
    expect(toast).to_have_css("opacity", "1")
    shot(page, "unexpected-error")
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "TypeError" not in text and "locale" not in text
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # nothing else changed


def test_unit_admin_edits_a_colleague(page: Page, viewport: str) -> None:
    sign_in(page, "tp1.saigon", then="/directory")
    page.goto("/directory")
    wait_hydrated(page)
    page.fill("#directory-search", "cv.saigon")
    page.locator(".official-row").first.click()
    page.click("#contact-edit")
    new_phone = "0903 000 111" if viewport == "phone" else "0903 000 222"
    page.fill("#edit-phone", new_phone)
    shot(page, "contact-edit")
    page.click("#contact-save")
    expect(page.get_by_role("dialog")).to_contain_text(new_phone)


def test_unit_admin_imports_a_csv(page: Page, tmp_path, viewport: str) -> None:  # noqa: ANN001
    phone = "0903 765 401" if viewport == "phone" else "0903 765 402"
    good = tmp_path / "good.csv"
    good.write_text("username,full_name,unit_code,position_code,phone,email\n"
                    f"nv.an{viewport},Nguyễn Văn An,26740-P1,chuyen_vien,{phone},\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("username,full_name,unit_code,position_code\n"
                   "tt.binh,Trần Thị Bình,26740-P1,chuyen_vien\n"
                   "x,Lê Văn Cường,25747,chuyen_vien\n", encoding="utf-8")
    sign_in(page, "tp1.saigon")
    page.goto("/directory")
    wait_hydrated(page)
    page.click("#open-import")
    page.wait_for_selector("#import-submit")
    page.set_input_files("input[type=file]", str(bad))
    page.click("#import-submit")
    expect(page.locator("#import-rejected")).to_be_visible()
    expect(page.get_by_role("cell", name="3", exact=True)).to_be_visible()
    shot(page, "import-rejected")
    page.get_by_role("button", name="Nhập tệp khác").click()
    page.set_input_files("input[type=file]", str(good))
    page.click("#import-submit")
    expect(page.locator("#import-done")).to_contain_text("thêm 1")
    page.goto("/directory")
    wait_hydrated(page)
    page.fill("#directory-search", phone.replace(" ", ""))
    expect(page.locator(".official-row").first).to_contain_text("Nguyễn Văn An")


def test_unit_admin_gives_no_leading_post_and_cannot_promote_himself(page: Page, tmp_path, viewport: str) -> None:  # noqa: ANN001
    """Issue 12, B2: the edit form offers a unit administrator no head's or deputy's position, and a CSV row moving
    him into the ward as its chairman is refused, in Vietnamese, with nothing imported."""
    sign_in(page, "tp1.saigon", then="/directory")
    page.goto("/directory")
    wait_hydrated(page)
    page.fill("#directory-search", "cv.saigon")
    page.locator(".official-row").first.click()
    page.click("#contact-edit")
    page.get_by_role("dialog").get_by_role("combobox").click()
    options = page.get_by_role("option")
    expect(options.filter(has_text="Chuyên viên chính")).to_have_count(1)
    titles = options.all_inner_texts()
    assert not [t for t in titles if t.startswith(("Chủ tịch", "Phó Chủ tịch", "Trưởng phòng", "Phó Trưởng phòng",
                                                   "Chánh Văn phòng", "Phó Chánh Văn phòng", "Giám đốc"))], titles
    shot(page, "contact-edit-positions")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    row = tmp_path / "self.csv"
    row.write_text("username,full_name,unit_code,position_code\n"
                   "tp1.saigon,Kẻ Tự Phong,26740,chu_tich\n", encoding="utf-8")
    page.goto("/directory")
    wait_hydrated(page)
    page.click("#open-import")
    page.wait_for_selector("#import-submit")
    page.set_input_files("input[type=file]", str(row))
    page.click("#import-submit")
    expect(page.locator("#import-rejected")).to_be_visible()
    expect(page.get_by_role("cell", name="Không ai tự đổi đơn vị hoặc chức vụ của chính mình")).to_be_visible()
    shot(page, "import-own-post-refused")
