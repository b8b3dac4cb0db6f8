"""Creating accounts."""

from __future__ import annotations

from sqlmodel import Session, select

from govhub.models import Official, Position, Unit
from govhub.models.org import ROLES
from govhub.services.core.errors import Invalid
from govhub.services.core.text import fold
from govhub.services.identity.auth import do_set_password
from govhub.services.org.directory import search_text_for


def do_create_official(session: Session, *, username: str, full_name: str, unit: Unit, position: Position,
                       roles: str = "staff", password: str | None = None, email: str = "") -> Official:
    """Add an official; the username must be new and the roles known."""
    username = username.strip().lower()
    if not username or session.exec(select(Official).where(Official.username == username)).first():
        raise Invalid("account.error.username")
    if not set(roles.split()) <= set(ROLES):
        raise Invalid("account.error.roles")
    official = Official(username=username, full_name=" ".join(full_name.split()), unit_id=unit.id,
                        position_id=position.id, roles=" ".join(roles.split()), email=email)
    if password:
        do_set_password(session, official, password)
    official.name_folded = fold(official.full_name)
    official.search_text = search_text_for(official, position, unit)
    session.add(official)
    session.flush()
    return official
