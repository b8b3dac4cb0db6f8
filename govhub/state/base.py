"""The root app state: the signed-in official, the language, and guarded calls into the services."""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from govhub.db import new_session, read_retrying, session_scope, transaction
from govhub.i18n import LOCALES, normalize_locale, translate
from govhub.models import Official
from govhub.realtime.registry import get_registry
from govhub.routes import safe_next
from govhub.services.core import audit
from govhub.services.core.errors import GovHubError, NotFound
from govhub.services.identity.auth import COOKIE_NAME, official_for_token
from govhub.services.identity.me import MeCard, me_card, set_locale

log = logging.getLogger("govhub.state")
T = TypeVar("T")


class NotSignedIn(Exception):
    """The browser has no live session."""


def session_token(cookie_header: str) -> str | None:
    """The GovHub session id from a raw Cookie header (set HttpOnly by the sign-in route)."""
    try:
        jar = SimpleCookie(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None


@dataclass
class _EventIdentity:
    """Who is asking, found once per event by ``guarded``, and the open transaction that found them: the event's
    first service call continues that transaction; any later call starts its own."""

    actor: Official
    actor_id: int  # kept apart: a failed call's rollback expires ``actor``
    session: Session | None


_event_identity: ContextVar[_EventIdentity | None] = ContextVar("govhub_event_identity", default=None)


def _look_up(token: str | None) -> tuple[Session, Official]:
    """Open a transaction and find the official behind ``token`` in it (``NotSignedIn``, closed, when none)."""
    session = new_session()
    try:
        actor = read_retrying(session, lambda s: official_for_token(s, token))
    except BaseException:
        session.close()
        raise
    if actor is None:
        session.close()
        raise NotSignedIn()
    return session, actor


@dataclass
class Notice:
    """A message for the reader that the page shows as a toast (govhub/components/notice.py). A toast sent as a
    script from the server would need eval, which the Content-Security-Policy refuses."""

    id: str = ""
    level: str = ""  # "success" or "error"
    text: str = ""


class AppState(rx.State):
    """Root of every page's state: identity and language, never trusted from the browser."""

    locale: str = "vi"
    signed_in: bool = False
    me: MeCard = MeCard()
    login_error: str = ""
    login_next: str = "/"
    lang_cookie: str = rx.Cookie("", name="govhub_lang", same_site="lax", max_age=365 * 24 * 3600)
    notice: Notice = Notice()
    _official_id: int = 0

    def _token(self) -> str | None:
        return session_token(self.router.headers.cookie)

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    def _t(self, key: str, **params: object) -> str:
        """A message in the reader's language."""
        return translate(self.locale, key, **params)

    def _toast(self, level: str, text: str) -> None:
        """Show ``text`` (already translated) as a success or error toast."""
        self.notice = Notice(id=secrets.token_hex(8), level=level, text=text)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(session, actor, *args)`` off the event loop for the signed-in official, in one transaction
        (under ``guarded``, the official found for this event and, for its first call, the same transaction)."""
        event = _event_identity.get()
        token = self._token()
        event_session = None
        if event is not None:
            event_session, event.session = event.session, None

        def work() -> T:
            session, actor = _look_up(token) if event is None else (event_session or new_session(), None)
            with transaction(session):
                if event is not None:  # a later call of the same event reloads the official by id
                    actor = event.actor if event_session is not None else session.get(Official, event.actor_id)
                if actor is None:
                    raise NotSignedIn()
                return fn(session, actor, *args)

        return await asyncio.to_thread(work)

    def _forget_official(self) -> None:
        """Clear every page's state (a previous official's data never lingers), keep the language."""
        lang = self.lang_cookie
        self.reset()
        self._official_id = 0
        self.lang_cookie = lang
        self.locale = normalize_locale(lang or None)

    async def _forget_tab(self) -> None:
        """Stop live pushes to this tab: nobody is signed in here any more."""
        await get_registry().forget(self.router.session.client_token)

    def _to_login(self) -> EventSpec:
        """Send the browser to sign in, and back here afterwards."""
        return rx.redirect(f"/login?next={quote(self.router.url.path or '/')}", replace=True)

    def _apply_me(self, card: MeCard, official_id: int) -> None:
        if official_id != self._official_id:
            self._forget_official()
            self._official_id = official_id
        self.me = card
        self.signed_in = True
        self.locale = card.locale

    @rx.event
    async def require_login(self):
        """on_load of every signed-in page: load who is asking, or send them to sign in."""
        try:
            card, official_id = await self._call(lambda s, actor: (me_card(s, actor), actor.id))
        except NotSignedIn:
            self._forget_official()
            await self._forget_tab()
            return self._to_login()
        self._apply_me(card, official_id)

    @rx.event
    async def init_public(self):
        """on_load of the sign-in page: forget any previous official; signed-in visitors go home."""
        if await asyncio.to_thread(_signed_in_id, self._token()):
            return rx.redirect("/", replace=True)
        self._forget_official()
        await self._forget_tab()
        params = self.router.url.query_parameters
        self.login_error = params.get("error") if params.get("error") in ("invalid", "locked") else ""
        self.login_next = safe_next(params.get("next"))

    @rx.event
    async def unexpected_error(self):
        """Chained by the app's backend error handler (govhub.govhub.backend_error) after an error no handler
        expected: a plain message in the reader's language, never the error itself. Harmless to call."""
        self._toast("error", self._t("error.generic"))

    @rx.event
    async def switch_locale(self, locale: str | list[str]):
        """Change the language; remembered per official (and in a cookie before sign-in)."""
        if not isinstance(locale, str) or locale not in LOCALES:
            return
        self.lang_cookie = locale
        self.locale = locale
        if not self._token():
            return
        try:
            await self._call(set_locale, locale)
        except NotSignedIn:
            return
        self.me.locale = locale


def _signed_in_id(token: str | None) -> int | None:
    with session_scope() as session:
        official = read_retrying(session, lambda s: official_for_token(s, token))
        return official.id if official else None


def _audit_refusal(actor_id: int, handler: str, client_ip: str) -> None:
    """Record that a signed-in official was refused something (who, what, from where; the row has the time)."""
    with session_scope() as session:
        audit.record(session, "access.refused", actor_id=actor_id, detail={"handler": handler}, client_ip=client_ip)


def guarded(fn: Callable) -> Callable:
    """A handler for signed-in officials only: the session is checked before anything else runs (once per event,
    in the transaction the handler's first service call continues), and refusals become a redirect to sign-in or
    a message, never a traceback in the browser. A refusal of a signed-in official ("not found or not allowed")
    is audited; anything unexpected is logged with its traceback here and shown there as a plain message."""

    @functools.wraps(fn)
    async def wrapper(self: AppState, *args: Any, **kwargs: Any):
        event: _EventIdentity | None = None
        reset = None
        try:
            session, actor = await asyncio.to_thread(_look_up, self._token())
            event = _EventIdentity(actor, actor.id, session)
            reset = _event_identity.set(event)
            return await fn(self, *args, **kwargs)
        except NotSignedIn:
            return self._to_login()
        except GovHubError as exc:
            if isinstance(exc, NotFound) and event is not None:
                await asyncio.to_thread(_audit_refusal, event.actor_id, f"{type(self).__name__}.{fn.__name__}",
                                        self._client_ip())
            return self._toast("error", self._t(exc.key, **exc.params))
        except (TypeError, ValueError, OverflowError) as exc:
            log.info("bad input to %s: %s", fn.__name__, exc)
            return self._toast("error", self._t("error.invalid"))
        except Exception:  # noqa: BLE001  (the browser gets a message, the log gets the traceback)
            log.exception("unexpected error in %s", fn.__name__)
            return self._toast("error", self._t("error.generic"))
        finally:
            if reset is not None:
                _event_identity.reset(reset)
            if event is not None and event.session is not None:  # no service call continued it
                await asyncio.to_thread(event.session.close)

    return wrapper
