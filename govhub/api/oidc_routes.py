"""Single sign-on routes: GET /auth/oidc/start sends the browser to the city's provider, GET /auth/oidc/callback
finishes the sign-in. The PKCE verifier, nonce and tokens stay in the database; the browser carries only the
``state`` (in the URL and in a short-lived HttpOnly cookie that binds the flow to this browser)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from govhub.api.auth_routes import client_ip, public_base_url, secure_cookies
from govhub.auth import store
from govhub.auth.oidc import OidcError, get_client
from govhub.config import get_settings
from govhub.db import session_scope
from govhub.routes import NOT_REGISTERED, safe_next
from govhub.services.identity import auth
from govhub.services.identity.sso import LinkPolicy, do_link_official

log = logging.getLogger("govhub.oidc")
STATE_COOKIE = "govhub_oidc_state"
CALLBACK_PATH = "/auth/oidc/callback"
MAX_STARTS_PER_IP = 300  # pending sign-ins one address may open per lifetime window (offices sit behind NAT)


def redirect_uri(request: Request) -> str:
    """The callback address registered at the provider."""
    return public_base_url(request) + CALLBACK_PATH


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _clear_state(response: Response, request: Request) -> Response:
    response.delete_cookie(STATE_COOKIE, path="/auth/oidc", httponly=True, samesite="lax",
                           secure=secure_cookies(request))
    return response


def _audit_refusal(reason: str, ip: str, **detail: object) -> None:
    log.info("single sign-on refused: %s %s", reason, detail)
    with session_scope() as session:
        auth.do_record_refusal(session, "auth.sso_refused", anonymous=True, detail={"reason": reason, **detail},
                               client_ip=ip)


async def start(request: Request) -> Response:
    """Open a pending sign-in and send the browser to the provider's authorization endpoint."""
    client = get_client()
    if client is None:
        return _see_other("/login?error=sso_unavailable")
    settings = get_settings()
    next_path = safe_next(request.query_params.get("next"))
    ip, callback = client_ip(request), redirect_uri(request)

    def work() -> tuple[str, str] | None:
        with session_scope() as session:
            if store.recent_starts(session, ip, settings.oidc_login_minutes) >= MAX_STARTS_PER_IP:
                auth.do_record_refusal(session, "auth.sso_refused", anonymous=True,
                                       detail={"reason": "too_many_starts"}, client_ip=ip)
                return None
        req = client.new_request(callback)
        with session_scope() as session:
            store.save_pending(session, state=req.state, nonce=req.nonce, code_verifier=req.code_verifier,
                               next_path=next_path, client_ip=ip, minutes=settings.oidc_login_minutes)
        return req.url, req.state

    try:
        result = await asyncio.to_thread(work)
    except OidcError as exc:
        await asyncio.to_thread(_audit_refusal, exc.code, ip, detail=exc.detail, step="start")
        return _see_other("/login?error=sso_unavailable")
    if result is None:
        return Response("too many sign-in attempts from this address; try again later", status_code=429)
    url, state = result
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(STATE_COOKIE, state, max_age=settings.oidc_login_minutes * 60, path="/auth/oidc",
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


async def callback(request: Request) -> Response:
    """Check state (bound to this browser, single use), trade the code, validate the ID token, find the official."""
    client = get_client()
    if client is None:
        return _see_other("/login?error=sso_unavailable")
    settings = get_settings()
    params = request.query_params
    state, code, error = params.get("state") or "", params.get("code") or "", params.get("error") or ""
    cookie_state = request.cookies.get(STATE_COOKIE) or ""
    ip, agent, callback_uri = client_ip(request), request.headers.get("user-agent", ""), redirect_uri(request)

    async def refuse(reason: str, **detail: object) -> Response:
        await asyncio.to_thread(_audit_refusal, reason, ip, **detail)
        return _clear_state(_see_other("/login?error=sso"), request)

    if not state or len(state) > 200 or not secrets.compare_digest(state.encode(), cookie_state.encode()):
        return await refuse("state", detail="state does not match this browser")

    def consume() -> tuple[str, str, str] | None:
        with session_scope() as session:
            pending = store.consume_pending(session, state)
            return (pending.nonce, pending.code_verifier, pending.next_path) if pending else None

    pending = await asyncio.to_thread(consume)
    if pending is None:
        return await refuse("state", detail="unknown, expired or already used")
    nonce, verifier, next_path = pending
    if params.get("iss") is not None and params.get("iss", "").rstrip("/") != client.issuer:
        return await refuse("issuer", detail="the response names another issuer (mix-up)")
    if error:
        return await refuse("provider_error", error=error[:64])
    if not code or len(code) > 2048:
        return await refuse("bad_request", detail="no code")

    policy = LinkPolicy.from_settings(settings)

    def exchange() -> dict:
        result = client.exchange_code(code, code_verifier=verifier, redirect_uri=callback_uri, nonce=nonce)
        claims = dict(result.claims)
        if policy.claim not in claims:
            claims = {**client.userinfo(result.access_token, claims["sub"]), **claims}
        return {"claims": claims, "id_token": result.id_token}

    try:
        tokens = await asyncio.to_thread(exchange)
    except OidcError as exc:
        return await refuse(exc.code, detail=exc.detail)
    claims = tokens["claims"]

    def sign_in() -> tuple[str | None, str]:
        with session_scope() as session:
            linked = do_link_official(session, client.issuer, claims, policy)
            if linked.official is None:
                auth.do_record_refusal(session, "auth.sso_not_registered", anonymous=True, client_ip=ip,
                                       detail={"reason": linked.reason, "sub": str(claims.get("sub"))[:255],
                                               policy.claim: str(claims.get(policy.claim, ""))[:200]})
                return None, linked.reason
            token = auth.do_start_session(session, linked.official, client_ip=ip, user_agent=agent, method="oidc")
            store.remember_sso_session(session, token, issuer=client.issuer, subject=str(claims["sub"]),
                                       id_token=tokens["id_token"], provider_sid=str(claims.get("sid") or ""))
            return token, ""

    token, reason = await asyncio.to_thread(sign_in)
    if token is None:
        return _clear_state(_see_other(f"{NOT_REGISTERED}?{urlencode({'reason': reason})}"), request)
    response = _clear_state(_see_other(next_path), request)
    response.set_cookie(auth.COOKIE_NAME, token, max_age=settings.session_hours * 3600, httponly=True,
                        samesite="lax", secure=secure_cookies(request), path="/")
    return response


routes = [
    Route("/auth/oidc/start", start, methods=["GET"]),
    Route(CALLBACK_PATH, callback, methods=["GET"]),
]
