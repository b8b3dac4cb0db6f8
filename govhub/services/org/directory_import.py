"""CSV import of directory entries: every row checked first, then all written or none."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from sqlalchemy import func, insert
from sqlmodel import Session, select

from govhub import clock
from govhub.models import AuditEvent, Official, OfficialPost, Position, Unit
from govhub.services.core import audit
from govhub.services.core.errors import GovHubError, Invalid
from govhub.services.core.text import fold
from govhub.services.org.directory import (
    check_link_field,
    clean_email,
    clean_phone,
    entry_change,
    entry_of,
    search_text_for,
)
from govhub.services.org.structure import can_administer_unit, can_edit_entry, link_field_locked, post_change_refusal

COLUMNS = ("username", "full_name", "unit_code", "position_code", "phone", "email")
MAX_ROWS = 5000
MAX_BYTES = 2_000_000


@dataclass
class RejectedRow:
    """A row that could not be imported, and why (a translation key)."""

    line: int
    username: str
    reason: str


@dataclass
class ImportReport:
    """What an import did, or would have done."""

    created: int = 0
    updated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def do_import_csv(session: Session, actor: Official, text: str, *, client_ip: str = "") -> ImportReport:
    """Create or update officials from CSV; any rejected row means nothing is written. Each row's post must be
    one ``actor`` may grant (``org.post_change_refusal``: nobody re-posts themselves, heads and deputies are
    appointed by system administrators); every created or changed entry is audited with its before and after."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise Invalid("import.error.too_big")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    required = {"username", "full_name", "unit_code", "position_code"}
    if reader.fieldnames is None or not required <= {f.strip() for f in reader.fieldnames}:
        raise Invalid("import.error.columns")
    # Trim names and values once (short rows give None), keeping each row's line number in the file.
    lines = [(reader.line_num, {k.strip(): (v or "").strip() for k, v in raw.items() if k}) for raw in reader]
    if len(lines) > MAX_ROWS:
        raise Invalid("import.error.too_many")
    rows = [row for _, row in lines]
    codes = {r.get("unit_code", "") for r in rows}
    units = {u.code: u for u in session.exec(select(Unit).where(Unit.code.in_(codes))).all()}
    positions = {p.code: p for p in session.exec(select(Position)).all()}
    names = {r.get("username", "").lower() for r in rows}
    existing = {o.username: o for o in session.exec(select(Official).where(Official.username.in_(names))).all()}
    # With single sign-on linking by e-mail, a unit administrator's new entry may not take an address already in
    # the directory (sign-in by that address would become ambiguous for its owner).
    taken: set[str] = set()
    if link_field_locked(actor) == "email":
        emails = {r.get("email", "").strip().lower() for r in rows} - {""}
        taken = {e.lower() for e in session.exec(select(Official.email).where(
            func.lower(Official.email).in_(emails))).all()} if emails else set()
    allowed_units = {code for code, u in units.items() if can_administer_unit(session, actor, u.id)}
    report = ImportReport()
    seen: set[str] = set()
    plan: list[tuple[dict, Unit, Position, Official | None]] = []
    for line, row in lines:
        username = row.get("username", "").lower()
        try:
            if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
                raise Invalid("import.error.username")
            if username in seen:
                raise Invalid("import.error.duplicate")
            seen.add(username)
            if len(row.get("full_name", "")) < 2:
                raise Invalid("directory.error.name")
            unit = units.get(row.get("unit_code", ""))
            if unit is None or row["unit_code"] not in allowed_units:
                raise Invalid("import.error.unit")
            position = positions.get(row.get("position_code", ""))
            if position is None:
                raise Invalid("directory.error.position")
            target = existing.get(username)
            if target is not None and not can_edit_entry(session, actor, target):
                raise Invalid("import.error.unit")
            refusal = post_change_refusal(session, actor, target, unit.id, position)
            if refusal:
                raise Invalid(refusal)
            row["phone"], row["email"] = clean_phone(row.get("phone", "")), clean_email(row.get("email", ""))
            if target is not None:
                check_link_field(actor, target, row["email"])
            elif row["email"].lower() in taken:
                raise Invalid("directory.error.email_taken")
        except GovHubError as exc:
            report.rejected.append(RejectedRow(line=line, username=username[:64], reason=exc.key))
            continue
        plan.append((row, unit, position, target))
    if report.rejected:
        return report
    # Concurrent posts stay part of an updated official's search text (as in refresh_search_text).
    posts: dict[int, list[str]] = {}
    for official_id, title, unit_name in session.exec(
        select(OfficialPost.official_id, Position.title, Unit.name)
        .join(Position, Position.id == OfficialPost.position_id)
        .join(Unit, Unit.id == OfficialPost.unit_id)
        .where(OfficialPost.official_id.in_([t.id for _, _, _, t in plan if t is not None]))
    ).all():
        posts.setdefault(official_id, []).append(f"{title} {unit_name}")
    now = clock.now()
    changes: list[tuple[Official, dict | None]] = []
    for row, unit, position, target in plan:
        official = target or Official(username=row["username"].lower(), full_name="", unit_id=unit.id,
                                      position_id=position.id)
        changes.append((official, entry_of(target) if target is not None else None))
        official.full_name = " ".join(row["full_name"].split())[:120]
        official.unit_id, official.position_id = unit.id, position.id
        official.phone, official.email = row["phone"], row["email"]
        official.name_folded = fold(official.full_name)
        official.search_text = search_text_for(official, position, unit, posts.get(official.id))
        official.updated_at = now
        if target is None:
            report.created += 1
        else:
            official.version += 1
            report.updated += 1
        session.add(official)
    session.flush()
    summary = audit.record(session, "directory.imported", actor_id=actor.id, object_type="official",
                           detail={"created": report.created, "updated": report.updated}, client_ip=client_ip)
    session.flush()
    # One audit row per created or changed entry, with its before and after, pointing at the import's row.
    rows = []
    for official, before in changes:
        action, detail = entry_change(before, entry_of(official))
        if before is not None and not detail["after"]:
            continue  # a row that changed nothing
        rows.append({"action": action, "actor_id": actor.id, "object_type": "official", "object_id": official.id,
                     "detail": json.dumps({**detail, "via": "import", "import": summary.id}, ensure_ascii=False),
                     "client_ip": client_ip[:64], "at": summary.at})
    if rows:
        session.execute(insert(AuditEvent), rows)
    return report
