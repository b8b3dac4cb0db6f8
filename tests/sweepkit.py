"""What the authorization and hostile-input sweeps share: the app's database seeded once, a log of every write
(SQLite triggers), the whole state tree as text, and Phường Sài Gòn's objects that outsiders aim at, each
carrying a canary text that must never reach anyone outside the ward."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

import reflex as rx
from sqlalchemy import func, text
from sqlmodel import Session, SQLModel, select

from govhub import clock
from govhub.db import get_engine
from govhub.demo.city import seed_demo
from govhub.migrations import upgrade
from govhub.models import Official, Position, Unit
from govhub.models.documents import DocFile, DocRecipient, DocRoute, DocRouteStep, Document
from govhub.models.messages import Conversation, Message, MessageAttachment, PersonalReminder
from govhub.models.task import Directive, ExtensionRequest, Notification, Task
from govhub.services.core import storage
from govhub.services.identity.auth import do_start_session
from tests.statekit import app_states, substate

# Rows a refusal may write: the audit trail and sign-in bookkeeping.
UNWATCHED = {"audit_event", "login_attempt", "auth_session", "oidc_login"}
# Whose row a write touched, for the tables where an official's harmless use writes their own rows.
OWNER_COLUMN = {"notification": "recipient_id", "conversation_member": "official_id", "official": "id",
                "doc_route": "created_by_id"}
CANARY = "ZQXCANARY"


def seed_app_db() -> None:
    """The database the running app uses (GOVHUB_DATABASE_URL), migrated and seeded (idempotent)."""
    upgrade()
    with Session(get_engine()) as session:
        seed_demo(session)
        session.commit()


def install_write_log() -> None:
    """Every insert, update and delete on a watched table leaves a row in ``sweep_write`` (table, rowid, owner)."""
    engine = get_engine()
    assert engine.dialect.name == "sqlite", "the sweeps watch writes with SQLite triggers"
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS sweep_write (tbl TEXT, rid INTEGER, owner INTEGER)"))
        for name in SQLModel.metadata.tables:
            if name in UNWATCHED:
                continue
            for op, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                owner = f"{ref}.{OWNER_COLUMN[name]}" if name in OWNER_COLUMN else "NULL"
                conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS sweep_{name}_{op.lower()} AFTER {op} ON {name} "
                                  f"BEGIN INSERT INTO sweep_write VALUES ('{name}', {ref}.rowid, {owner}); END"))


def remove_write_log() -> None:
    with get_engine().begin() as conn:
        for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                         "AND name LIKE 'sweep_%'")).all():
            conn.execute(text(f"DROP TRIGGER {name}"))
        conn.execute(text("DROP TABLE IF EXISTS sweep_write"))


def take_writes() -> list[tuple[str, int, int | None]]:
    """The writes logged since the last call (and forget them)."""
    with get_engine().begin() as conn:
        rows = conn.execute(text("SELECT tbl, rid, owner FROM sweep_write")).all()
        conn.execute(text("DELETE FROM sweep_write"))
    return [tuple(r) for r in rows]


def audit_mark() -> int:
    from govhub.models import AuditEvent

    with Session(get_engine()) as session:
        return session.exec(select(func.max(AuditEvent.id))).one() or 0


def refusals_since(mark: int) -> list[dict]:
    """The ``access.refused`` audit rows written after ``mark``."""
    from govhub.models import AuditEvent

    with Session(get_engine()) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.id > mark, AuditEvent.action == "access.refused")).all()
        return [{"actor": r.actor_id, "object_type": r.object_type, "object_id": r.object_id,
                 "detail": json.loads(r.detail or "{}")} for r in rows]


def var_names(cls: type[rx.State]) -> list[str]:
    """Every var ``cls`` itself holds: public, backend-only and computed."""
    own = [n for n, f in cls.__fields__.items() if f._owner is cls and not n.startswith(("rx_", "router"))]
    return [*own, *cls.computed_vars]


def state_text(root: rx.State) -> dict[str, dict[str, str]]:
    """The whole GovHub state tree as text, var by var (backend-only and computed vars included)."""
    out = {}
    for cls in app_states():
        state = substate(root, cls)
        out[cls.__name__] = {name: repr(getattr(state, name)) for name in var_names(cls)}
    return out


def state_diff(before: dict, after: dict, ignore: set[str] = frozenset()) -> list[str]:
    """``state.var`` of every var that differs, but those in ``ignore`` (given as ``StateName.var``)."""
    changed = []
    for cls, values in after.items():
        changed += [f"{cls}.{n}" for n, v in values.items()
                    if before.get(cls, {}).get(n) != v and f"{cls}.{n}" not in ignore]
    return sorted(changed)


@dataclass(frozen=True)
class Targets:
    """Phường Sài Gòn's objects (one per table) an outsider aims at, and the outsider's session."""

    ward: int
    official: int
    chair_position: int
    ids: dict[str, int]
    outsider_id: int
    outsider: str
    outsider_token: str
    outsider_ward: int
    codes: dict[str, str]

    def __getattr__(self, name: str) -> int:
        try:
            return self.ids[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def _canary(kind: str) -> str:
    return f"{CANARY}-{kind}"


def _inside(session: Session, unit_id: int) -> set[int]:
    found, frontier = {unit_id}, {unit_id}
    while frontier:
        frontier = set(session.exec(select(Unit.id).where(Unit.parent_id.in_(frontier))).all()) - found
        found |= frontier
    return found


def plant_targets() -> Targets:
    """Mark (and where the demo has none, add) one object of Phường Sài Gòn per table, each with a canary text,
    and sign in the outsider: the unit administrator of another ward (the strongest outsider there is)."""
    with Session(get_engine()) as session:
        victim = session.exec(select(Official).where(Official.username == "cv.saigon")).one()
        ward = session.get(Unit, victim.unit_id)
        while ward.kind != "ward":
            ward = session.get(Unit, ward.parent_id)
        inside = _inside(session, ward.id)
        chair = session.exec(select(Official).where(Official.unit_id == ward.id).order_by(Official.id)).first()
        city = session.exec(select(Unit).where(Unit.parent_id.is_(None))).one()

        task = session.exec(select(Task).where(Task.lead_unit_id.in_(inside), Task.directive_id.is_(None),
                                               Task.parent_id.is_(None)).order_by(Task.id)).first()
        task.title = _canary("task")
        conversation = session.exec(select(Conversation).where(Conversation.task_id == task.id)).one()
        conversation.title = _canary("conversation")
        directive = Directive(source="ward", number=_canary("directive-number"), summary=_canary("directive"),
                              created_by_id=chair.id, unit_id=ward.id)
        session.add(directive)
        session.flush()
        task.directive_id = directive.id

        # B1's case: a document of the ward addressed only to the city, issued, with its file.
        document = session.exec(select(Document).where(Document.issuing_unit_id == ward.id,
                                                       Document.state == "issued").order_by(Document.id)).first()
        document.summary = _canary("document")
        for row in session.exec(select(DocRecipient).where(DocRecipient.document_id == document.id)).all():
            session.delete(row)
        session.add(DocRecipient(document_id=document.id, unit_id=city.id))
        doc_file = session.exec(select(DocFile).where(DocFile.document_id == document.id)).first()
        doc_file.name = _canary("file") + ".pdf"

        message = Message(conversation_id=conversation.id, author_id=victim.id, kind="instruction",
                          body=_canary("message"), body_folded=_canary("message").lower())
        session.add(message)
        session.flush()
        stored = storage.attachment_store().put(b"%PDF-1.4 " + _canary("attachment-bytes").encode(),
                                                f"{secrets.token_hex(16)}.pdf")
        attachment = MessageAttachment(message_id=message.id, stored_name=stored,
                                       original_name=_canary("attachment") + ".pdf", content_type="application/pdf",
                                       size=30)
        notification = session.exec(select(Notification).where(Notification.recipient_id == victim.id)
                                    .order_by(Notification.id)).first()
        notification.params = json.dumps({"title": _canary("notification"), "actor": "x"})
        reminder = PersonalReminder(official_id=victim.id, task_id=task.id, note=_canary("reminder"),
                                    remind_at=clock.now() + timedelta(days=30))
        extension = ExtensionRequest(task_id=task.id, requested_by_id=victim.id, decider_id=task.assigner_id,
                                     old_deadline=task.deadline, proposed_deadline=task.deadline,
                                     reason=_canary("extension"), status="pending")
        route = session.exec(select(DocRoute).where(DocRoute.unit_id == ward.id).order_by(DocRoute.id)).first()
        route.name = _canary("route")
        step = session.exec(select(DocRouteStep).where(DocRouteStep.route_id == route.id)).first()
        session.add_all([attachment, reminder, extension])
        session.flush()

        # The outsider: the unit administrator of the first other ward.
        wards = session.exec(select(Unit).where(Unit.kind == "ward", Unit.id != ward.id).order_by(Unit.id)).all()
        outsider = None
        for other in wards:
            outsider = session.exec(select(Official).where(Official.unit_id.in_(_inside(session, other.id)),
                                                           Official.roles.contains("unit_admin"))
                                    .order_by(Official.id)).first()
            if outsider is not None:
                break
        assert outsider is not None
        token = do_start_session(session, outsider, client_ip="127.0.0.9")
        ids = {"task": task.id, "directive": directive.id, "document": document.id, "doc_file": doc_file.id,
               "conversation": conversation.id, "message": message.id, "attachment": attachment.id,
               "notification": notification.id, "reminder": reminder.id, "extension": extension.id,
               "route": route.id, "route_step": step.id, "official": victim.id, "unit": ward.id,
               "division": victim.unit_id, "position": chair.position_id}
        targets = Targets(ward=ward.id, official=victim.id, chair_position=chair.position_id, ids=ids,
                          outsider_id=outsider.id, outsider=outsider.username, outsider_token=token,
                          outsider_ward=other.id,
                          codes={"ward": ward.code, "division": session.get(Unit, victim.unit_id).code,
                                 "chair": session.get(Position, chair.position_id).code,
                                 "victim_position": session.get(Position, victim.position_id).code})
        session.commit()
        return targets
