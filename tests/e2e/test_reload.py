"""A page survives what browsers do: the real build answers every page, its 304s and HEADs with one policy that
allows the page's inline scripts (a 304 without the hashes once made every reload a blank page), and a browser with
its cache signs in again after signing out or losing its session. (Reload, back, forward, a second tab and sign-in
through ``?next=`` on every page: test_navigation.py.)"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Page, expect

from govhub.api.security import IMMUTABLE, inline_script_hashes
from tests.e2e.conftest import page_paths, sign_in, wait_hydrated


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


_open = urllib.request.build_opener(_NoRedirect).open


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """Status, headers (lower-case names) and body of one request, redirects and errors included."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _open(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def script_src(headers: dict) -> set[str]:
    csp = headers["content-security-policy"]
    return set(next(d for d in csp.split("; ") if d.startswith("script-src")).split()[1:])


def test_every_page_answers_with_one_policy(server: str, e2e_db: Path) -> None:
    """Every route of the build (and its trailing-slash form, and a missing page) × GET, GET gzipped, conditional
    GET with its ETag, HEAD: the same policy, strict, allowing every inline script the page holds."""
    policies: set[str] = set()
    paths = [*page_paths(e2e_db), "/no-such-page"]
    for path in [*paths, *(p + "/" for p in paths if p != "/")]:
        url = server + path
        status, headers, body = fetch(url)
        if status in (301, 302, 307, 308):
            policies.add(headers["content-security-policy"])
            url = urljoin(url, headers["location"])
            status, headers, body = fetch(url)
        assert status in (200, 404), path
        assert headers["cache-control"] == "no-cache", path
        assert set(inline_script_hashes(body)) <= script_src(headers), path
        assert "'unsafe-inline'" not in script_src(headers) and "'unsafe-eval'" not in script_src(headers)
        policies.add(headers["content-security-policy"])
        zipped = fetch(url, headers={"accept-encoding": "gzip"})[1]
        policies.add(zipped["content-security-policy"])
        if "etag" in headers:
            again = fetch(url, headers={"if-none-match": headers["etag"]})
            assert again[0] == 304, path
            policies.add(again[1]["content-security-policy"])
        policies.add(fetch(url, method="HEAD")[1]["content-security-policy"])
    assert len(policies) == 1, policies


def test_hashed_assets_are_kept_a_year(server: str) -> None:
    body = fetch(server + "/login/")[2].decode()
    asset = re.search(r'"(/assets/[^"]+\.js)"', body).group(1)
    status, headers, _ = fetch(server + asset)
    assert status == 200 and headers["cache-control"] == IMMUTABLE


def test_sign_in_works_again_after_sign_out_and_an_expired_session(page: Page, viewport: str) -> None:
    """The sign-in page, cached from the first visit, loads after signing out and after the session is gone, and
    signing in through ``?next=`` lands on the page asked for."""
    sign_in(page, "cv.saigon")
    page.reload()
    wait_hydrated(page)
    if viewport == "phone":
        page.click("#account-menu")
    page.locator("#sign-out").locator("visible=true").first.click()
    page.wait_for_url(re.compile(r"/login"))
    page.reload()
    page.wait_for_selector("#sign-in")
    sign_in(page, "cv.saigon", then="/directory")
    page.wait_for_url(re.compile(r"/directory/?$"))
    page.context.clear_cookies()  # the session expired
    page.reload()
    page.wait_for_url(re.compile(r"/login"))
    page.wait_for_selector("#sign-in")
    wait_hydrated(page)
    expect(page.locator("#username")).to_be_editable()
