"""Sign-in and sign-out over plain HTTP, so the session cookie can be HttpOnly."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from govhub.auth import store
from govhub.auth.oidc import get_client
from govhub.config import get_settings
from govhub.db import session_scope
from govhub.routes import safe_next
from govhub.services.identity import auth

MAX_FORM_BYTES = 8192




def client_ip(request: Request) -> str:
    """The address the request came from. Behind a reverse proxy (REFLEX_TRUSTED_PROXY_HOPS of 1 or more) the
    server has already taken it from X-Forwarded-For, and only when the connection came from one of
    GOVHUB_TRUSTED_PROXY_IPS (rxconfig sets Uvicorn's FORWARDED_ALLOW_IPS from them); the header itself is
    never read here, so a client cannot name its own address."""
    return (request.client.host if request.client else "")[:64]


def public_base_url(request: Request) -> str:
    """Scheme and host browsers use to reach GovHub: GOVHUB_PUBLIC_URL, else the request's own."""
    configured = get_settings().public_url
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def secure_cookies(request: Request) -> bool:
    """Cookies get the Secure flag when configured, and always when the request came over HTTPS."""
    return get_settings().cookie_secure or request.url.scheme == "https"


def audit_refusal(request: Request, reason: str, **detail: object) -> None:
    """One audit row for a refused request: what, from where (the caller runs it off the event loop)."""
    with session_scope() as session:
        auth.do_record_refusal(session, "auth.refused", anonymous=True,
                               detail={"reason": reason, "path": request.url.path, **detail},
                               client_ip=client_ip(request))


def same_origin(request: Request) -> bool:
    """Refuse cross-site form posts: an Origin header, when sent, must name this host."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def sign_in(request: Request) -> Response:
    """Check the form's username and password; on success set the session cookie and go on."""
    if not same_origin(request):
        await asyncio.to_thread(audit_refusal, request, "cross_site")
        return Response("cross-site request refused", status_code=403)
    if not get_settings().local_login_enabled:
        await asyncio.to_thread(audit_refusal, request, "local_login_disabled")
        return _see_other("/login?error=local_disabled")
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return _see_other("/login?error=invalid")
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    ip, agent = client_ip(request), request.headers.get("user-agent", "")

    def work() -> auth.SignInResult:
        with session_scope() as session:
            return auth.do_sign_in(session, username, password, client_ip=ip, user_agent=agent)

    result = await asyncio.to_thread(work)
    if result.token is None:
        code = "locked" if result.error == "auth.error.locked" else "invalid"
        return _see_other(f"/login?error={code}")
    response = _see_other(safe_next(str(form.get("next", "/"))))
    settings = get_settings()
    response.set_cookie(auth.COOKIE_NAME, result.token, max_age=settings.session_hours * 3600, httponly=True,
                        samesite="lax", secure=secure_cookies(request), path="/")
    return response


async def sign_out(request: Request) -> Response:
    """End the session on the server and clear the cookie; a single sign-on session also goes to the
    provider's end-session endpoint (when it has one), which comes back to the sign-in page."""
    if not same_origin(request):
        await asyncio.to_thread(audit_refusal, request, "cross_site")
        return Response("cross-site request refused", status_code=403)
    token, ip = request.cookies.get(auth.COOKIE_NAME), client_ip(request)

    def work() -> str | None:
        with session_scope() as session:
            sso = store.sso_session_for(session, token)
            hint = sso.id_token if sso is not None else None
            auth.do_sign_out(session, token, client_ip=ip)
        client = get_client()
        if hint is None or client is None or not get_settings().oidc_end_provider_session:
            return None
        return client.end_session_url(id_token_hint=hint, post_logout_redirect_uri=public_base_url(request) + "/login")

    provider_logout = await asyncio.to_thread(work)
    response = _see_other(provider_logout or "/login")
    response.delete_cookie(auth.COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


async def health(_request: Request) -> Response:
    """Liveness for load balancers (says nothing about users)."""
    return JSONResponse({"status": "ok"})


routes = [
    Route("/auth/login", sign_in, methods=["POST"]),
    Route("/auth/logout", sign_out, methods=["POST"]),
    Route("/healthz", health, methods=["GET"]),
]
