"""Documents (văn bản): drafts routed through review and signature steps, their files, signatures, recipients,
the route templates (data edited by administrators) and the numbering registers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from govhub.models.base import UTCDateTime, ts_field

# Decree 30/2020, Appendix III: the type and its abbreviation in the symbol ("" for a công văn, whose symbol
# is the issuing body's abbreviation and the drafting unit's).
DOC_TYPES: dict[str, str] = {
    "cong_van": "",
    "quyet_dinh": "QĐ",
    "chi_thi": "CT",
    "to_trinh": "TTr",
    "ke_hoach": "KH",
    "bao_cao": "BC",
    "thong_bao": "TB",
    "huong_dan": "HD",
    "chuong_trinh": "CTr",
    "quy_che": "QC",
    "quy_dinh": "QyĐ",
    "phuong_an": "PA",
    "de_an": "ĐA",
    "bien_ban": "BB",
    "giay_moi": "GM",
    "cong_dien": "CĐ",
    "giay_uy_quyen": "GUQ",
}
DOC_STATES = ("draft", "in_route", "returned", "issued")
STEP_KINDS = ("review", "sign")
ASSIGNEE_KINDS = ("unit_head", "position", "official")
# waiting: a later stage; pending: its turn; done: approved or signed; skipped: another holder of the same slot
# acted; returned: sent back to the author here; void: the round ended before its turn.
STEP_STATES = ("waiting", "pending", "done", "skipped", "returned", "void")


class DocRoute(SQLModel, table=True):
    """A route template: who reviews and who signs, in stages. ``unit_id`` None = usable by every unit."""

    __tablename__ = "doc_route"
    __table_args__ = (Index("ix_doc_route_unit_id_doc_type", "unit_id", "doc_type"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    doc_type: str = Field(default="", max_length=32)  # "" = any type
    is_default: bool = False
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="official.id")
    updated_at: datetime = ts_field()
    version: int = 1


class DocRouteStep(SQLModel, table=True):
    """One step of a template: steps sharing a stage run in parallel; the last stage signs."""

    __tablename__ = "doc_route_step"
    __table_args__ = (Index("ix_doc_route_step_route_id_stage", "route_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(foreign_key="doc_route.id")
    stage: int = 1
    kind: str = Field(default="review", max_length=16)
    assignee_kind: str = Field(default="position", max_length=16)
    position_id: int | None = Field(default=None, foreign_key="position.id")
    official_id: int | None = Field(default=None, foreign_key="official.id")


class Document(SQLModel, table=True):
    """A document from draft to issue; number and symbol come from the issuing unit's register."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_author_id_state", "author_id", "state"),
        Index("ix_document_issuing_unit_id_state", "issuing_unit_id", "state"),
        Index("ix_document_drafting_unit_id_state", "drafting_unit_id", "state"),
        UniqueConstraint("issuing_unit_id", "year", "series", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    doc_type: str = Field(max_length=32)
    summary: str = Field(max_length=1000)
    summary_folded: str = Field(default="", max_length=1000)
    drafting_unit_id: int = Field(foreign_key="unit.id")
    issuing_unit_id: int = Field(foreign_key="unit.id")
    author_id: int = Field(foreign_key="official.id")
    route_id: int | None = Field(default=None, foreign_key="doc_route.id")
    state: str = Field(default="draft", max_length=16)
    round: int = 0
    stage: int = 0
    priority: str = Field(default="normal", max_length=16)
    deadline: date | None = None
    year: int | None = None
    series: str = Field(default="", max_length=32)
    number: int | None = None
    symbol: str = Field(default="", max_length=64)
    symbol_folded: str = Field(default="", max_length=64, index=True)
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    issued_on: date | None = None
    directive_id: int | None = Field(default=None, foreign_key="directive.id")
    created_at: datetime = ts_field()
    updated_at: datetime = ts_field()
    version: int = 1


class DocStep(SQLModel, table=True):
    """A step of a document's route for one official (a position held by two is two rows of one slot;
    the first to act completes the slot)."""

    __tablename__ = "doc_step"
    __table_args__ = (
        Index("ix_doc_step_assignee_id_state_kind", "assignee_id", "state", "kind"),
        Index("ix_doc_step_document_id_round_stage", "document_id", "round", "stage"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    round: int = 1
    stage: int = 1
    slot: int = 1
    kind: str = Field(max_length=16)
    assignee_id: int = Field(foreign_key="official.id")
    state: str = Field(default="waiting", max_length=16)
    comment: str = Field(default="", max_length=5000)
    acted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DocFile(SQLModel, table=True):
    """One version of one file of a document; slot 1 is the main file. Stored under a generated key."""

    __tablename__ = "doc_file"
    __table_args__ = (UniqueConstraint("document_id", "slot", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    slot: int = 1
    version: int = 1
    name: str = Field(max_length=200)
    mime: str = Field(max_length=100)
    size: int = 0
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200)
    uploaded_by_id: int = Field(foreign_key="official.id")
    uploaded_at: datetime = ts_field()


class DocSignature(SQLModel, table=True):
    """Who signed which file version, when, its SHA-256, and the signer's seal over them."""

    __tablename__ = "doc_signature"
    __table_args__ = (Index("ix_doc_signature_document_id", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    step_id: int = Field(foreign_key="doc_step.id")
    file_id: int = Field(foreign_key="doc_file.id")
    signer_id: int = Field(foreign_key="official.id")
    signed_at: datetime = ts_field()
    sha256: str = Field(max_length=64)
    method: str = Field(max_length=32)
    seal: str = Field(default="", max_length=4000)


class DocRecipient(SQLModel, table=True):
    """A unit the issued document is sent to (nơi nhận)."""

    __tablename__ = "doc_recipient"

    document_id: int = Field(foreign_key="document.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class DocRegister(SQLModel, table=True):
    """A unit's numbering register for one series in one year: the last number given."""

    __tablename__ = "doc_register"
    __table_args__ = (UniqueConstraint("unit_id", "year", "series"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year: int
    series: str = Field(max_length=32)
    last_number: int = 0
