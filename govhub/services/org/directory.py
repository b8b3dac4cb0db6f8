"""The electronic directory: search, the org tree, unit pages, contact cards and their upkeep."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from govhub.models import Official, OfficialPost, Position, Unit
from govhub.services.core import audit
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.text import fold, like_escape, search_words
from govhub.services.core.versioning import claim_version
from govhub.services.org.structure import (
    LEADING_KINDS,
    LOCAL_KINDS,
    can_administer_unit,
    can_edit_entry,
    link_field_locked,
    post_change_refusal,
    unit_ancestors,
)

PAGE_SIZE = 20


@dataclass
class OfficialCard:
    """What the directory shows of one official."""

    id: int
    full_name: str
    initials: str
    position: str
    unit_id: int
    unit_name: str
    phone: str
    email: str
    rank: int = 50
    version: int = 1
    position_id: int = 0
    extra_posts: list[str] = field(default_factory=list)
    within: str = ""  # for a division, the agency or ward it belongs to (many wards have divisions of one name)


@dataclass
class UnitRow:
    """A unit in a list or in the tree."""

    id: int
    code: str
    name: str
    kind: str
    officials: int = 0


@dataclass
class UnitDetail:
    """A unit page: where it sits, what is under it and who works there."""

    id: int
    code: str
    name: str
    kind: str
    phone: str
    email: str
    address: str
    breadcrumb: list[UnitRow]
    children: list[UnitRow]
    officials: list[OfficialCard]


@dataclass
class SearchPage:
    """One page of search results and the total count."""

    total: int
    page: int
    pages: int
    rows: list[OfficialCard]


def initials(full_name: str) -> str:
    """Two letters for an avatar: the given name's first letter and the family name's."""
    parts = full_name.split()
    if not parts:
        return "?"
    return (parts[-1][0] + (parts[0][0] if len(parts) > 1 else "")).upper()


def _card(official: Official, position: Position, unit: Unit, within: str = "") -> OfficialCard:
    return OfficialCard(
        id=official.id, full_name=official.full_name, initials=initials(official.full_name),
        position=position.title, unit_id=unit.id, unit_name=unit.name, phone=official.phone,
        email=official.email, rank=position.rank, version=official.version, position_id=position.id, within=within,
    )


def search(session: Session, query: str, page: int = 1, page_size: int = PAGE_SIZE) -> SearchPage:
    """Officials whose name, position, unit, phone or email hold every word of ``query``.

    Matching ignores case and diacritics. The best matches come first: the name itself, then the name
    containing the words, then the other fields; within each, higher positions first.
    """
    words = search_words(query)
    page = max(1, min(int(page), 10_000))
    if not words:
        return SearchPage(total=0, page=1, pages=0, rows=[])
    conds = [Official.search_text.like(f"%{like_escape(w)}%", escape="\\") for w in words]
    where = and_(Official.active.is_(True), *conds)
    phrase = like_escape(" ".join(words))
    name_rank = case(
        (or_(Official.name_folded.like(f"{phrase}%", escape="\\"),
             Official.name_folded.like(f"% {phrase}", escape="\\")), 0),
        (and_(*[Official.name_folded.like(f"%{like_escape(w)}%", escape="\\") for w in words]), 1),
        else_=2,
    )
    # The matching is a scan of every active official (a trigram index narrows it on PostgreSQL), so it
    # is done once: the matches' sort keys are kept in a CTE (used twice, so the database materialises
    # it) that gives both the exact count and the page's ids. Only the page's rows are then joined to
    # their position and unit, instead of carrying every match's full rows through the sort.
    matches = (
        select(Official.id.label("id"), name_rank.label("name_rank"), Position.rank.label("rank"),
               Official.name_folded.label("name_folded"))
        .join(Position, Position.id == Official.position_id)
        .where(where)
        .cte("matches")
    )
    total_of_matches = select(func.count()).select_from(matches).scalar_subquery()
    hit = (
        select(matches)
        .order_by(matches.c.name_rank, matches.c.rank, matches.c.name_folded, matches.c.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .subquery("hit")
    )
    parent = aliased(Unit)
    rows = session.exec(
        select(Official, Position, Unit, total_of_matches, parent.name)
        .select_from(hit)
        .join(Official, Official.id == hit.c.id)
        .join(Position, Position.id == Official.position_id)
        .join(Unit, Unit.id == Official.unit_id)
        .outerjoin(parent, and_(parent.id == Unit.parent_id, Unit.kind == "division"))
        .order_by(hit.c.name_rank, hit.c.rank, hit.c.name_folded, hit.c.id)
    ).all()
    if rows:
        total = rows[0][3]
    elif page == 1:
        total = 0
    else:  # past the last page: nothing to carry the count, so count on its own
        total = session.exec(select(func.count()).select_from(Official).where(where)).one()
    pages = (total + page_size - 1) // page_size
    return SearchPage(total=total, page=page, pages=pages,
                      rows=[_card(o, p, u, within or "") for o, p, u, _, within in rows])


def unit_groups(session: Session) -> dict[str, list[UnitRow]]:
    """The top of the tree: the city, its agencies, and its wards, communes and special zone."""
    counts = (
        select(Official.unit_id, func.count().label("n"))
        .where(Official.active.is_(True))
        .group_by(Official.unit_id)
        .subquery()
    )
    rows = session.exec(
        select(Unit, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.unit_id == Unit.id)
        .where(Unit.active.is_(True), Unit.kind.in_(("city", *LEADING_KINDS, *LOCAL_KINDS)))
        .order_by(Unit.sort_order, Unit.name)
    ).all()
    groups: dict[str, list[UnitRow]] = {"city": [], "agencies": [], "local": []}
    for unit, n in rows:
        key = "city" if unit.kind == "city" else "agencies" if unit.kind in LEADING_KINDS else "local"
        groups[key].append(UnitRow(id=unit.id, code=unit.code, name=unit.name, kind=unit.kind, officials=n))
    return groups


def _post_cards(session: Session, unit_id: int) -> list[OfficialCard]:
    """Officials with a primary or concurrent post in the unit, ordered by rank."""
    primary = session.exec(
        select(Official, Position, Unit)
        .join(Position, Position.id == Official.position_id)
        .join(Unit, Unit.id == Official.unit_id)
        .where(Official.unit_id == unit_id, Official.active.is_(True))
    ).all()
    post_pos = aliased(Position)
    concurrent = session.exec(
        select(Official, post_pos, Unit)
        .join(OfficialPost, OfficialPost.official_id == Official.id)
        .join(post_pos, post_pos.id == OfficialPost.position_id)
        .join(Unit, Unit.id == OfficialPost.unit_id)
        .where(OfficialPost.unit_id == unit_id, Official.active.is_(True))
    ).all()
    cards = [_card(o, p, u) for o, p, u in [*primary, *concurrent]]
    cards.sort(key=lambda c: (c.rank, fold(c.full_name.split()[-1] if c.full_name else ""), c.id))
    return cards


def unit_detail(session: Session, unit_id: int) -> UnitDetail:
    """A unit page; raises NotFound for an unknown or inactive unit."""
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise NotFound()
    chain_ids = unit_ancestors(session, unit_id)[1:]
    chain = {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(chain_ids))).all()} if chain_ids else {}
    breadcrumb = [UnitRow(id=u.id, code=u.code, name=u.name, kind=u.kind)
                  for u in (chain[i] for i in reversed(chain_ids))]
    children = session.exec(
        select(Unit).where(Unit.parent_id == unit_id, Unit.active.is_(True)).order_by(Unit.sort_order, Unit.name)
    ).all()
    return UnitDetail(
        id=unit.id, code=unit.code, name=unit.name, kind=unit.kind, phone=unit.phone, email=unit.email,
        address=unit.address, breadcrumb=breadcrumb,
        children=[UnitRow(id=c.id, code=c.code, name=c.name, kind=c.kind) for c in children],
        officials=_post_cards(session, unit_id),
    )


def contact(session: Session, official_id: int) -> OfficialCard:
    """One contact card with the official's concurrent posts; NotFound if inactive or unknown."""
    row = session.exec(
        select(Official, Position, Unit)
        .join(Position, Position.id == Official.position_id)
        .join(Unit, Unit.id == Official.unit_id)
        .where(Official.id == official_id, Official.active.is_(True))
    ).first()
    if row is None:
        raise NotFound()
    card = _card(*row)
    posts = session.exec(
        select(Position.title, Unit.name)
        .join(OfficialPost, OfficialPost.position_id == Position.id)
        .join(Unit, Unit.id == OfficialPost.unit_id)
        .where(OfficialPost.official_id == official_id)
    ).all()
    card.extra_posts = [f"{title}, {unit}" for title, unit in posts]
    return card


def search_text_for(official: Official, position: Position, unit: Unit, extra: list[str] | None = None) -> str:
    """The folded text the search matches: name, position, unit, phone, email, concurrent posts."""
    parts = [official.full_name, position.title, unit.name, unit.code, official.phone.replace(" ", ""),
             official.email, *(extra or [])]
    return fold(" | ".join(p for p in parts if p))[:800]


def refresh_search_text(session: Session, official: Official) -> None:
    """Recompute one official's folded name and search text after an edit."""
    position = session.get(Position, official.position_id)
    unit = session.get(Unit, official.unit_id)
    extra = [f"{t} {n}" for t, n in session.exec(
        select(Position.title, Unit.name)
        .join(OfficialPost, OfficialPost.position_id == Position.id)
        .join(Unit, Unit.id == OfficialPost.unit_id)
        .where(OfficialPost.official_id == official.id)
    ).all()]
    official.name_folded = fold(official.full_name)
    official.search_text = search_text_for(official, position, unit, extra)


def clean_phone(phone: str) -> str:
    phone = " ".join(phone.split())[:40]
    if phone and not all(ch.isdigit() or ch in " +.()-" for ch in phone):
        raise Invalid("directory.error.phone")
    return phone


def clean_email(email: str) -> str:
    email = email.strip()[:200]
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        raise Invalid("directory.error.email")
    return email


ENTRY_FIELDS = ("full_name", "phone", "email", "unit_id", "position_id")


def entry_of(official: Official) -> dict[str, object]:
    """The fields of a directory entry that edits and imports change (what their audit rows compare)."""
    return {name: getattr(official, name) for name in ENTRY_FIELDS}


def entry_change(before: dict[str, object] | None, after: dict[str, object]) -> tuple[str, dict]:
    """The audit action and detail of one entry's change: before and after of every changed field; a change of
    unit or position (a post) has its own action, so grants are easy to find."""
    if before is None:
        return "directory.official_created", {"before": None, "after": after}
    changed = [k for k in ENTRY_FIELDS if before[k] != after[k]]
    action = "directory.post_changed" if {"unit_id", "position_id"} & set(changed) else "directory.official_updated"
    return action, {"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}}


def check_link_field(actor: Official, target: Official, email: str) -> None:
    """With single sign-on linking accounts by e-mail, only system administrators change an entry's e-mail."""
    if link_field_locked(actor) == "email" and email.lower() != (target.email or "").lower():
        raise Invalid("directory.error.email_linked")


def do_update_contact(
    session: Session, actor: Official, official_id: int, *, version: int, full_name: str, phone: str, email: str,
    position_id: int, client_ip: str = "",
) -> OfficialCard:
    """A unit administrator edits an entry of their own unit; stale versions are refused. A new position must be
    one the editor may grant (``org.post_change_refusal``); the change is audited with its before and after."""
    target = session.get(Official, int(official_id))
    if target is None or not can_edit_entry(session, actor, target):
        raise NotFound()
    full_name = " ".join(full_name.split())[:120]
    if len(full_name) < 2:
        raise Invalid("directory.error.name")
    position = session.get(Position, int(position_id))
    if position is None:
        raise Invalid("directory.error.position")
    phone, email = clean_phone(phone), clean_email(email)
    refusal = post_change_refusal(session, actor, target, target.unit_id, position)
    if refusal:
        raise Invalid(refusal)
    check_link_field(actor, target, email)
    before = entry_of(target)
    claim_version(session, target, version)
    target.full_name, target.phone, target.email, target.position_id = full_name, phone, email, position.id
    refresh_search_text(session, target)
    action, detail = entry_change(before, entry_of(target))
    audit.record(session, action, actor_id=actor.id, object_type="official", object_id=target.id,
                 detail={**detail, "via": "edit"}, client_ip=client_ip)
    session.flush()
    return contact(session, target.id)


@dataclass
class EditOptions:
    """What the edit form of one entry offers: the positions (id, title) and whether the e-mail is locked."""

    positions: list[tuple[int, str]]
    email_locked: bool


def edit_options(session: Session, actor: Official, official_id: int) -> EditOptions:
    """The entry's current position and those ``actor`` may give it, highest first; NotFound if not theirs."""
    target = session.get(Official, int(official_id))
    if target is None or not target.active or not can_edit_entry(session, actor, target):
        raise NotFound()
    rows = session.exec(select(Position).order_by(Position.rank, Position.title)).all()
    return EditOptions(
        positions=[(p.id, p.title) for p in rows
                   if p.id == target.position_id or not post_change_refusal(session, actor, target, target.unit_id, p)],
        email_locked=link_field_locked(actor) == "email")


def contact_for(session: Session, actor: Official, official_id: int) -> tuple[OfficialCard, bool]:
    """A contact card and whether ``actor`` may edit it."""
    card = contact(session, official_id)
    target = session.get(Official, card.id)
    return card, target is not None and can_edit_entry(session, actor, target)


def unit_page_for(session: Session, actor: Official, unit_id: int) -> tuple[UnitDetail, bool]:
    """A unit page and whether ``actor`` administers that unit."""
    return unit_detail(session, unit_id), can_administer_unit(session, actor, unit_id)
