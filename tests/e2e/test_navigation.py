"""A browser sweep of ordinary navigation: for an official of each kind, every page of the built app (from its
routes manifest, so a new page joins by itself; a page with an id shows an object that official may see, as the
app's own rules decide) is opened, reloaded, reached by back and by forward, opened in a second tab and reached
through the sign-in page with ``?next=``. Each time it shows its content (its heading, or for a page the official
may not open the refusal every page shows alike), never a blank page or a spinner, and the browser logs no console
error. Before the walk, objects he may not see are opened in the same tab: a refusal must not stay behind.

Kept fast (one browser context per official and width, no sleeping, one in-page check per step): every official
walks every page with a reload; back, forward, a second tab, ``?next=`` and the unseen objects take a share of the
pages that rotates by official, so that at each width every page is reached each way by one of them. Desktops run
all four kinds, phones two that between them open every page (and are refused some)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import Browsers, expect_content, official_pages, revalidations, shot, sign_in, submit_sign_in

KINDS = {"chutich": "city leader", "ct.saigon": "ward chairman", "cv.saigon": "specialist",
         "tp1.saigon": "unit administrator"}
ON_PHONE = ("chutich", "tp1.saigon")  # the city leader opens nearly every page, the unit administrator the rest
CASES = [pytest.param("desktop", u, id=f"desktop-{u}") for u in KINDS] + [
    pytest.param("phone", u, id=f"phone-{u}") for u in ON_PHONE]


def _share(routes: list[str], viewport: str, username: str) -> list[str]:
    """This official's share of the routes for back, forward, a second tab, ``?next=`` and an object he may not
    see: every n-th route, so the officials at one width cover every page between them."""
    kinds = list(KINDS) if viewport == "desktop" else list(ON_PHONE)
    k, n = kinds.index(username), len(kinds)
    return [r for i, r in enumerate(routes) if i % n == k]


# Pages that send the browser on by themselves (a client-side redirect, which may land a moment after the content
# shows): a signed-in official asking for the sign-in page goes home; a task's group opens as its conversation.
REDIRECTS = {"/login": r"/", "/messages/task/": r"/messages/\d+"}


def _lands(page: Page, path: str) -> None:
    """The tab is at ``path``, or where that page sends it."""
    at = urlsplit(page.url).path.rstrip("/") or "/"
    allowed = [re.escape(path.rstrip("/") or "/"), *(to for start, to in REDIRECTS.items() if path.startswith(start))]
    assert any(re.fullmatch(a, at) for a in allowed), f"at {page.url}, not {path}"


@pytest.mark.parametrize(("viewport", "username"), CASES)
def test_every_page_survives_ordinary_navigation(browsers: Browsers, e2e_db: Path, viewport: str,
                                                username: str) -> None:
    found = official_pages(e2e_db, username)
    routes = _share(list(found.pages), viewport, username)
    share = [found.pages[r] for r in routes]
    walk = [p for p in found.pages.values() if p not in share] + share  # the share last: back and forward go over it
    page = browsers.new_page()
    revalidated = revalidations(page)

    sign_in(page, username, then=walk[0][0])
    # An object he may not see first: a refusal must not stay on the pages he opens next in this tab.
    for path in [found.hidden[r] for r in routes if r in found.hidden]:
        page.goto(path, wait_until="commit")
        expect_content(page, may_open=False)

    for path, may in walk:
        page.goto(path, wait_until="commit")
        expect_content(page, may)
        page.reload(wait_until="commit")
        expect_content(page, may)
        _lands(page, path)
    assert revalidated, "the browser did not revalidate a page from its cache"

    # History: ..., x, share..., y. Back over the share to x, then forward to y.
    before = walk[len(walk) - len(share) - 1]
    page.goto("/")
    expect_content(page)
    for path, may in [*reversed(share), before]:
        page.go_back(wait_until="commit")
        expect_content(page, may)
        _lands(page, path)
    for path, may in [*share, ("/", True)]:
        page.go_forward(wait_until="commit")
        expect_content(page, may)
        _lands(page, path)

    # Second tabs, all opened at once (the browser and the server load them side by side), then looked at.
    tabs = [browsers.new_tab(page) for _ in share]
    for tab, (path, _) in zip(tabs, share, strict=True):
        tab.goto(path, wait_until="commit")
    for tab, (path, may) in zip(tabs, share, strict=True):
        expect_content(tab, may)
        _lands(tab, path)
        tab.close()

    # Each page of the share through the sign-in page with ?next=: by turns signed out (the session is gone: the
    # first page is asked for directly and sends him there, the others by that address; he signs in) and signed in
    # (a tab sent there before another tab signed in goes straight on).
    for i, (path, may) in enumerate(share):
        if i % 2:
            page.goto(f"/login?next={quote(path)}", wait_until="commit")
        else:
            page.context.clear_cookies()
            if i == 0 and not path.startswith("/login"):
                page.goto(path, wait_until="commit")
                page.wait_for_url(re.compile(r"/login/?\?next="))
            else:
                page.goto(f"/login?next={quote(path)}", wait_until="commit")
            submit_sign_in(page, username, shell=False)
        expect_content(page, may)
        _lands(page, path)
    shot(page, f"navigation-{username}")
