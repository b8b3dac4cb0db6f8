"""The directory pages: search, the org tree, unit pages, contact cards and edits."""

from __future__ import annotations

import reflex as rx

from govhub.services.core.errors import NotFound
from govhub.services.core.text import fold
from govhub.services.org import directory
from govhub.services.org.directory import OfficialCard, UnitDetail, UnitRow
from govhub.state.base import AppState, guarded
from govhub.state.paging import clamp_page

LOCAL_FILTERS = ("all", "ward", "commune", "special_zone")


def _as_id(value: object) -> int:
    """A positive database id from client input, or ValueError."""
    number = int(str(value))
    if number <= 0 or number > 2**31:
        raise ValueError("id out of range")
    return number


def _path_id(path: str) -> int:
    """The numeric id at the end of the page address."""
    return _as_id(path.rstrip("/").rsplit("/", 1)[-1])


class DirectoryState(AppState):
    """Search and the org tree."""

    query: str = ""
    page: int = 1
    pages: int = 0
    total: int = 0
    results: list[OfficialCard] = []
    city: list[UnitRow] = []
    agencies: list[UnitRow] = []
    local_units: list[UnitRow] = []
    local_filter: str = "all"
    local_query: str = ""
    _all_local: list[UnitRow] = []

    @rx.event
    @guarded
    async def load(self):
        """Load the top of the org tree."""
        groups = await self._call(lambda s, _actor: directory.unit_groups(s))
        self.city, self.agencies, self._all_local = groups["city"], groups["agencies"], groups["local"]
        self._filter_local()

    def _filter_local(self) -> None:
        q = fold(self.local_query)
        self.local_units = [
            u for u in self._all_local
            if (self.local_filter == "all" or u.kind == self.local_filter) and (not q or q in fold(u.name))
        ]

    @rx.event
    @guarded
    async def choose_local_filter(self, value: str):
        """Show all local units, or only wards, communes or the special zone."""
        if value not in LOCAL_FILTERS:
            raise ValueError("unknown filter")
        self.local_filter = value
        self._filter_local()

    @rx.event
    @guarded
    async def filter_local(self, text: str):
        """Narrow the list of wards and communes by name."""
        self.local_query = str(text)[:100]
        self._filter_local()

    @rx.event
    @guarded
    async def search(self, text: str):
        """Search officials by name, position, unit or phone (with or without diacritics)."""
        text = str(text)[:200]
        result = await self._call(lambda s, _a: directory.search(s, text, 1))
        self.query, self.page, self.pages, self.total, self.results = (
            text, result.page, result.pages, result.total, result.rows)

    @rx.event
    @guarded
    async def go_to_page(self, page: int):
        """Another page of the current search."""
        page = clamp_page(page, self.pages)
        query = self.query
        result = await self._call(lambda s, _a: directory.search(s, query, page))
        self.page, self.pages, self.total, self.results = result.page, result.pages, result.total, result.rows


class ContactState(AppState):
    """The contact card dialog and its edit form (unit administrators only)."""

    open: bool = False
    card: OfficialCard = OfficialCard(id=0, full_name="", initials="", position="", unit_id=0, unit_name="",
                                      phone="", email="")
    can_edit: bool = False
    editing: bool = False
    positions: list[list[str]] = []
    email_locked: bool = False

    @rx.event
    @guarded
    async def show(self, official_id: int):
        """Open one official's contact card."""
        oid = _as_id(official_id)
        self.card, self.can_edit = await self._call(lambda s, a: directory.contact_for(s, a, oid))
        self.editing = False
        self.open = True

    @rx.event
    @guarded
    async def change_open(self, value: bool):
        """Close (or keep open) the contact card."""
        self.open = bool(value) and self.card.id > 0
        if not self.open:
            self.editing = False

    @rx.event
    @guarded
    async def start_edit(self):
        """Show the edit form, if the official may edit this entry."""
        oid = self.card.id
        _card, can_edit = await self._call(lambda s, a: directory.contact_for(s, a, oid))
        if not can_edit:
            raise NotFound()
        options = await self._call(lambda s, a: directory.edit_options(s, a, oid))
        self.positions = [[str(i), title] for i, title in options.positions]
        self.email_locked = options.email_locked
        self.editing = True

    @rx.event
    @guarded
    async def cancel_edit(self):
        """Leave the edit form without saving."""
        self.editing = False

    @rx.event
    @guarded
    async def save(self, form: dict):
        """Save an edited entry; a stale version is refused with a clear message."""
        if not isinstance(form, dict):
            raise ValueError("form data expected")
        oid, version = self.card.id, self.card.version
        fields = {
            "full_name": str(form.get("full_name", ""))[:200],
            "phone": str(form.get("phone", ""))[:60],
            "email": str(form.get("email", ""))[:250],
            "position_id": _as_id(form.get("position_id", self.card.position_id)),
        }
        ip = self._client_ip()
        self.card = await self._call(
            lambda s, a: directory.do_update_contact(s, a, oid, version=version, client_ip=ip, **fields))
        self.editing = False
        return self._toast("success", self._t("directory.saved"))


class UnitState(AppState):
    """One unit's page."""

    unit: UnitDetail = UnitDetail(id=0, code="", name="", kind="", phone="", email="", address="", breadcrumb=[],
                                  children=[], officials=[])
    can_admin: bool = False
    missing: bool = False

    @rx.event
    @guarded
    async def load(self):
        """Load the unit named in the address."""
        try:
            uid = _path_id(self.router.url.path)
            self.unit, self.can_admin = await self._call(lambda s, a: directory.unit_page_for(s, a, uid))
            self.missing = False
        except (ValueError, NotFound) as exc:
            self.missing = True
            await self._page_refused(exc)
