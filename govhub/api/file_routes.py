"""``/files/{id}``: a document's file, for an official who may see the document (session cookie checked,
access decided by the documents service); anyone else gets "not found". Never a path a client chose."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from govhub.api.downloads import file_headers
from govhub.api.ids import path_id
from govhub.db import session_scope
from govhub.services.core.errors import NotFound
from govhub.services.documents import workflow as documents
from govhub.services.identity.auth import COOKIE_NAME, do_record_refusal, official_for_token


def _audit_refusal(token: str | None, file_id: int, ip: str) -> None:
    """A signed-in official asked for a file they may not see: who, which, from where."""
    with session_scope() as session:
        do_record_refusal(session, "access.refused", token=token, object_type="doc_file", object_id=file_id,
                          detail={"route": "/files"}, client_ip=ip)


async def download(request: Request) -> Response:
    """The file's bytes: PDFs inline when ``?inline=1`` (preview), everything else as an attachment."""
    token = request.cookies.get(COOKIE_NAME)
    file_id = path_id(request, "file_id")
    if file_id is None:
        return PlainTextResponse("not found", status_code=404)

    def work() -> tuple[str, str, bytes] | None:
        with session_scope() as session:
            actor = official_for_token(session, token)
            if actor is None:
                return None
            row, data = documents.read_file(session, actor, file_id)
            return row.name, row.mime, data

    try:
        found = await asyncio.to_thread(work)
    except NotFound:
        ip = request.client.host if request.client else ""
        await asyncio.to_thread(_audit_refusal, token, file_id, ip)
        return PlainTextResponse("not found", status_code=404)
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    name, mime, data = found
    inline = request.query_params.get("inline") == "1" and mime == "application/pdf"
    return Response(data, media_type=mime, headers=file_headers(name, inline=inline))


routes = [Route("/files/{file_id}", download, methods=["GET"])]
