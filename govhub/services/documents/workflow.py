"""Documents: drafting, files and versions, the route through review and signature, issuing with a number from
the register, and who may see what. Every ``do_*`` checks who asks, validates, writes in one transaction (the
document's version is bumped, so a stale page is refused), audits and notifies."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, false, func, insert, or_, update
from sqlmodel import Session, select

from govhub import clock
from govhub.models import (
    AuditEvent,
    Directive,
    DocFile,
    DocRecipient,
    DocRoute,
    DocSignature,
    DocStep,
    Document,
    Official,
    Unit,
)
from govhub.models.documents import DOC_TYPES
from govhub.models.task import PRIORITIES
from govhub.routes import document_url
from govhub.services.core import audit, storage
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.notifications import notify
from govhub.services.core.text import fold, like_escape, search_words
from govhub.services.core.versioning import claim_version
from govhub.services.documents import route_templates as doc_routes
from govhub.services.documents.registers import drafting_code, format_symbol, next_number, series_for
from govhub.services.documents.signing import DEFAULT_METHOD, SignRequest, get_signer
from govhub.services.org.structure import member_units, units_below
from govhub.services.tasks.access import head_ids, is_leader

MAX_SUMMARY = 1000
MAX_COMMENT = 5000
MAX_RECIPIENTS = 300
MAX_FILES = 30
PAGE_SIZE = 20
BOXES = ("mine", "progress", "issued", "received")
OPEN_DOC_STATES = ("draft", "in_route", "returned")


def issuing_unit_for(session: Session, unit_id: int) -> Unit:
    """The unit that issues what ``unit_id`` drafts: itself, or for a division the unit it belongs to."""
    unit = session.get(Unit, unit_id)
    while unit is not None and unit.kind == "division" and unit.parent_id is not None:
        unit = session.get(Unit, unit.parent_id)
    if unit is None:
        raise NotFound()
    return unit


# --------------------------------------------------------------------------------------------------------------
# Who may see a document
# --------------------------------------------------------------------------------------------------------------


def visible_clause(session: Session, actor: Official):  # noqa: ANN201 (a SQL condition on Document)
    """Which documents ``actor`` may see, as one SQL condition: the rule, stated once. ``can_see_document`` and
    every list apply it, so a page, a file download and a list never disagree.

    An active official sees a document when they
    - wrote it, or hold (or held) a step of its route, in any round;
    - lead (role leader or unit head) the unit that drafted or issues it, or a unit above that one: a ward's
      chairman sees what its divisions draft, the city's Standing Committee what any department or ward drafts;
    - once it is issued, are a member of the issuing unit or of a unit it was sent to. A member of a unit is an
      official of that unit or of one of its divisions (``org.member_units``): the staff of Sở Tài chính's
      divisions read what is sent to Sở Tài chính, but nobody is a member of the city by being in a ward or a
      department, so what the city issues or receives is not theirs unless it is sent to their own unit.
    Nobody else: not other units' officials, not leaders of units beside or below the document's."""
    if not actor.active:
        return false()
    members = member_units(session, actor.unit_id)
    conds = [
        Document.author_id == actor.id,
        exists().where(DocStep.document_id == Document.id, DocStep.assignee_id == actor.id),
        and_(Document.state == "issued", or_(
            Document.issuing_unit_id.in_(members),
            exists().where(DocRecipient.document_id == Document.id, DocRecipient.unit_id.in_(members)))),
    ]
    if is_leader(actor):
        below = units_below(actor.unit_id)
        conds.append(or_(Document.drafting_unit_id.in_(below), Document.issuing_unit_id.in_(below)))
    return or_(*conds)


def can_see_document(session: Session, actor: Official, doc: Document) -> bool:
    """Whether ``actor`` may see ``doc`` (the rule is ``visible_clause``)."""
    return session.exec(select(Document.id).where(Document.id == doc.id, visible_clause(session, actor))
                        ).first() is not None


def access_document(session: Session, actor: Official, doc_id: int) -> Document:
    """The document if ``actor`` may see it; otherwise NotFound, the same as for one that does not exist."""
    doc = session.get(Document, int(doc_id))
    if doc is None or not can_see_document(session, actor, doc):
        raise NotFound()
    return doc


def access_file(session: Session, actor: Official, file_id: int) -> DocFile:
    """A file of a document the actor may see, or NotFound."""
    row = session.get(DocFile, int(file_id))
    if row is None:
        raise NotFound()
    access_document(session, actor, row.document_id)
    return row


def read_file(session: Session, actor: Official, file_id: int) -> tuple[DocFile, bytes]:
    """A file's row and bytes, for the download route (access checked here, never by the route)."""
    row = access_file(session, actor, file_id)
    try:
        return row, storage.get_store().get(row.storage_key)
    except FileNotFoundError as exc:
        raise NotFound() from exc


# --------------------------------------------------------------------------------------------------------------
# Changing documents
# --------------------------------------------------------------------------------------------------------------


def _record(session: Session, actor: Official, action: str, doc: Document, **detail: object) -> None:
    audit.record(session, f"document.{action}", actor_id=actor.id, object_type="document", object_id=doc.id,
                 detail={"version": doc.version, **detail}).at = clock.now()


def _text(value: object, limit: int, *, required: bool = False, key: str = "doc.error.comment") -> str:
    text = str(value or "").strip()
    if len(text) > limit or (required and not text):
        raise Invalid(key)
    return text


@dataclass
class DraftSpec:
    """What the author fills in for a new document."""

    doc_type: str
    summary: str
    recipients: list[int] = field(default_factory=list)
    route_id: int | None = None
    priority: str = "normal"
    deadline: date | None = None


def _pick_route(session: Session, doc_type: str, issuing_unit_id: int, route_id: int | None) -> DocRoute:
    routes = doc_routes.available_routes(session, doc_type, issuing_unit_id)
    if route_id:
        chosen = next((r for r in routes if r.id == int(route_id)), None)
        if chosen is None:
            raise Invalid("doc.error.route")
        return chosen
    if not routes:
        raise Invalid("doc.error.no_route")
    return routes[0]


def _set_recipients(session: Session, doc: Document, unit_ids: list[int]) -> None:
    ids = sorted({int(u) for u in unit_ids})
    if len(ids) > MAX_RECIPIENTS:
        raise Invalid("doc.error.recipients")
    if ids:
        found = session.exec(select(Unit.id).where(Unit.id.in_(ids), Unit.active.is_(True))).all()
        if len(found) != len(ids):
            raise Invalid("doc.error.recipients")
        session.execute(insert(DocRecipient), [{"document_id": doc.id, "unit_id": u} for u in ids])


def do_create(session: Session, actor: Official, spec: DraftSpec) -> Document:
    """A new draft by ``actor`` for their unit, on the chosen (or the default) route."""
    if not actor.active:
        raise NotFound()
    if spec.doc_type not in DOC_TYPES:
        raise Invalid("doc.error.type")
    summary = " ".join(str(spec.summary or "").split())
    if not summary or len(summary) > MAX_SUMMARY:
        raise Invalid("doc.error.summary")
    if spec.priority not in PRIORITIES:
        raise Invalid("task.error.priority")
    if spec.deadline is not None and spec.deadline < clock.today():
        raise Invalid("task.error.deadline_past")
    issuing = issuing_unit_for(session, actor.unit_id)
    route = _pick_route(session, spec.doc_type, issuing.id, spec.route_id)
    now = clock.now()
    doc = Document(doc_type=spec.doc_type, summary=summary, summary_folded=fold(summary),
                   drafting_unit_id=actor.unit_id, issuing_unit_id=issuing.id, author_id=actor.id, route_id=route.id,
                   priority=spec.priority, deadline=spec.deadline, created_at=now, updated_at=now)
    session.add(doc)
    session.flush()
    _set_recipients(session, doc, spec.recipients)
    _record(session, actor, "created", doc, route=route.id, doc_type=doc.doc_type)
    return doc


def _author(session: Session, actor: Official, doc_id: int, version: int) -> Document:
    doc = access_document(session, actor, doc_id)
    if doc.author_id != actor.id:
        raise Invalid("doc.error.not_author")
    if doc.state not in ("draft", "returned"):
        raise Invalid("doc.error.state")
    claim_version(session, doc, version)
    return doc


def do_choose_route(session: Session, actor: Official, doc_id: int, version: int, route_id: int) -> Document:
    """The author picks another allowed route before submitting."""
    doc = _author(session, actor, doc_id, version)
    route = _pick_route(session, doc.doc_type, doc.issuing_unit_id, int(route_id))
    doc.route_id = route.id
    _record(session, actor, "route_chosen", doc, route=route.id)
    return doc


def do_add_file(session: Session, actor: Official, doc_id: int, version: int, name: str, data: bytes, *,
                main: bool = True) -> DocFile:
    """Upload the main file (a new version of it when there is one) or an attachment. Checked before
    anything is stored; stored under a generated name."""
    checked = storage.check_upload(name, data)
    doc = _author(session, actor, doc_id, version)
    files = session.exec(select(DocFile.slot, DocFile.version).where(DocFile.document_id == doc.id)).all()
    if len(files) >= MAX_FILES:
        raise Invalid("doc.error.too_many_files")
    if main:
        slot, number = 1, max([v for s, v in files if s == 1], default=0) + 1
    else:
        slot, number = max([s for s, _ in files], default=1) + 1, 1
    row = DocFile(document_id=doc.id, slot=slot, version=number, name=checked.name, mime=checked.mime,
                  size=len(checked.data), sha256=checked.sha256, uploaded_by_id=actor.id, uploaded_at=clock.now(),
                  storage_key=storage.store_in_transaction(session, checked.data))
    session.add(row)
    session.flush()
    _record(session, actor, "file_added", doc, file=row.id, name=row.name, slot=slot, file_version=number,
            sha256=row.sha256)
    return row


def main_file(session: Session, doc_id: int) -> DocFile | None:
    """The latest version of the main file."""
    return session.exec(select(DocFile).where(DocFile.document_id == doc_id, DocFile.slot == 1)
                        .order_by(DocFile.version.desc())).first()


def _last_return(session: Session, doc: Document) -> DocStep | None:
    return session.exec(select(DocStep).where(DocStep.document_id == doc.id, DocStep.state == "returned")
                        .order_by(DocStep.acted_at.desc())).first()


def do_submit(session: Session, actor: Official, doc_id: int, version: int) -> Document:
    """Send the draft on its route (after a return: a new round from the first stage, with a new version of
    the main file)."""
    doc = _author(session, actor, doc_id, version)
    current = main_file(session, doc.id)
    if current is None:
        raise Invalid("doc.error.no_file")
    if doc.state == "returned":
        returned = _last_return(session, doc)
        if returned is not None and returned.acted_at is not None and current.uploaded_at <= returned.acted_at:
            raise Invalid("doc.error.revise_first")
    route = session.get(DocRoute, doc.route_id) if doc.route_id else None
    if route is None:
        raise Invalid("doc.error.no_route")
    steps = doc_routes.resolve(session, route, doc.issuing_unit_id)
    doc.round += 1
    doc.state, doc.stage = "in_route", 1
    rows = [{"document_id": doc.id, "round": doc.round, "stage": s.stage, "slot": s.slot, "kind": s.kind,
             "assignee_id": o, "state": "pending" if s.stage == 1 else "waiting", "comment": ""}
            for s in steps for o in s.officials]
    session.execute(insert(DocStep), rows)
    _record(session, actor, "submitted", doc, round=doc.round, route=route.id, file=current.id)
    _notify_stage(session, actor, doc, [s for s in steps if s.stage == 1])
    return doc


def _notify_stage(session: Session, actor: Official, doc: Document, steps: list) -> None:
    for kind in ("review", "sign"):
        who = {o for s in steps if s.kind == kind for o in s.officials}
        notify(session, who, f"doc_{kind}", actor=actor, link=document_url(doc.id), title=doc.summary[:200])


def _my_pending(session: Session, actor: Official, doc: Document, kinds: tuple[str, ...]) -> DocStep:
    step = session.exec(select(DocStep).where(
        DocStep.document_id == doc.id, DocStep.round == doc.round, DocStep.stage == doc.stage,
        DocStep.assignee_id == actor.id, DocStep.state == "pending", DocStep.kind.in_(kinds))).first()
    if doc.state != "in_route" or step is None:
        raise Invalid("doc.error.not_your_turn")
    return step


def _complete(session: Session, actor: Official, doc: Document, step: DocStep, comment: str) -> None:
    """Mark the actor's step done, the other holders of its slot skipped, and move on when the stage is done."""
    now = clock.now()
    step.state, step.comment, step.acted_at = "done", comment, now
    session.add(step)
    session.execute(update(DocStep).where(DocStep.document_id == doc.id, DocStep.round == doc.round,
                                          DocStep.slot == step.slot, DocStep.id != step.id,
                                          DocStep.state == "pending")
                    .values(state="skipped", acted_at=now).execution_options(synchronize_session=False))
    session.flush()
    left = session.exec(select(func.count()).select_from(DocStep).where(
        DocStep.document_id == doc.id, DocStep.round == doc.round, DocStep.stage == doc.stage,
        DocStep.state == "pending")).one()
    if left:
        return
    nxt = session.exec(select(DocStep).where(DocStep.document_id == doc.id, DocStep.round == doc.round,
                                             DocStep.stage == doc.stage + 1)).all()
    if not nxt:
        _issue(session, actor, doc)
        return
    doc.stage += 1
    session.execute(update(DocStep).where(DocStep.id.in_([s.id for s in nxt])).values(state="pending")
                    .execution_options(synchronize_session=False))
    for kind in ("review", "sign"):
        notify(session, {s.assignee_id for s in nxt if s.kind == kind}, f"doc_{kind}", actor=actor,
               link=document_url(doc.id), title=doc.summary[:200])


def do_approve(session: Session, actor: Official, doc_id: int, version: int, comment: str = "") -> Document:
    """A reviewer approves and the document goes on (when every parallel reviewer of the stage has)."""
    comment = _text(comment, MAX_COMMENT)
    doc = access_document(session, actor, doc_id)
    step = _my_pending(session, actor, doc, ("review",))
    claim_version(session, doc, version)
    _record(session, actor, "approved", doc, step=step.id, stage=doc.stage, text=comment[:1000])
    _complete(session, actor, doc, step, comment)
    return doc


def do_return(session: Session, actor: Official, doc_id: int, version: int, comment: str) -> Document:
    """A reviewer or the signer sends the draft back to its author with comments; the round ends."""
    comment = _text(comment, MAX_COMMENT, required=True)
    doc = access_document(session, actor, doc_id)
    step = _my_pending(session, actor, doc, ("review", "sign"))
    claim_version(session, doc, version)
    now = clock.now()
    step.state, step.comment, step.acted_at = "returned", comment, now
    session.add(step)
    session.execute(update(DocStep).where(DocStep.document_id == doc.id, DocStep.round == doc.round,
                                          DocStep.id != step.id, DocStep.state.in_(("pending", "waiting")))
                    .values(state="void").execution_options(synchronize_session=False))
    doc.state, doc.stage = "returned", 0
    _record(session, actor, "returned", doc, step=step.id, text=comment[:1000])
    notify(session, [doc.author_id], "doc_returned", actor=actor, link=document_url(doc.id), title=doc.summary[:200])
    return doc


def do_sign(session: Session, actor: Official, doc_id: int, version: int, comment: str = "") -> DocSignature:
    """The signer signs the current main file (who, when, its SHA-256, the signer's seal); the last signature
    issues the document."""
    comment = _text(comment, MAX_COMMENT)
    doc = access_document(session, actor, doc_id)
    step = _my_pending(session, actor, doc, ("sign",))
    current = main_file(session, doc.id)
    if current is None:
        raise Invalid("doc.error.no_file")
    claim_version(session, doc, version)
    now = clock.now()
    signer = get_signer(DEFAULT_METHOD)
    request = SignRequest(document_id=doc.id, file_id=current.id, sha256=current.sha256, signer_id=actor.id,
                          signed_at=now)
    signature = DocSignature(document_id=doc.id, step_id=step.id, file_id=current.id, signer_id=actor.id,
                             signed_at=now, sha256=current.sha256, method=signer.method, seal=signer.seal(request))
    session.add(signature)
    _record(session, actor, "signed", doc, step=step.id, file=current.id, sha256=current.sha256,
            method=signer.method, text=comment[:1000])
    _complete(session, actor, doc, step, comment)
    return signature


def verify_signature(session: Session, signature: DocSignature) -> bool:
    """Whether a signature row's seal still matches what it claims (file hash, signer, time)."""
    request = SignRequest(document_id=signature.document_id, file_id=signature.file_id, sha256=signature.sha256,
                          signer_id=signature.signer_id, signed_at=signature.signed_at)
    return get_signer(signature.method).verify(request, signature.seal)


def _issue(session: Session, actor: Official, doc: Document) -> None:
    """Give the document its number and symbol from the issuing unit's register, and tell the recipients."""
    issuing = session.get(Unit, doc.issuing_unit_id)
    drafting = session.get(Unit, doc.drafting_unit_id)
    today = clock.today()
    series = series_for(doc.doc_type)
    number = next_number(session, issuing.id, today.year, series)
    code = drafting_code(drafting) if drafting is not None and drafting.kind == "division" else ""
    doc.year, doc.series, doc.number = today.year, series, number
    doc.symbol = format_symbol(number, doc.doc_type, issuing.abbrev or "UBND", code)
    doc.symbol_folded = fold(doc.symbol)
    doc.state, doc.stage, doc.issued_at, doc.issued_on = "issued", 0, clock.now(), today
    session.add(doc)
    session.flush()
    _record(session, actor, "issued", doc, number=number, symbol=doc.symbol)
    recipients = session.exec(select(DocRecipient.unit_id).where(DocRecipient.document_id == doc.id)).all()
    notify(session, head_ids(session, recipients).values(), "doc_received", actor=actor, link=document_url(doc.id),
           title=doc.summary[:200], symbol=doc.symbol)
    notify(session, [doc.author_id], "doc_issued", actor=actor, link=document_url(doc.id), title=doc.summary[:200],
           symbol=doc.symbol)


def do_make_directive(session: Session, actor: Official, doc_id: int) -> Directive:
    """Turn an issued document into the directive of new tasks (once; later calls return the same one)."""
    doc = access_document(session, actor, doc_id)
    if doc.state != "issued" or not is_leader(actor):
        raise Invalid("doc.error.state")
    if doc.directive_id:
        found = session.get(Directive, doc.directive_id)
        if found is not None:
            return found
    claim_version(session, doc, doc.version)
    row = Directive(source="unit", number=doc.symbol, issued_on=doc.issued_on, summary=doc.summary[:1000],
                    created_by_id=actor.id, unit_id=doc.issuing_unit_id, created_at=clock.now())
    session.add(row)
    session.flush()
    doc.directive_id = row.id
    _record(session, actor, "directive_made", doc, directive=row.id)
    return row


# --------------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------------


@dataclass
class DocRow:
    """A document in a list."""

    id: int
    doc_type: str
    symbol: str
    summary: str
    state: str
    unit_name: str
    author: str
    when: str


@dataclass
class DocPage:
    """A page of a document list."""

    rows: list[DocRow]
    total: int
    page: int
    pages: int


def _box_filter(session: Session, actor: Official, box: str):  # noqa: ANN202
    on_route = exists().where(DocStep.document_id == Document.id, DocStep.assignee_id == actor.id)
    members = member_units(session, actor.unit_id)
    if box == "mine":
        return Document.author_id == actor.id
    if box == "progress":
        mine = [Document.author_id == actor.id, on_route]
        if is_leader(actor):
            mine += [Document.drafting_unit_id == actor.unit_id, Document.issuing_unit_id == actor.unit_id]
        return and_(Document.state.in_(("in_route", "returned")), or_(*mine))
    if box == "issued":
        return and_(Document.state == "issued", Document.issuing_unit_id.in_(members))
    if box == "received":
        return and_(Document.state == "issued", exists().where(DocRecipient.document_id == Document.id,
                                                               DocRecipient.unit_id.in_(members)))
    raise ValueError("unknown box")


def _number_query(query: str) -> str:
    """A search for a number ("5", "05/QĐ-UBND") as the folded start of a symbol, else ''."""
    text = fold(str(query or "")).replace(" ", "")
    match = re.fullmatch(r"(\d{1,6})(/[\w.\-]*)?", text)
    if not match:
        return ""
    return f"{int(match.group(1)):02d}/" + (match.group(2) or "/")[1:]


def list_documents(session: Session, actor: Official, box: str = "mine", query: str = "", doc_type: str = "",
                   page: int = 1, page_size: int = PAGE_SIZE) -> DocPage:
    """One of the lists (mine, in progress, issued by my unit, received by my unit), searchable by number and
    symbol, summary and type, newest first. Every list is cut to what ``visible_clause`` lets the official see."""
    if box not in BOXES:
        raise ValueError("unknown box")
    if doc_type and doc_type not in DOC_TYPES:
        raise ValueError("unknown type")
    page = max(1, min(int(page), 10_000))
    conds = [_box_filter(session, actor, box), visible_clause(session, actor)]
    if doc_type:
        conds.append(Document.doc_type == doc_type)
    number = _number_query(query)
    if number:  # "123/QĐ-UBND": the start of the number and symbol; "123" also in the summary
        by_symbol = Document.symbol_folded.like(f"{like_escape(number)}%", escape="\\")
        digits = number.split("/", 1)[0].lstrip("0")
        conds.append(by_symbol if "/" in str(query) else or_(
            by_symbol, Document.summary_folded.like(f"%{like_escape(digits)}%", escape="\\")))
    else:
        for word in search_words(query):
            pattern = f"%{like_escape(word)}%"
            conds.append(or_(Document.summary_folded.like(pattern, escape="\\"),
                             Document.symbol_folded.like(pattern, escape="\\")))
    where = and_(*conds)
    total = session.exec(select(func.count()).select_from(Document).where(where)).one()
    rows = session.exec(select(Document, Unit.name, Official.full_name)
                        .join(Unit, Unit.id == Document.issuing_unit_id)
                        .join(Official, Official.id == Document.author_id)
                        .where(where).order_by(Document.updated_at.desc(), Document.id.desc())
                        .offset((page - 1) * page_size).limit(page_size)).all()
    out = [DocRow(id=d.id, doc_type=d.doc_type, symbol=d.symbol, summary=d.summary, state=d.state, unit_name=u,
                  author=a, when=clock.local_date(d.issued_at or d.updated_at).strftime("%d/%m/%Y"))
           for d, u, a in rows]
    return DocPage(rows=out, total=total, page=page, pages=(total + page_size - 1) // page_size)


@dataclass
class FileRow:
    """A file version on the document page."""

    id: int
    name: str
    version: int
    size: str
    main: bool
    pdf: bool
    latest: bool
    by: str
    at: str
    sha256: str


@dataclass
class StepView:
    """A step of the current (or last) round."""

    stage: int
    kind: str
    who: str
    state: str
    at: str
    comment: str


@dataclass
class HistoryEntry:
    """One audited change."""

    at: str
    actor: str
    action: str
    text: str


@dataclass
class SignatureRow:
    """A signature: who, when, which file hash, how."""

    who: str
    at: str
    sha256: str
    method: str
    valid: bool


@dataclass
class RouteOption:
    """A route the author may choose."""

    value: str
    label: str


@dataclass
class DocDetail:
    """The document page."""

    id: int = 0
    doc_type: str = ""
    summary: str = ""
    state: str = ""
    symbol: str = ""
    issued_on: str = ""
    drafting_unit: str = ""
    issuing_unit: str = ""
    author: str = ""
    route_id: int = 0
    route_name: str = ""
    priority: str = "normal"
    deadline: str = ""
    version: int = 0
    round: int = 0
    stage: int = 0
    recipients: list[str] = field(default_factory=list)
    files: list[FileRow] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    signatures: list[SignatureRow] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    route_options: list[RouteOption] = field(default_factory=list)
    directive_id: int = 0


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _stamp(value) -> str:  # noqa: ANN001
    return value.astimezone(clock.city_zone()).strftime("%d/%m/%Y %H:%M") if value else ""


def actions_for(session: Session, actor: Official, doc: Document) -> list[str]:
    """Only what this official may do now."""
    out: list[str] = []
    if doc.author_id == actor.id and doc.state in ("draft", "returned"):
        out += ["upload", "attach", "submit"]
        if doc.state == "draft":
            out.append("route")
    if doc.state == "in_route":
        kinds = set(session.exec(select(DocStep.kind).where(
            DocStep.document_id == doc.id, DocStep.round == doc.round, DocStep.stage == doc.stage,
            DocStep.assignee_id == actor.id, DocStep.state == "pending")).all())
        if "review" in kinds:
            out.append("approve")
        if "sign" in kinds:
            out.append("sign")
        if kinds:
            out.append("return")
    if doc.state == "issued" and is_leader(actor):
        out.append("directive")
    return out


def document_detail(session: Session, actor: Official, doc_id: int) -> DocDetail:
    """Files, route progress, history, signatures and the actions this official may take."""
    doc = access_document(session, actor, doc_id)
    units = {u.id: u.name for u in session.exec(select(Unit).where(
        Unit.id.in_([doc.drafting_unit_id, doc.issuing_unit_id]))).all()}
    names: dict[int, str] = {}

    def name(official_id: int | None) -> str:
        if official_id is None:
            return ""
        if official_id not in names:
            person = session.get(Official, official_id)
            names[official_id] = person.full_name if person else "?"
        return names[official_id]

    files = session.exec(select(DocFile).where(DocFile.document_id == doc.id)
                         .order_by(DocFile.slot, DocFile.version.desc())).all()
    latest = {}
    for f in files:
        latest.setdefault(f.slot, f.id)
    round_ = doc.round or 0
    steps = session.exec(select(DocStep).where(DocStep.document_id == doc.id, DocStep.round == round_)
                         .order_by(DocStep.stage, DocStep.slot, DocStep.id)).all()
    # one line per slot: the official who acted, or every holder while it is open
    views: list[StepView] = []
    by_slot: dict[int, list[DocStep]] = {}
    for s in steps:
        by_slot.setdefault(s.slot, []).append(s)
    for slot_steps in by_slot.values():
        acted = [s for s in slot_steps if s.state in ("done", "returned")]
        shown = acted or slot_steps
        first = shown[0]
        views.append(StepView(stage=first.stage, kind=first.kind, who=", ".join(name(s.assignee_id) for s in shown),
                              state=first.state, at=_stamp(first.acted_at), comment=first.comment))
    events = session.exec(select(AuditEvent).where(AuditEvent.object_type == "document",
                                                   AuditEvent.object_id == doc.id)
                          .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(200)).all()
    history = []
    for e in events:
        detail = json.loads(e.detail or "{}")
        text = detail.get("text") or detail.get("symbol") or detail.get("name") or ""
        history.append(HistoryEntry(at=_stamp(e.at), actor=name(e.actor_id), action=e.action.split(".", 1)[-1],
                                    text=str(text)))
    signatures = session.exec(select(DocSignature).where(DocSignature.document_id == doc.id)
                              .order_by(DocSignature.signed_at)).all()
    recipients = session.exec(select(Unit.name).join(DocRecipient, DocRecipient.unit_id == Unit.id)
                              .where(DocRecipient.document_id == doc.id).order_by(Unit.sort_order, Unit.name)).all()
    route = session.get(DocRoute, doc.route_id) if doc.route_id else None
    actions = actions_for(session, actor, doc)
    options = []
    if "route" in actions:
        options = [RouteOption(value=str(r.id), label=r.name)
                   for r in doc_routes.available_routes(session, doc.doc_type, doc.issuing_unit_id)]
    return DocDetail(
        id=doc.id, doc_type=doc.doc_type, summary=doc.summary, state=doc.state, symbol=doc.symbol,
        issued_on=doc.issued_on.strftime("%d/%m/%Y") if doc.issued_on else "",
        drafting_unit=units.get(doc.drafting_unit_id, ""), issuing_unit=units.get(doc.issuing_unit_id, ""),
        author=name(doc.author_id), route_id=doc.route_id or 0, route_name=route.name if route else "",
        priority=doc.priority, deadline=doc.deadline.strftime("%d/%m/%Y") if doc.deadline else "",
        version=doc.version, round=doc.round, stage=doc.stage, recipients=list(recipients),
        files=[FileRow(id=f.id, name=f.name, version=f.version, size=_size(f.size), main=f.slot == 1,
                       pdf=f.mime == "application/pdf", latest=latest[f.slot] == f.id, by=name(f.uploaded_by_id),
                       at=_stamp(f.uploaded_at), sha256=f.sha256) for f in files],
        steps=views, history=history,
        signatures=[SignatureRow(who=name(s.signer_id), at=_stamp(s.signed_at), sha256=s.sha256, method=s.method,
                                 valid=verify_signature(session, s)) for s in signatures],
        actions=actions, route_options=options, directive_id=doc.directive_id or 0,
    )


def recipient_options(session: Session, actor: Official) -> list[tuple[int, str]]:
    """Units a document may be sent to: the city's departments and local units, and the author's own
    unit's divisions."""
    issuing = issuing_unit_for(session, actor.unit_id)
    rows = session.exec(select(Unit.id, Unit.name).where(
        Unit.active.is_(True),
        or_(Unit.kind != "division", Unit.parent_id == issuing.id),
    ).order_by(Unit.sort_order, Unit.name).limit(1000)).all()
    return [(i, n) for i, n in rows]
