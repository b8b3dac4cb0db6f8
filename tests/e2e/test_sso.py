"""Single sign-on in a real browser, at phone and desktop size: the production build configured for a real
OpenID provider process on 127.0.0.1. "Đăng nhập bằng tài khoản Thành phố" → the provider's page → signed in;
sign-out ends the provider's session too; an unknown person lands on "not registered". Every page also shows
its security headers, and the browser logs no error (a Content-Security-Policy violation would be one)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import ARTIFACTS, ROOT, _wait_http, shot, wait_hydrated
from tests.netkit import free_port
from tests.oidc_support import PASSWORD, run_provider

SSO_BUTTON = "Đăng nhập bằng tài khoản Thành phố"


def _private_web_dir(tmp: Path) -> Path:
    """A .web of its own for this second server (a build writes the server's port into the bundle), sharing
    the installed node_modules of the main one by hard links when it exists."""
    web = tmp / "web"
    main = ROOT / ".web"
    if main.is_dir():
        shutil.copytree(main, web, ignore=shutil.ignore_patterns("node_modules", "build", ".react-router"),
                        symlinks=True)
        if (main / "node_modules").is_dir():
            subprocess.run(["cp", "-al", str(main / "node_modules"), str(web / "node_modules")], check=True)
    return web


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Overrides the e2e `server` for this module only: the same production build, plus GOVHUB_OIDC_* settings
    pointing at a provider started here (the shared server keeps running without them)."""
    tmp = tmp_path_factory.mktemp("e2e-sso")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    with run_provider([f"{base}/auth/oidc/callback"], [f"{base}/login"], ARTIFACTS / "sso-provider.log") as op:
        bin_dir = Path(sys.executable).parent
        env = {**os.environ, "GOVHUB_DATABASE_URL": f"sqlite:///{tmp / 'govhub.db'}", "GOVHUB_ENV": "test",
               "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "REFLEX_TELEMETRY_ENABLED": "false",
               "REFLEX_CHECK_LATEST_VERSION": "false", "REFLEX_WEB_WORKDIR": str(_private_web_dir(tmp)),
               **op.env()}
        env.pop("GOVHUB_REDIS_URL", None)
        for args in (["db", "upgrade"], ["seed", "demo"]):
            subprocess.run([str(bin_dir / "govhub"), *args], env=env, cwd=ROOT, check=True, capture_output=True)
        log = (ARTIFACTS / "sso-server.log").open("w")
        proc = subprocess.Popen([str(bin_dir / "reflex"), "run", "--env", "prod", "--backend-host", "127.0.0.1",
                                 "--frontend-port", str(port)], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_http(f"{base}/healthz", 240, proc)
            _wait_http(f"{base}/login", 60, proc)
            yield base
        finally:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
            log.close()


def sign_in_at_provider(page: Page, login: str) -> None:
    page.wait_for_selector("#op-login")
    page.fill("#op-login", login)
    page.fill("#op-password", PASSWORD)
    page.click("#op-submit")


def assert_security_headers(headers: dict[str, str]) -> None:
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "default-src 'self'" in csp
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    outside = [s for s in re.findall(r"(?:https?|wss?)://[^\s;]+", csp) if "127.0.0.1" not in s]
    assert not outside, csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_sign_in_with_the_city_account_and_out_again(page: Page, viewport: str) -> None:
    response = page.goto("/login?next=/directory")
    assert response is not None
    assert_security_headers(response.headers)
    wait_hydrated(page)
    shot(page, "login-sso")
    page.get_by_role("link", name=SSO_BUTTON).click()
    sign_in_at_provider(page, "ct.saigon@tphcm.gov.vn")
    page.wait_for_url(re.compile(r"/directory/?$"))
    page.wait_for_selector("#me-name", state="attached")
    expect(page.locator("#me-name").locator("visible=true").first if viewport == "desktop"
           else page.locator("#account-menu")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "govhub_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.goto("/")
    expect(page.locator("#greeting")).to_contain_text("Phan Minh Nhi")
    shot(page, "home-after-sso")

    if viewport == "phone":
        page.click("#account-menu")
        page.locator("#sign-out").last.click()
    else:
        page.locator("#sign-out").locator("visible=true").first.click()
    page.click("#op-logout-yes")  # the provider asks, then returns to GovHub's sign-in page
    page.wait_for_url(re.compile(r"/login"))
    wait_hydrated(page)
    page.goto("/")
    page.wait_for_url(re.compile(r"/login"))
    wait_hydrated(page)
    # The provider's session ended too: signing in again asks for the password.
    page.get_by_role("link", name=SSO_BUTTON).click()
    page.wait_for_selector("#op-login")


def test_an_unknown_person_is_told_to_ask_the_unit_administrator(page: Page) -> None:
    page.goto("/login")
    wait_hydrated(page)
    page.get_by_role("link", name=SSO_BUTTON).click()
    sign_in_at_provider(page, "stranger@example.org")
    page.wait_for_url(re.compile(r"/login/not-registered"))
    wait_hydrated(page)
    expect(page.locator("#not-registered")).to_contain_text("chưa được đăng ký")
    expect(page.get_by_text("quản trị viên của đơn vị")).to_be_visible()
    expect(page.locator("#me-name")).to_have_count(0)
    shot(page, "not-registered")


def test_a_tampered_state_in_the_browser_is_refused(page: Page) -> None:
    def tamper(route: Route) -> None:
        # GovHub's answer to "start" goes through as is (its state cookie too), except that the state in
        # the provider URL is changed: the provider will send that forged state back to the callback.
        response = route.fetch(max_redirects=0)
        headers = [(h["name"], h["value"]) for h in response.headers_array]
        forged = [(n, re.sub(r"([?&])state=[^&]+", r"\1state=forged", v) if n.lower() == "location" else v)
                  for n, v in headers]
        route.fulfill(status=response.status, headers=dict(forged) | {
            "set-cookie": "\n".join(v for n, v in headers if n.lower() == "set-cookie")})

    page.goto("/login")
    wait_hydrated(page)
    page.route(re.compile(r".*/auth/oidc/start.*"), tamper)
    page.get_by_role("link", name=SSO_BUTTON).click()
    sign_in_at_provider(page, "ct.saigon@tphcm.gov.vn")
    page.wait_for_url(re.compile(r"/login/?\?error=sso"))
    wait_hydrated(page)
    expect(page.locator("#sso-error")).to_contain_text("Không đăng nhập được")
    expect(page.locator("#me-name")).to_have_count(0)
    assert not [c for c in page.context.cookies() if c["name"] == "govhub_session"]


def test_with_sso_a_unit_admin_sees_the_linking_email_locked(page: Page, viewport: str) -> None:
    """Issue 12: with single sign-on the e-mail links the account, so the unit administrator's edit form shows it
    read-only, saying why (the server refuses a change anyway: tests/test_directory_posts.py)."""
    page.goto("/login?next=/directory")
    wait_hydrated(page)
    page.get_by_role("link", name=SSO_BUTTON).click()
    sign_in_at_provider(page, "tp1.saigon@tphcm.gov.vn")
    page.wait_for_url(re.compile(r"/directory/?$"))
    wait_hydrated(page)
    page.fill("#directory-search", "cv.saigon")
    page.locator(".official-row").first.click()
    page.click("#contact-edit")
    expect(page.locator("#edit-email")).to_have_attribute("readonly", "")
    expect(page.locator("#edit-email-locked")).to_contain_text("đăng nhập một lần")
    shot(page, "contact-edit-email-locked")
