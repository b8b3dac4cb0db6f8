"""Issue 12, B4 and B5 in a real browser: an official is signed in to GovHub; a page served from another local
port (same site, so the browser sends GovHub's session cookie along) opens a socket.io connection to ``/_event``
and asks for the official's state, and fetches a document file with ``credentials: "include"``. It gets nothing.
The same probe run from GovHub's own page reads both, so the probe itself is known to work."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page

from govhub.state.base import AppState
from govhub.state.notifications import NotificationState
from tests.e2e.conftest import VIEWPORTS, full_name, shot, sign_in
from tests.netkit import free_port

# The probe, as a page script: raw Engine.IO v4 / Socket.IO v5 frames over a WebSocket (what socket.io-client
# sends), then a credentialed fetch of each file id. It reports everything it could read.
PROBE = """
async (args) => {
  const out = {socket: "closed", frames: [], files: {}};
  await new Promise((done) => {
    let ws;
    try { ws = new WebSocket(args.ws + "/_event/?EIO=4&transport=websocket&token=" + args.tab); }
    catch (e) { out.socket = "refused"; return done(); }
    const send = (name, payload) => ws.send("42/_event," + JSON.stringify(["event",
        {name, payload: payload || {}, router_data: {pathname: "/", asPath: "/", query: {}}}]));
    ws.onopen = () => { out.socket = "open"; };
    ws.onmessage = (m) => {
      const data = String(m.data);
      if (data === "2") { ws.send("3"); return; }
      out.frames.push(data.slice(0, 4000));
      if (data.startsWith("0")) ws.send("40/_event,");
      if (data.startsWith("40/_event")) { send(args.hydrate); send(args.login); send(args.bell); }
    };
    ws.onerror = () => { out.socket = out.socket === "open" ? "error" : "refused"; };
    ws.onclose = () => done();
    setTimeout(() => { try { ws.close(); } catch (e) {} done(); }, 6000);
  });
  for (const id of args.files) {
    try {
      const r = await fetch(args.http + "/files/" + id, {credentials: "include"});
      out.files[id] = r.status;
    } catch (e) { out.files[id] = "blocked"; }
  }
  document.body.innerText = "socket: " + out.socket + " · frames: " + out.frames.length + " · files: "
    + JSON.stringify(out.files);
  return out;
}
"""

PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Another site</title></head><body style="font: 18px sans-serif; padding: 16px">Another site</body></html>"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture(scope="module")
def other_site() -> Iterator[str]:
    """A plain page on another port of 127.0.0.1: another origin, the same site."""
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), _Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _probe(page: Page, server: str, files: list[int]) -> dict:
    return page.evaluate(PROBE, {
        "ws": server.replace("http://", "ws://"), "http": server, "tab": str(uuid.uuid4()), "files": files,
        "hydrate": "reflex___state____state.hydrate", "login": f"{AppState.get_full_name()}.require_login",
        "bell": f"{NotificationState.get_full_name()}.load"})


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
def test_a_page_on_another_port_reads_nothing(browser: Browser, server: str, other_site: str, e2e_db,  # noqa: ANN001
                                              viewport_name: str) -> None:
    name = full_name(e2e_db, "chutich")
    context = browser.new_context(viewport=VIEWPORTS[viewport_name], base_url=server, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    try:
        own = context.new_page()
        sign_in(own, "chutich")
        # From GovHub's own page the probe reads the official's state and a file: the probe works.
        mine = _probe(own, server, list(range(1, 9)))
        assert mine["socket"] == "open" and name in json.dumps(mine["frames"], ensure_ascii=False)
        readable = [int(i) for i, status in mine["files"].items() if status == 200]
        assert readable, mine["files"]

        # From another port of the same host, with the same cookies in the browser: nothing.
        attacker = context.new_page()
        attacker.goto(other_site)
        theirs = _probe(attacker, server, readable[:2])
        assert theirs["socket"] == "refused", theirs
        assert not theirs["frames"], theirs["frames"]
        assert set(theirs["files"].values()) == {"blocked"}, theirs["files"]
        shot(attacker, "cross-origin-probe")
    finally:
        context.close()
