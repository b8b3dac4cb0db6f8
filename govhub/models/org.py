"""The org chart: units, positions, officials and their concurrent posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from govhub.models.base import ts_field

UNIT_KINDS = (
    "city", "office", "department", "inspectorate", "ward", "commune", "special_zone", "division",
)
ROLES = ("admin", "unit_admin", "leader", "unit_head", "staff")


class Unit(SQLModel, table=True):
    """One node of the org tree: the city, a department, a ward, or a division inside one."""

    __tablename__ = "unit"
    __table_args__ = (Index("ix_unit_parent_id_sort_order", "parent_id", "sort_order"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=16, index=True)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    abbrev: str = Field(default="", max_length=32)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    sort_order: int = 0
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    active: bool = True
    search_text: str = Field(default="", max_length=600)
    version: int = 1


class Position(SQLModel, table=True):
    """A title with its rank (1 = highest); heads and deputies lead their unit."""

    __tablename__ = "position"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    title: str = Field(max_length=120)
    title_en: str = Field(default="", max_length=120)
    rank: int = 50
    is_head: bool = False
    is_deputy: bool = False


class Official(SQLModel, table=True):
    """One account per person, with a primary post (unit and position)."""

    __tablename__ = "official"
    __table_args__ = (
        Index("ix_official_unit_id_active", "unit_id", "active"),
        Index("ix_official_name_folded", "name_folded"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=120)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    unit_id: int = Field(foreign_key="unit.id")
    position_id: int = Field(foreign_key="position.id")
    roles: str = Field(default="staff", max_length=120)
    password_hash: str | None = Field(default=None, max_length=200)
    active: bool = True
    locale: str = Field(default="", max_length=8)
    name_folded: str = Field(default="", max_length=120)
    search_text: str = Field(default="", max_length=800)
    version: int = 1
    created_at: datetime = ts_field()
    updated_at: datetime = ts_field()

    def role_set(self) -> frozenset[str]:
        """The official's roles as a set."""
        return frozenset(self.roles.split())


class OfficialPost(SQLModel, table=True):
    """A concurrent post: an official also holds a position in another unit."""

    __tablename__ = "official_post"
    __table_args__ = (Index("ix_official_post_unit_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    official_id: int = Field(foreign_key="official.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    position_id: int = Field(foreign_key="position.id")
