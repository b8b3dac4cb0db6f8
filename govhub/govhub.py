"""The Reflex app (its one Radix theme is set in rxconfig): the pages, GovHub's HTTP routes beside Reflex's,
and the security headers around all of it.
(No ``from __future__ import annotations``: Reflex checks the error handler's return annotation.)"""

import logging
import traceback
from collections import deque

import reflex as rx
from reflex.event import EventSpec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

import govhub.pages  # noqa: F401  (registers the pages)
from govhub.api.auth_routes import routes as auth_routes
from govhub.api.file_routes import routes as file_routes
from govhub.api.message_files import routes as message_file_routes
from govhub.api.oidc_routes import routes as oidc_routes
from govhub.api.release_routes import routes as release_routes
from govhub.api.security import security_headers
from govhub.components import resilience
from govhub.jobs.scheduler import lifespan as jobs_lifespan
from govhub.realtime import reflex_adapter, socket_guard
from govhub.realtime.push import lifespan as push_lifespan
from govhub.realtime.reflex_adapter import current_event_ids
from govhub.realtime.upload_guard import upload_guard
from govhub.state.base import AppState, new_event_id
from govhub.state.session_binding import SessionBinding
from govhub.state.warmup import lifespan as warmup_lifespan

log = logging.getLogger("govhub.app")


# Events whose failure has already asked for a notice (their txids), so that a notice event failing in turn (say the
# state store is down) is not answered with yet another one, forever. Per worker: the notice runs where it is queued.
_noticed: deque[str] = deque(maxlen=1024)


def backend_error(exception: Exception) -> EventSpec | None:
    """An unexpected error in an event handler: logged here as an error with its traceback and an event id; the
    page gets a plain message in its language with that id (so support finds the log line) through AppState.notice
    (Reflex queues the returned event for the same tab). Reflex's toast would reach the page as a script to eval,
    which the Content-Security-Policy refuses: it never showed."""
    event_id = new_event_id()
    log.error("unexpected error %s in an event handler:\n%s", event_id,
              "".join(traceback.format_exception(type(exception), exception, exception.__traceback__)))
    try:
        txid, parent_txid = current_event_ids()
    except LookupError:  # called outside an event (tests)
        return AppState.unexpected_error(event_id)
    if parent_txid is not None and parent_txid in _noticed:
        return None  # the notice itself failed: logged above, not retried
    _noticed.append(txid)
    return AppState.unexpected_error(event_id)


def route_error(request: Request, exception: Exception) -> Response:
    """An unexpected error in one of GovHub's HTTP routes: logged as an error with its traceback and an event id;
    the browser gets a plain 500 naming only that id."""
    event_id = new_event_id()
    log.error("unexpected error %s in %s %s", event_id, request.method, request.url.path, exc_info=exception)
    return PlainTextResponse(f"internal error (incident {event_id})", status_code=500)


app = rx.App(
    api_transformer=[Starlette(routes=[*auth_routes, *oidc_routes, *message_file_routes, *file_routes,
                                       *release_routes],
                               exception_handlers={Exception: route_error}),
                     upload_guard, security_headers],
    backend_exception_handler=backend_error,
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
app.add_middleware(SessionBinding(), index=0)  # a tab's state belongs to one session (B7)
# Reflex's connection toast (red, English, over the bottom bar) gives way to GovHub's calm strip (reconnecting,
# refused taps while offline, a new release): govhub/components/resilience.py.
reflex_adapter.replace_overlay(app, resilience.overlay)
socket_guard.install(app)  # the websocket: GovHub's own origin only, a rate and a queue per connection
app.register_lifespan_task(push_lifespan)  # live push of notifications to open browsers
app.register_lifespan_task(jobs_lifespan)  # reminders, digest and e-mail, on one leader
app.register_lifespan_task(warmup_lifespan)  # the first visit after a start as fast as the next (state/warmup.py)
