"""``/files/attachments/{id}``: a message attachment, for a member of its conversation (session cookie checked,
access decided by the messages service); anyone else gets "not found". The stored name is never the client's."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from govhub.api.downloads import file_headers
from govhub.api.ids import path_id
from govhub.db import session_scope
from govhub.models import Message, MessageAttachment
from govhub.services.core.errors import NotFound
from govhub.services.identity.auth import COOKIE_NAME, do_record_refusal, official_for_token
from govhub.services.messaging import conversations as messages


def find_attachment(token: str | None, attachment_id: int, ip: str = "") -> tuple[bytes, str, str] | None:
    """(bytes, name, content type) of an attachment the session's official may read; None otherwise (a refusal
    of a signed-in official is audited)."""
    with session_scope() as session:
        actor = official_for_token(session, token)
        if actor is None:
            return None
        try:
            row = session.get(MessageAttachment, attachment_id)
            if row is None:
                raise NotFound()
            message = session.get(Message, row.message_id)
            messages.access_conversation(session, actor, message.conversation_id)
            return messages.read_attachment(row.stored_name), row.original_name, row.content_type
        except NotFound:
            do_record_refusal(session, "access.refused", actor_id=actor.id, object_type="message_attachment",
                              object_id=attachment_id, detail={"route": "/files/attachments"}, client_ip=ip)
            return None


async def download(request: Request) -> Response:
    """The attachment's bytes, always as a download, with the type GovHub decided when it was sent."""
    attachment_id = path_id(request, "attachment_id")
    if attachment_id is None:
        return PlainTextResponse("not found", status_code=404)
    ip = request.client.host if request.client else ""
    found = await asyncio.to_thread(find_attachment, request.cookies.get(COOKIE_NAME), attachment_id, ip)
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    data, name, content_type = found
    return Response(data, media_type=content_type, headers=file_headers(name))


routes = [Route("/files/attachments/{attachment_id}", download, methods=["GET"])]
