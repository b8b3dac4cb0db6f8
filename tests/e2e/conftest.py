"""Browser tests: the production build served by `reflex run --env prod` on a fresh, seeded SQLite
database, driven by Debian's Chromium through Playwright at phone and desktop sizes."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.netkit import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
PASSWORD = "govhub-demo"
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")


def _wait_http(url: str, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file the browser tests' server uses (tests may read it to look things up)."""
    return tmp_path_factory.mktemp("e2e") / "govhub.db"


class AppServer:
    """The app's production server on one port. The first start builds the app (``reflex run --env prod``); a
    restart runs the same build again, as Reflex's own prod backend does, without building (a server restart,
    or a new release when ``GOVHUB_RELEASE`` is changed)."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.log = None

    def _launch(self, args: list[str], env: dict[str, str], seconds: float) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = (ARTIFACTS / "server.log").open("a")
        self.proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        _wait_http(f"{self.base}/healthz", seconds, self.proc)
        _wait_http(f"{self.base}/login", 60, self.proc)

    def start(self) -> None:
        bin_dir = Path(sys.executable).parent
        (ARTIFACTS / "server.log").unlink(missing_ok=True)
        self._launch([str(bin_dir / "reflex"), "run", "--env", "prod", "--backend-host", "127.0.0.1",
                      "--frontend-port", str(self.port)], self.env, 240)

    def restart(self, **env: str) -> None:
        """Stop the server and start its build again, with ``env`` added to its environment."""
        self.stop()
        run_env = {**self.env, **env, "REFLEX_ENV_MODE": "prod", "__REFLEX_SKIP_COMPILE": "true",
                   "__REFLEX_MOUNT_FRONTEND_COMPILED_APP": "true", "REFLEX_USE_GRANIAN": "false",
                   "REFLEX_FRONTEND_PORT": str(self.port), "REFLEX_BACKEND_PORT": str(self.port),
                   "REFLEX_BACKEND_HOST": "127.0.0.1", "GUNICORN_CMD_ARGS": "--workers 1"}
        self._launch([sys.executable, "-m", "gunicorn", "--preload", "--worker-class",
                      "uvicorn.workers.UvicornH11Worker", "--bind", f"127.0.0.1:{self.port}",
                      "govhub.govhub:app()", "--log-level", "warning"], run_env, 60)

    def stop(self) -> None:
        if self.proc is None:
            return
        os.killpg(self.proc.pid, 15)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.proc = None
        self.log.close()


@pytest.fixture(scope="session")
def app_server(e2e_db: Path) -> Iterator[AppServer]:
    """The app's production build on a free port, with the demo city in a fresh database."""
    db = e2e_db
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "GOVHUB_DATABASE_URL": f"sqlite:///{db}", "GOVHUB_ENV": "test",
           "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "REFLEX_TELEMETRY_ENABLED": "false",
           "REFLEX_CHECK_LATEST_VERSION": "false"}
    env.pop("GOVHUB_REDIS_URL", None)
    env.pop("GOVHUB_RELEASE", None)
    env.pop("GOVHUB_BOUNDARIES_FILE", None)  # the oversight map: the boundaries shipped in the package
    for args in (["db", "upgrade"], ["seed", "demo"]):
        subprocess.run([str(bin_dir / "govhub"), *args], env=env, cwd=ROOT, check=True, capture_output=True)
    server = AppServer(env, free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server(app_server: AppServer) -> str:
    """The base address of the app's production server."""
    return app_server.base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Each browser test runs at phone and at desktop size."""
    return request.param


class Browsers:
    """Opens guarded pages at one viewport: each fails the test on a console error or on any request that
    would leave this machine. The browser caches as officials' browsers do."""

    def __init__(self, browser: Browser, server: str, viewport: str) -> None:
        self.browser, self.server, self.viewport = browser, server, viewport
        self.contexts: list = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []  # responses of 400 and above, so a console error names its address

    def new_page(self) -> Page:
        context = self.browser.new_context(viewport=VIEWPORTS[self.viewport], base_url=self.server,
                                           locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return self.watch(context.new_page())

    def new_tab(self, page: Page) -> Page:
        """A second tab beside ``page`` (the same browser profile: its cookies and cache)."""
        return self.watch(page.context.new_page())

    def watch(self, pg: Page) -> Page:
        """Record the tab's console errors, failed responses and requests that would leave the machine."""
        pg.on("console", lambda m: self.errors.append(f"{m.text} ({m.location.get('url', '')})")
              if m.type == "error" else None)
        pg.on("pageerror", lambda e: self.errors.append(str(e)))

        # Watched, not intercepted: request interception (page.route) turns the browser's HTTP cache off, and a
        # browser without a cache never gets the 304 an official's browser gets on every reload.
        def _watch(request) -> None:  # noqa: ANN001
            if not request.url.startswith(LOCAL):
                self.outside.append(request.url)

        pg.on("request", _watch)
        pg.on("response", lambda r: self.failed.append(f"{r.status} {r.request.method} {r.url}")
              if r.status >= 400 else None)
        return pg

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(browser: Browser, server: str, viewport: str) -> Iterator[Browsers]:
    """A factory of guarded pages (for tests with several officials at once)."""
    opened = Browsers(browser, server, viewport)
    yield opened
    opened.close()
    assert not opened.outside, f"requests left the machine: {opened.outside}"
    assert not opened.errors, f"browser console errors: {opened.errors} (failed responses: {opened.failed})"


@pytest.fixture
def page(browsers: Browsers) -> Page:
    """One guarded page."""
    return browsers.new_page()


def shot(page: Page, name: str) -> None:
    """Keep a screenshot for people to look at (test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=False)


def full_name(db: Path, username: str) -> str:
    """A demo official's name, read from the test server's database."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT full_name FROM official WHERE username = ?", (username,)).fetchone()[0]


def sign_in(page: Page, username: str, password: str = PASSWORD, then: str = "/") -> None:
    """Sign in through the real form and wait for the signed-in shell."""
    page.goto(f"/login?next={then}")
    submit_sign_in(page, username, password)


def submit_sign_in(page: Page, username: str, password: str = PASSWORD, shell: bool = True) -> None:
    """Fill the sign-in page the browser is on (or on its way to), send it and wait for the page it leads to (and
    for the signed-in shell, unless that page is a public one)."""
    page.wait_for_selector("#sign-in")
    wait_hydrated(page)
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation(wait_until="commit"):
        page.click("#sign-in")
    if shell:
        page.wait_for_selector("#me-name", state="attached")


ROUTE_IDS = {  # a dynamic segment -> the query that picks an object for it in the demo city
    "unit_id": "SELECT id FROM unit WHERE code = '26740'",
    "doc_id": "SELECT MIN(id) FROM document",
    "directive_id": "SELECT MIN(id) FROM directive",
    "conversation_id": "SELECT MIN(id) FROM conversation",
    "task_id": "SELECT MIN(id) FROM task",
}


def built_routes() -> list[str]:
    """Every page of the built app (Reflex's routes manifest, so a new page joins by itself)."""
    return sorted(r for r in json.loads((ROOT / ".web" / "routes.json").read_text()) if r != "404")


def route_path(route: str, value: object = "") -> str:
    """The address of a route of the manifest, its dynamic segment (there is at most one) filled with ``value``."""
    return "/" + re.sub(r"\[\w+\]", str(value), "" if route == "index" else route)


def page_paths(db: Path) -> list[str]:
    """Every page of the built app, each dynamic segment filled with an object of the demo city."""
    with sqlite3.connect(db) as conn:
        return sorted(route_path(r, conn.execute(ROUTE_IDS[m.group(1)]).fetchone()[0]
                                 if (m := re.search(r"\[(\w+)\]", r)) else "") for r in built_routes())


def _opens(check: Callable[..., object], *args: object) -> bool:
    from govhub.services.core.errors import NotFound

    try:
        return check(*args) is not False
    except NotFound:
        return False


def _rules() -> tuple[dict, dict]:
    """What the app itself decides: which pages an official may open, and for a page with an id, the objects to
    try (in order) and whether he may see one. A new page is open to everyone unless named here; a new page with
    an id must say here how to pick its object."""
    from govhub import clock
    from govhub.services.documents.route_templates import may_edit_routes
    from govhub.services.documents.workflow import access_document
    from govhub.services.identity.me import me_card
    from govhub.services.messaging.conversations import access_conversation, access_task_group
    from govhub.services.oversight.dashboard import Filters, dashboard_scope, unit_tasks
    from govhub.services.tasks.access import access_task, assignable_units, is_leader
    from govhub.services.tasks.views import directive_matrix

    opens = {
        "assign": lambda s, a: is_leader(a) and bool(assignable_units(s, a)),
        "directory/import": lambda s, a: me_card(s, a).is_unit_admin,
        "admin/routes": may_edit_routes,
        "oversight": lambda s, a: dashboard_scope(s, a).kind != "none",
    }
    tasks = "SELECT id FROM task ORDER BY id"
    units = "SELECT id FROM unit ORDER BY id != :unit, id"  # his own unit first
    picks = {
        "tasks/[task_id]": (tasks, access_task),
        "messages/task/[task_id]": (tasks, access_task_group),
        "documents/[doc_id]": ("SELECT id FROM document ORDER BY id", access_document),
        "directives/[directive_id]": ("SELECT id FROM directive ORDER BY id",
                                      lambda s, a, i: directive_matrix(s, a, i, clock.today())),
        "messages/[conversation_id]": ("SELECT id FROM conversation ORDER BY id", access_conversation),
        "directory/unit/[unit_id]": (units, lambda s, a, i: True),
        "oversight/unit/[unit_id]": (units, lambda s, a, i: unit_tasks(s, a, i, Filters(), clock.today())),
    }
    return opens, picks


@dataclass
class OfficialPages:
    """Every page of the built app for one official (by route): its address and whether he may open it; a page
    with an id names an object he may see (or, if he may see none, one he may not). ``hidden``: for the pages
    with an id, an object he may not see, where there is one."""

    pages: dict[str, tuple[str, bool]]
    hidden: dict[str, str]


def official_pages(db: Path, username: str) -> OfficialPages:
    """Decided by the app's own rules on the test server's database, in a transaction that is rolled back (opening
    a task's group may create it)."""
    from sqlalchemy import text
    from sqlmodel import Session, select

    from govhub.db import make_engine
    from govhub.models import Official

    opens, picks = _rules()
    engine = make_engine(f"sqlite:///{db}")
    found = OfficialPages({}, {})
    try:
        with Session(engine) as session:
            me = session.exec(select(Official).where(Official.username == username)).one()
            for route in built_routes():
                if "[" not in route:
                    found.pages[route] = route_path(route), _opens(opens.get(route, lambda s, a: True), session, me)
                    continue
                assert route in picks, f"a new page with an id: say in tests/e2e/conftest.py how to pick for {route}"
                query, check = picks[route]
                ids = [row[0] for row in session.execute(text(query), {"unit": me.unit_id})]
                seen = next((i for i in ids if _opens(check, session, me, i)), None)
                found.pages[route] = route_path(route, ids[0] if seen is None else seen), seen is not None
                unseen = next((i for i in ids if not _opens(check, session, me, i)), None)
                if unseen is not None:
                    found.hidden[route] = route_path(route, unseen)
            session.rollback()
    finally:
        engine.dispose()
    return found


def wait_hydrated(page: Page) -> None:
    """Wait until the websocket has delivered the state (server HTML already shows initial values)."""
    page.wait_for_selector("#hydrated", state="attached")


def revalidations(page: Page) -> list[str]:
    """The pages this tab revalidated from its cache (a conditional request, answered 304: Playwright shows the
    cached 200)."""
    seen: list[str] = []

    def watch(response) -> None:  # noqa: ANN001
        if response.request.resource_type == "document" and "if-none-match" in response.request.all_headers():
            seen.append(response.url)

    page.on("response", watch)
    return seen


# Content, checked in the page in one go (each separate check is a round trip, and the sweep makes hundreds): the
# server's state has arrived, no spinner is left in the page, and it shows either its heading (a signed-in page's,
# or the public "not registered" card) and no refusal, or, for a page the official may not open, the refusal that
# every page shows alike (govhub.components.shell.REFUSED_CLASS).
CONTENT_JS = """(mayOpen) => {
  if (!document.getElementById('hydrated')) return false;
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const any = (selector) => [...document.querySelectorAll(selector)].some(shown);
  if (any('#page-content .rt-Spinner')) return false;
  const refused = any('.page-refused');
  return mayOpen ? !refused && any('#page-content h1, #not-registered') : refused;
}"""


def expect_content(page: Page, may_open: bool = True) -> None:
    """The page shows its content, not a blank page or a spinner: its heading (or, for a page the official may not
    open, its refusal) is visible once the server's state has arrived, and a page he may open shows no refusal."""
    try:
        page.wait_for_function(CONTENT_JS, arg=may_open, polling="raf")
    except PlaywrightTimeout:
        seen = page.locator("#page-content, #not-registered, body").first.inner_text()[:300]
        raise AssertionError(f"{page.url}: no {'content' if may_open else 'refusal'} shown; the page shows {seen!r}"
                             ) from None
