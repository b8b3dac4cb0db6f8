"""Single sign-on end to end over HTTP, against a real OpenID provider process on 127.0.0.1: GovHub's routes
(Starlette test client) ↔ the provider (its sign-in page walked like a browser). Happy path, the refusals
(tampered, replayed, foreign or missing state; provider errors; another issuer; a bad code), linking by staff
number, "not registered", and sign-out that ends the provider's session too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from govhub.api.auth_routes import routes as auth_routes
from govhub.api.oidc_routes import STATE_COOKIE
from govhub.api.oidc_routes import routes as oidc_routes
from govhub.auth.oidc import get_client
from govhub.config import get_settings
from govhub.db import get_engine
from govhub.demo.city import seed_demo
from govhub.migrations import upgrade
from govhub.models import AuditEvent, AuthSession, Official, OidcIdentity, OidcLogin, OidcSession
from govhub.services.identity.auth import COOKIE_NAME, official_for_token
from tests.oidc_support import Provider, authenticate, run_provider

BASE = "http://testserver"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    log = tmp_path_factory.mktemp("op") / "provider.log"
    with run_provider([f"{BASE}/auth/oidc/callback"], [f"{BASE}/login"], log) as op:
        yield op


@pytest.fixture(scope="module")
def app_db() -> None:
    upgrade()
    with Session(get_engine()) as session:
        seed_demo(session)
        session.commit()


def configure(monkeypatch: pytest.MonkeyPatch, provider: Provider, **extra: str) -> None:
    """GovHub settings pointing at ``provider`` (plus ``extra`` GOVHUB_* values) for one test."""
    for key, value in {**provider.env(), **extra}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    get_client.cache_clear()


@pytest.fixture
def sso(monkeypatch: pytest.MonkeyPatch, provider: Provider, app_db: None) -> Iterator[TestClient]:
    configure(monkeypatch, provider)
    with TestClient(Starlette(routes=[*auth_routes, *oidc_routes]), base_url=BASE, follow_redirects=False) as client:
        yield client
    monkeypatch.undo()
    get_settings.cache_clear()
    get_client.cache_clear()


def begin(client: TestClient, next_path: str = "/") -> str:
    """Start a sign-in; return the provider's authorization URL."""
    response = client.get("/auth/oidc/start", params={"next": next_path})
    assert response.status_code == 303, response.text
    assert client.cookies.get(STATE_COOKIE)
    return response.headers["location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE, url
    return f"{parts.path}?{parts.query}"


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return f"{parts.path}?{urlencode(query)}"


def audit_actions(since_id: int) -> list[tuple[str, str]]:
    with Session(get_engine()) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.id > since_id).order_by(AuditEvent.id)).all()
        return [(r.action, r.detail) for r in rows]


def last_audit_id() -> int:
    with Session(get_engine()) as session:
        return session.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first() or 0


def session_count() -> int:
    with Session(get_engine()) as session:
        return len(session.exec(select(AuthSession.id)).all())


def test_sign_in_with_the_city_account(sso: TestClient, provider: Provider) -> None:
    mark = last_audit_id()
    url = begin(sso, "/directory")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(provider.issuer)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["nonce"][0] and query["state"][0] == sso.cookies.get(STATE_COOKIE)
    assert query["redirect_uri"] == [f"{BASE}/auth/oidc/callback"]
    with Session(get_engine()) as session:  # the verifier and nonce are on the server, not in the URL
        pending = session.exec(select(OidcLogin).order_by(OidcLogin.id.desc())).first()
        assert pending.nonce == query["nonce"][0] and pending.code_verifier not in url

    response = sso.get(callback_path(authenticate(url, "ct.saigon@tphcm.gov.vn")))
    assert response.status_code == 303 and response.headers["location"] == "/directory"
    set_cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith(f"{COOKIE_NAME}="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert any(c.startswith(f'{STATE_COOKIE}=""') or "Max-Age=0" in c for c in set_cookie if STATE_COOKIE in c)
    token = sso.cookies.get(COOKIE_NAME)
    with Session(get_engine()) as session:
        official = official_for_token(session, token)
        assert official is not None and official.username == "ct.saigon"
        sso_row = session.exec(select(OidcSession).order_by(OidcSession.id.desc())).first()
        assert sso_row.id_token.count(".") == 2 and sso_row.issuer == provider.issuer
        auth_row = session.get(AuthSession, sso_row.auth_session_id)
        assert auth_row.method == "oidc" and auth_row.client_ip
    actions = [a for a, _ in audit_actions(mark)]
    assert "auth.session_started" in actions

    # Signing out ends the GovHub session and sends the browser to the provider's end-session endpoint.
    mark = last_audit_id()
    response = sso.post("/auth/logout", headers={"origin": BASE})
    assert response.status_code == 303
    logout = urlsplit(response.headers["location"])
    assert f"{logout.scheme}://{logout.netloc}" == provider.issuer
    logout_query = parse_qs(logout.query)
    assert logout_query["post_logout_redirect_uri"] == [f"{BASE}/login"]
    assert logout_query["id_token_hint"] == [sso_row.id_token]
    with Session(get_engine()) as session:
        assert official_for_token(session, token) is None
    assert "auth.session_ended" in [a for a, _ in audit_actions(mark)]
    # The provider accepts that request (it knows the hint and the registered return address).
    page = httpx.get(response.headers["location"], timeout=10)
    assert page.status_code == 200 and "op-error" not in page.text


def test_the_provider_requires_pkce(sso: TestClient) -> None:
    url = begin(sso)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if not k.startswith("code_challenge")}
    page = httpx.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}", timeout=10)
    assert page.status_code == 303
    refused = parse_qs(urlsplit(page.headers["location"]).query)
    assert refused["error"] == ["invalid_request"] and "PKCE" in refused["error_description"][0]


def test_a_tampered_state_is_refused(sso: TestClient) -> None:
    callback = callback_path(authenticate(begin(sso), "ct.saigon@tphcm.gov.vn"))
    before, mark = session_count(), last_audit_id()
    response = sso.get(with_query(callback, state="attacker-chosen-state"))
    assert response.status_code == 303 and response.headers["location"] == "/login?error=sso"
    assert session_count() == before and sso.cookies.get(COOKIE_NAME) is None
    refusals = [d for a, d in audit_actions(mark) if a == "auth.sso_refused"]
    assert refusals and '"reason": "state"' in refusals[0]


def test_a_replayed_callback_is_refused(sso: TestClient) -> None:
    callback = callback_path(authenticate(begin(sso), "ct.saigon@tphcm.gov.vn"))
    state = parse_qs(urlsplit(callback).query)["state"][0]
    assert sso.get(callback).headers["location"] == "/"
    sso.cookies.set(STATE_COOKIE, state, path="/auth/oidc")
    sso.cookies.delete(COOKIE_NAME)
    before = session_count()
    response = sso.get(callback)
    assert response.headers["location"] == "/login?error=sso" and session_count() == before


def test_a_callback_in_another_browser_is_refused(sso: TestClient, provider: Provider) -> None:
    """Login CSRF: an attacker's callback URL opened by a victim has no matching state cookie."""
    callback = callback_path(authenticate(begin(sso), "ct.saigon@tphcm.gov.vn"))
    with TestClient(sso.app, base_url=BASE, follow_redirects=False) as victim:
        response = victim.get(callback)
        assert response.headers["location"] == "/login?error=sso" and victim.cookies.get(COOKIE_NAME) is None


def test_provider_errors_other_issuers_and_bad_codes_are_refused(sso: TestClient) -> None:
    before = session_count()
    for change in ({"error": "access_denied"}, {"iss": "http://127.0.0.1:1/evil"}, {"code": "not-a-real-code"}):
        callback = callback_path(authenticate(begin(sso), "ct.saigon@tphcm.gov.vn"))
        response = sso.get(with_query(callback, **change))
        assert response.headers["location"] == "/login?error=sso", change
    assert session_count() == before
    reasons = [d for a, d in audit_actions(0) if a == "auth.sso_refused"]
    for reason in ("provider_error", "issuer", "token_refused"):
        assert any(f'"reason": "{reason}"' in d for d in reasons), reason


def test_an_unknown_person_is_not_registered(sso: TestClient) -> None:
    before, mark = session_count(), last_audit_id()
    with Session(get_engine()) as session:
        officials = len(session.exec(select(Official.id)).all())
    response = sso.get(callback_path(authenticate(begin(sso), "stranger@example.org")))
    assert response.status_code == 303
    assert response.headers["location"] == "/login/not-registered?reason=not_registered"
    assert session_count() == before and sso.cookies.get(COOKIE_NAME) is None
    with Session(get_engine()) as session:
        assert len(session.exec(select(Official.id)).all()) == officials  # no silent new account
    assert [a for a, _ in audit_actions(mark)] == ["auth.sso_not_registered"]


def test_an_unverified_email_is_not_trusted(sso: TestClient) -> None:
    response = sso.get(callback_path(authenticate(begin(sso), "unverified@tphcm.gov.vn")))
    assert response.headers["location"] == "/login/not-registered?reason=unverified"


def test_linking_by_staff_number(monkeypatch: pytest.MonkeyPatch, provider: Provider, sso: TestClient) -> None:
    configure(monkeypatch, provider, GOVHUB_OIDC_LINK_CLAIM="staff_number", GOVHUB_OIDC_LINK_FIELD="username")
    response = sso.get(callback_path(authenticate(begin(sso), "staff-4711")))
    assert response.headers["location"] == "/"
    with Session(get_engine()) as session:
        assert official_for_token(session, sso.cookies.get(COOKIE_NAME)).username == "cv.saigon"
        link = session.exec(select(OidcIdentity).where(OidcIdentity.subject == "staff-4711")).one()
        assert session.get(Official, link.official_id).username == "cv.saigon"


def test_local_accounts_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, provider: Provider,
                                          sso: TestClient) -> None:
    configure(monkeypatch, provider, GOVHUB_LOCAL_LOGIN_ENABLED="false")
    mark = last_audit_id()
    response = sso.post("/auth/login", data={"username": "ct.saigon", "password": "govhub-demo"},
                        headers={"origin": BASE})
    assert response.headers["location"] == "/login?error=local_disabled" and sso.cookies.get(COOKIE_NAME) is None
    assert [a for a, _ in audit_actions(mark)] == ["auth.refused"]
    # ... while the city account still works.
    assert sso.get(callback_path(authenticate(begin(sso), "ct.saigon@tphcm.gov.vn"))).headers["location"] == "/"


def test_sso_off_means_no_sso_routes(monkeypatch: pytest.MonkeyPatch, app_db: None) -> None:
    for key in list(os.environ):
        if key.startswith("GOVHUB_OIDC_"):
            monkeypatch.delenv(key)
    get_settings.cache_clear()
    get_client.cache_clear()
    try:
        with TestClient(Starlette(routes=oidc_routes), base_url=BASE, follow_redirects=False) as client:
            for path in ("/auth/oidc/start", "/auth/oidc/callback?state=x&code=y"):
                assert client.get(path).headers["location"] == "/login?error=sso_unavailable"
    finally:
        get_settings.cache_clear()
        get_client.cache_clear()
