"""A real OpenID Connect provider for the tests: panva's ``oidc-provider`` (npm, installed into
tests/oidc_provider/node_modules by `make test`, or here on first use) run by Node as its own process on
127.0.0.1, and helpers that walk its sign-in page over HTTP the way a browser would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import httpx
import pytest

from tests.netkit import free_port

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "govhub"
CLIENT_SECRET = "govhub-test-secret"
PASSWORD = "city-pass"
# Provider accounts beyond "any login with an @ is that email" (a staff number, a second address...).
ACCOUNTS = {
    "staff-4711": {"staff_number": "cv.saigon", "name": "Staff 4711"},
    "unverified@tphcm.gov.vn": {"email": "ct.saigon@tphcm.gov.vn", "email_verified": False},
    "new.person@tphcm.gov.vn": {"name": "Lê Thị Mới", "unit_code": "26740-P1", "position_code": "chuyen_vien"},
}


def ensure_installed() -> None:
    """npm-install the provider once (from package-lock.json) if `make test` has not done it."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        pytest.fail("node and npm are needed for the OpenID provider tests (apt-get install nodejs npm)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROVIDER_DIR, check=True,
                   timeout=300)


@dataclass
class Provider:
    """A running provider: its issuer URL, and the client GovHub is registered as."""

    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def env(self) -> dict[str, str]:
        """GovHub settings pointing at this provider."""
        return {"GOVHUB_OIDC_ISSUER": self.issuer, "GOVHUB_OIDC_CLIENT_ID": self.client_id,
                "GOVHUB_OIDC_CLIENT_SECRET": self.client_secret}


@contextmanager
def run_provider(redirect_uris: list[str], post_logout_uris: list[str],
                 log_path: Path | None = None) -> Iterator[Provider]:
    """Start the provider on a free loopback port; stop it afterwards."""
    ensure_installed()
    port = free_port()
    env = {**os.environ, "OP_PORT": str(port), "OP_CLIENT_ID": CLIENT_ID, "OP_CLIENT_SECRET": CLIENT_SECRET,
           "OP_REDIRECT_URIS": ",".join(redirect_uris), "OP_POST_LOGOUT_URIS": ",".join(post_logout_uris),
           "OP_ACCOUNTS": json.dumps(ACCOUNTS), "OP_PASSWORD": PASSWORD, "NODE_ENV": "test"}
    log = log_path.open("w") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen([shutil.which("node") or "node", "provider.mjs"], cwd=PROVIDER_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        issuer = line.split()[1]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield Provider(issuer=issuer)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log_path:
            log.close()  # type: ignore[union-attr]


FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def authenticate(authorize_url: str, login: str, password: str = PASSWORD) -> str:
    """Play the browser at the provider: open the authorization URL, sign in, follow the provider's redirects,
    and return the callback URL (with code and state) it finally sends the browser to."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(authorize_url)
        for _ in range(10):
            if response.status_code in (302, 303):
                target = str(response.url.join(response.headers["location"]))
                if not target.startswith(str(authorize_url).split("/auth")[0]):
                    return target
                response = browser.get(target)
                continue
            match = FORM_ACTION.search(response.text)
            if response.status_code != 200 or not match:
                raise AssertionError(f"unexpected provider page {response.status_code}: {response.text[:300]}")
            response = browser.post(str(response.url.join(unescape(match.group(1)))),
                                    data={"login": login, "password": password})
        raise AssertionError("the provider never sent the browser back")
