"""``/_release``: the release this server runs (govhub/release.py), asked by open tabs after they reconnect."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from govhub.realtime.reflex_adapter import frontend_build_dir
from govhub.release import release_id


async def current_release(request: Request) -> JSONResponse:  # noqa: ARG001
    """The release id, never cached (a tab must see a new one as soon as the server runs it)."""
    return JSONResponse({"release": release_id(frontend_build_dir())}, headers={"cache-control": "no-store"})


routes = [Route("/_release", current_release, methods=["GET"])]
