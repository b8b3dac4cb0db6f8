"""Numbering registers: each issuing unit numbers its documents from 01 every year, per series, and the
number and symbol follow Decree 30/2020 (``123/QĐ-UBND``; a công văn ``123/UBND-VP``).

Two documents issued at the same moment never share a number: the register row is claimed with one atomic
``UPDATE ... SET last_number = last_number + 1 ... RETURNING`` (the row lock serialises concurrent issuers on
PostgreSQL, the database write lock on SQLite), and ``document`` carries a unique constraint on
(issuing unit, year, series, number) as the last line of defence."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from govhub.models import DocRegister, Unit
from govhub.models.documents import DOC_TYPES
from govhub.services.core.text import fold

SMALL_WORDS = {"và", "của", "các", "-", ",", "&"}


def series_for(doc_type: str) -> str:
    """The register series of a document type: each type keeps its own sequence (QĐ, TB, công văn, ...).
    A unit that keeps one series for all administrative documents would map them all to one name here."""
    return doc_type


def next_number(session: Session, unit_id: int, year: int, series: str) -> int:
    """Claim the next number of the register (unit, year, series), creating the register on first use."""
    claim = (update(DocRegister)
             .where(DocRegister.unit_id == unit_id, DocRegister.year == year, DocRegister.series == series)
             .values(last_number=DocRegister.last_number + 1)
             .returning(DocRegister.last_number)
             .execution_options(synchronize_session=False))
    number = session.execute(claim).scalar_one_or_none()
    if number is not None:
        return number
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(DocRegister).values(unit_id=unit_id, year=year, series=series, last_number=0)
                    .on_conflict_do_nothing(index_elements=["unit_id", "year", "series"]))
    return session.execute(claim).scalar_one()


def drafting_code(unit: Unit) -> str:
    """A division's short code for a công văn's symbol, from its name: Văn phòng → VP,
    Phòng Văn hóa - Xã hội → VHXH, Phòng Tổ chức - Pháp chế → TCPC."""
    name = unit.name.strip()
    if fold(name).startswith("van phong"):
        return "VP"
    words = [w for w in re.split(r"[\s,\-–]+", name) if w and w.lower() not in SMALL_WORDS]
    if words and fold(words[0]) == "phong":
        words = words[1:]
    code = "".join(w[0].upper() for w in words if w[0].isalpha())
    return code[:8] or "VP"


def format_symbol(number: int, doc_type: str, issuing_abbrev: str, drafting: str = "") -> str:
    """The number and symbol in the Decree 30 form: ``05/QĐ-UBND``; a công văn ``123/UBND-VP``."""
    abbrev = DOC_TYPES.get(doc_type, "")
    head = f"{number:02d}/"
    if abbrev:
        return f"{head}{abbrev}-{issuing_abbrev}"
    return f"{head}{issuing_abbrev}-{drafting}" if drafting else f"{head}{issuing_abbrev}"
