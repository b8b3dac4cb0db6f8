"""The Reflex app (its one Radix theme is set in rxconfig): the pages, GovHub's HTTP routes beside Reflex's,
and the security headers around all of it.
(No ``from __future__ import annotations``: Reflex checks the error handler's return annotation.)"""

import logging
import traceback

import reflex as rx
from reflex.event import EventSpec
from starlette.applications import Starlette

import govhub.pages  # noqa: F401  (registers the pages)
from govhub.api.auth_routes import routes as auth_routes
from govhub.api.file_routes import routes as file_routes
from govhub.api.message_files import routes as message_file_routes
from govhub.api.oidc_routes import routes as oidc_routes
from govhub.api.security import security_headers
from govhub.jobs.scheduler import lifespan as jobs_lifespan
from govhub.realtime.push import lifespan as push_lifespan

log = logging.getLogger("govhub.app")


def backend_error(exception: Exception) -> EventSpec:
    """An unexpected error in an event handler: logged here with its traceback, a plain message there."""
    log.error("unhandled error in an event handler:\n%s",
              "".join(traceback.format_exception(type(exception), exception, exception.__traceback__)))
    return rx.toast.error("Đã có lỗi, vui lòng thử lại. / Something went wrong, please try again.",
                          position="top-center", id="backend_error")


app = rx.App(
    api_transformer=[Starlette(routes=[*auth_routes, *oidc_routes, *message_file_routes, *file_routes]),
                     security_headers],
    backend_exception_handler=backend_error,
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
app.register_lifespan_task(push_lifespan)  # live push of notifications to open browsers
app.register_lifespan_task(jobs_lifespan)  # reminders, digest and e-mail, on one leader
