"""The root app state: the signed-in official, the language, and guarded calls into the services."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import logging
import re
import secrets
import typing
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
from govhub.services.core.errors import GovHubError, Invalid, NotFound
from govhub.services.identity.auth import COOKIE_NAME, do_record_refusal, official_for_token
from govhub.services.identity.me import MeCard, do_set_locale, me_card

log = logging.getLogger("govhub.state")
T = TypeVar("T")
EVENT_ID = re.compile(r"[0-9a-f]{1,16}")


def new_event_id() -> str:
    """A short id for one unexpected error: logged with its traceback, shown to the official for support."""
    return secrets.token_hex(4)


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
    # Which session this tab's state belongs to (a hash of its cookie; "" before the first event, "-" for none):
    # another session on the same tab starts from nothing (govhub/state/session_binding.py checks every event).
    _session_key: str = ""

    def _token(self) -> str | None:
        return session_token(self.router.headers.cookie)

    def _client_ip(self) -> str:
        """The websocket's peer as the server resolved it (forwarded headers only from a configured proxy, as for
        HTTP: ``auth_routes.client_ip``). Reflex's own ``client_ip`` reads X-Forwarded-For from any peer."""
        return self.router.headers.raw_headers.get("asgi-scope-client") or self.router.session.client_ip or ""

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

    async def _bind_session(self) -> None:
        """Before any event of this tab: if its connection carries another session than the one the state was
        made for (a tab re-used by another official, or after sign-out), forget every page's state first, so
        nothing of the previous official is ever sent. The whole tree is loaded to be emptied: a page state not
        loaded now would otherwise come back later with the previous official's data."""
        token = self._token()
        key = hashlib.sha256(token.encode()).hexdigest()[:32] if token else "-"
        if key == self._session_key:
            return
        if self._session_key:
            for cls in _page_states():
                await self.get_state(cls)
            self._forget_official()
            await self._forget_tab()  # no pushes or uploads for the previous official through this tab
        self._session_key = key

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
        """on_load of the sign-in page: forget any previous official; signed-in visitors go on to the page they
        asked for (a second tab sent here before the first signed in), or home."""
        params = self.router.url.query_parameters
        if await asyncio.to_thread(_signed_in_id, self._token()):
            target = safe_next(params.get("next"))
            return rx.redirect("/" if target.startswith("/login") else target, replace=True)
        self._forget_official()
        await self._forget_tab()
        self.login_error = params.get("error") if params.get("error") in ("invalid", "locked") else ""
        self.login_next = safe_next(params.get("next"))

    def _unexpected(self, event_id: str) -> None:
        """Tell the reader something went wrong, with the id support finds the logged traceback by."""
        self._toast("error", self._t("error.generic_id", id=event_id))

    async def _refused(self, label: str, **detail: object) -> None:
        """Audit that the signed-in official was refused ``label`` as "not found" (anonymous callers: nothing)."""
        event = _event_identity.get()
        await asyncio.to_thread(_audit_refusal, event.actor_id if event else None, self._token(), label,
                                self._client_ip(), detail)

    async def _page_refused(self, exc: Exception) -> None:
        """A page's object was "not found" (absent, or not the official's to see): audited like any other refusal,
        with the address asked for. A malformed address (``ValueError``) names nothing and is not."""
        if isinstance(exc, NotFound):
            await self._refused(f"{type(self).__name__}.load", path=self.router.url.path[:200])

    @rx.event
    async def unexpected_error(self, code: str = ""):
        """Chained by the app's backend error handler (govhub.govhub.backend_error) after an error no handler
        expected: a plain message in the reader's language with the error's id, never the error itself. Harmless to
        call (the id shown is checked to be one)."""
        self._unexpected(code if isinstance(code, str) and EVENT_ID.fullmatch(code) else "-")

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
            await self._call(do_set_locale, locale)
        except NotSignedIn:
            return
        self.me.locale = locale


def _page_states() -> list[type[AppState]]:
    """Every state class below AppState."""
    found, todo = [], list(AppState.get_substates())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.get_substates())
    return found


def _signed_in_id(token: str | None) -> int | None:
    with session_scope() as session:
        official = read_retrying(session, lambda s: official_for_token(s, token))
        return official.id if official else None


def _audit_refusal(actor_id: int | None, token: str | None, handler: str, client_ip: str, detail: dict) -> None:
    """Record that a signed-in official was refused something (who, what, from where; the row has the time): the
    official this event already found, else the session's (anonymous callers: nothing is recorded)."""
    with session_scope() as session:
        do_record_refusal(session, "access.refused", token=token, actor_id=actor_id,
                          detail={"handler": handler, **detail}, client_ip=client_ip)


# What a handler parameter annotated with one of these types may be (the browser may send anything).
_ARG_TYPES: dict[object, tuple[type, ...]] = {dict: (dict,), str: (str,), int: (int, str), bool: (bool,),
                                              float: (int, float, str)}


def _fits(value: object, allowed: tuple[type, ...]) -> bool:
    return isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)


@functools.cache
def _arg_checks(fn: Callable) -> dict[str, tuple[tuple[type, ...], tuple[type, ...] | None]]:
    """For each parameter of ``fn`` with a plain annotation (dict, str, int, bool, float, list[X]): the types its
    value may have, and for a list those of its items (None: any)."""
    checks = {}
    for name, hint in typing.get_type_hints(fn).items():
        origin = typing.get_origin(hint) or hint
        if name != "return" and origin in _ARG_TYPES:
            checks[name] = (_ARG_TYPES[origin], None)
        elif name != "return" and origin is list:
            (item,) = typing.get_args(hint) or (object,)
            checks[name] = ((list,), _ARG_TYPES.get(item, (item,) if isinstance(item, type) else None))
    return checks


def _checked_args(fn: Callable, self: object, args: tuple, kwargs: dict) -> None:
    """Refuse (as invalid input) missing, unknown or wrongly typed arguments before the handler runs."""
    bound = inspect.signature(fn).bind(self, *args, **kwargs)  # TypeError: missing or unknown arguments
    for name, (allowed, items) in _arg_checks(fn).items():
        if name not in bound.arguments:
            continue
        value = bound.arguments[name]
        if not _fits(value, allowed) or (items is not None and not all(_fits(v, items) for v in value)):
            raise Invalid()


def guarded(fn: Callable) -> Callable:
    """A handler for signed-in officials only: the session is checked before anything else runs (once per event,
    in the transaction the handler's first service call continues), and refusals become a redirect to sign-in or
    a message, never a traceback in the browser. A refusal of a signed-in official ("not found or not allowed")
    is audited. Arguments are checked against the handler's annotations first (a form must be a dict...): only such
    validation errors say "invalid input"; anything unexpected is logged as an error with its traceback and an
    event id, and shown there as a plain message with that id."""

    @functools.wraps(fn)
    async def wrapper(self: AppState, *args: Any, **kwargs: Any):
        label = f"{type(self).__name__}.{fn.__name__}"
        event: _EventIdentity | None = None
        reset = None
        try:
            session, actor = await asyncio.to_thread(_look_up, self._token())
            event = _EventIdentity(actor, actor.id, session)
            reset = _event_identity.set(event)
            try:
                _checked_args(fn, self, args, kwargs)
            except TypeError as exc:
                raise Invalid() from exc
            return await fn(self, *args, **kwargs)
        except NotSignedIn:
            return self._to_login()
        except GovHubError as exc:
            if isinstance(exc, NotFound):
                await self._refused(label)
            return self._toast("error", self._t(exc.key, **exc.params))
        except (ValueError, OverflowError) as exc:  # client input that does not parse (int("x"), a date)
            log.info("bad input to %s: %s", label, exc)
            return self._toast("error", self._t("error.invalid"))
        except Exception:  # noqa: BLE001  (the browser gets a message and an id, the log the traceback)
            event_id = new_event_id()
            log.error("unexpected error %s in %s", event_id, label, exc_info=True)
            return self._unexpected(event_id)
        finally:
            if reset is not None:
                _event_identity.reset(reset)
            if event is not None and event.session is not None:  # no service call continued it
                await asyncio.to_thread(event.session.close)

    return wrapper
