"""The Reflex app (its one Radix theme is set in rxconfig): the pages, and GovHub's HTTP routes beside Reflex's."""

from __future__ import annotations

import reflex as rx
from starlette.applications import Starlette

import govhub.pages  # noqa: F401  (registers the pages)
from govhub.api.auth_routes import routes as auth_routes

app = rx.App(
    api_transformer=Starlette(routes=auth_routes),
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
