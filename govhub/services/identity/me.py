"""The signed-in official's own card and preferences."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from govhub.i18n import normalize_locale
from govhub.models import Official, OfficialPost, Position, Unit
from govhub.services.org.directory import initials
from govhub.services.org.structure import can_administer_unit, is_admin
from govhub.services.tasks.access import is_leader


@dataclass
class MeCard:
    """Who is signed in, as the shell shows it."""

    id: int = 0
    full_name: str = ""
    initials: str = ""
    position: str = ""
    unit_id: int = 0
    unit_name: str = ""
    locale: str = "vi"
    posts: list[str] = field(default_factory=list)
    is_admin: bool = False
    is_unit_admin: bool = False
    is_leader: bool = False


def me_card(session: Session, official: Official) -> MeCard:
    """The shell's card for ``official``: primary post, concurrent posts, admin flags."""
    position = session.get(Position, official.position_id)
    unit = session.get(Unit, official.unit_id)
    posts = session.exec(
        select(Position.title, Unit.name)
        .join(OfficialPost, OfficialPost.position_id == Position.id)
        .join(Unit, Unit.id == OfficialPost.unit_id)
        .where(OfficialPost.official_id == official.id)
    ).all()
    return MeCard(
        id=official.id, full_name=official.full_name, initials=initials(official.full_name),
        position=position.title if position else "", unit_id=unit.id if unit else 0,
        unit_name=unit.name if unit else "", locale=normalize_locale(official.locale or None),
        posts=[f"{title} — {name}" for title, name in posts], is_admin=is_admin(official),
        is_unit_admin=is_admin(official) or ("unit_admin" in official.role_set()
                                              and can_administer_unit(session, official, official.unit_id)),
        is_leader=is_leader(official),
    )


def do_set_locale(session: Session, official: Official, locale: str) -> None:
    """Remember the official's language."""
    official.locale = normalize_locale(locale)
