"""The document pages: the lists, a document with its route and actions, and the route template editor.
Thin: every decision is made in govhub/services/documents/ (workflow.py, route_templates.py)."""

from __future__ import annotations

import secrets

import reflex as rx

from govhub.config import get_settings
from govhub.models.documents import DOC_TYPES
from govhub.routes import directive_url, document_url
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.text import fold
from govhub.services.documents import route_templates as doc_routes
from govhub.services.documents import workflow as documents
from govhub.services.documents.route_templates import Option, RouteDetail, RouteRow
from govhub.services.documents.workflow import DocDetail, DocRow, DraftSpec
from govhub.state.action_dialog import ActionDialogState
from govhub.state.base import AppState, guarded
from govhub.state.directory import _as_id
from govhub.state.paging import SearchablePagedState
from govhub.state.tasks import _date


class DocumentsState(SearchablePagedState, AppState):
    """The lists (mine, in progress, issued by my unit, received by my unit) and the new-document form; the
    search looks in the number and symbol and the summary."""

    rows: list[DocRow] = []
    box: str = "mine"
    doc_type: str = ""
    loaded: bool = False
    creating: bool = False
    new_type: str = "cong_van"
    route_options: list[Option] = []
    recipient_filter: str = ""
    shown_recipients: list[Option] = []
    picked: list[int] = []
    picked_names: list[str] = []
    _recipients: list[Option] = []

    async def _reload(self) -> None:
        box, query, doc_type, page = self.box, self.query, self.doc_type, self.page
        result = await self._call(lambda s, a: documents.list_documents(s, a, box, query, doc_type, page))
        self.rows, self.total, self.page, self.pages = result.rows, result.total, result.page, result.pages
        self.loaded = True

    @rx.event
    @guarded
    async def load(self):
        """Load the first page of the chosen list."""
        self.creating = False
        await self._first_page()

    @rx.event
    @guarded
    async def pick_box(self, box: str):
        """Show another list."""
        if box not in documents.BOXES:
            raise ValueError("unknown box")
        self.box = box
        await self._first_page()

    @rx.event
    @guarded
    async def filter_type(self, doc_type: str):
        """Only one type ('all' for every type)."""
        doc_type = "" if doc_type == "all" else doc_type
        if doc_type and doc_type not in DOC_TYPES:
            raise ValueError("unknown type")
        self.doc_type = doc_type
        await self._first_page()

    async def _load_routes(self) -> None:
        doc_type = self.new_type

        def work(s, a):  # noqa: ANN001, ANN202
            issuing = documents.issuing_unit_for(s, a.unit_id)
            return [Option(value=str(r.id), label=r.name) for r in doc_routes.available_routes(s, doc_type, issuing.id)]

        self.route_options = await self._call(work)

    def _refresh_recipients(self) -> None:
        q = fold(self.recipient_filter)
        self.shown_recipients = [o for o in self._recipients if not q or q in fold(o.label)][:200]
        names = {int(o.value): o.label for o in self._recipients}
        self.picked_names = [names[i] for i in self.picked if i in names]

    @rx.event
    @guarded
    async def open_new(self):
        """Open the new-document form."""
        options = await self._call(lambda s, a: documents.recipient_options(s, a))
        self._recipients = [Option(value=str(i), label=n) for i, n in options]
        self.picked, self.recipient_filter, self.new_type = [], "", "cong_van"
        self._refresh_recipients()
        await self._load_routes()
        self.creating = True

    @rx.event
    @guarded
    async def close_new(self, _open: bool = False):
        """Close the new-document form."""
        self.creating = False

    @rx.event
    @guarded
    async def choose_type(self, doc_type: str):
        """The type decides which routes are offered."""
        if doc_type not in DOC_TYPES:
            raise ValueError("unknown type")
        self.new_type = doc_type
        await self._load_routes()

    @rx.event
    @guarded
    async def filter_recipients(self, text: str):
        """Narrow the recipient picker by name."""
        self.recipient_filter = str(text)[:100]
        self._refresh_recipients()

    @rx.event
    @guarded
    async def toggle_recipient(self, unit_id: int):
        """Add or remove a recipient unit."""
        uid = int(unit_id)
        if uid not in {int(o.value) for o in self._recipients}:
            raise ValueError("not an offered unit")
        self.picked = sorted(set(self.picked) ^ {uid})
        self._refresh_recipients()

    @rx.event
    @guarded
    async def create(self, form: dict):
        """Create the draft and open it (files are added there)."""
        route = str(form.get("route", "") or "")
        spec = DraftSpec(doc_type=str(form.get("doc_type", self.new_type)), summary=str(form.get("summary", "")),
                         recipients=list(self.picked), route_id=_as_id(route) if route else None,
                         priority=str(form.get("priority", "normal") or "normal"),
                         deadline=_date(form.get("deadline")))
        doc = await self._call(lambda s, a: documents.do_create(s, a, spec))
        self.creating, self.picked = False, []
        self._toast("success", self._t("doc.done.created"))
        return rx.redirect(document_url(doc.id))


class DocumentState(ActionDialogState, AppState):
    """One document: files, preview, route progress, history, and only this official's actions."""

    doc: DocDetail = DocDetail()
    uploading: bool = False

    async def _load_subject(self, subject_id: int) -> None:
        self.doc = await self._call(lambda s, a: documents.document_detail(s, a, subject_id))
        self.missing = False

    def _forget_subject(self) -> None:
        self.doc = DocDetail()

    def _subject(self) -> tuple[int, int]:
        return self.doc.id, self.doc.version

    def _offered(self) -> list[str]:
        return self.doc.actions

    @rx.event
    @guarded
    async def submit_doc(self):
        """Send the draft on its route."""
        return await self._act(documents.do_submit, message="doc.done.submitted")

    @rx.event
    @guarded
    async def approve(self, form: dict):
        """Approve and forward."""
        return await self._act(documents.do_approve, str(form.get("text", "")), message="doc.done.approved")

    @rx.event
    @guarded
    async def send_back(self, form: dict):
        """Return to the author with comments."""
        return await self._act(documents.do_return, str(form.get("text", "")), message="doc.done.returned")

    @rx.event
    @guarded
    async def sign(self, form: dict):
        """Sign (the last signature issues the document)."""
        return await self._act(documents.do_sign, str(form.get("text", "")), message="doc.done.signed")

    @rx.event
    @guarded
    async def choose_route(self, route_id: str):
        """Pick another allowed route for the draft."""
        return await self._act(documents.do_choose_route, _as_id(route_id), message="doc.done.route")

    async def _upload(self, files: list, main: bool):  # noqa: ANN202
        if not files:
            raise Invalid("doc.error.file_empty")
        if len(files) > 1:
            raise Invalid("doc.error.one_file")
        upload = files[0]
        limit = get_settings().files_max_bytes
        if upload.size is not None and upload.size > limit:
            raise Invalid("doc.error.file_too_large", mb=max(1, limit // (1024 * 1024)))
        data = await upload.read(limit + 1)
        name = upload.filename or ""
        self.uploading = True
        try:
            return await self._act(lambda s, a, d, v: documents.do_add_file(s, a, d, v, name, data, main=main),
                                   message="doc.done.uploaded")
        finally:
            self.uploading = False

    @rx.event
    @guarded
    async def upload_main(self, files: list[rx.UploadFile]):
        """A new version of the main file."""
        return await self._upload(files, True)

    @rx.event
    @guarded
    async def upload_attachment(self, files: list[rx.UploadFile]):
        """An attachment."""
        return await self._upload(files, False)

    @rx.event
    @guarded
    async def make_directive(self):
        """Make the issued document the directive of new tasks, and go to quick assignment."""
        doc_id = self.doc.id
        if doc_id <= 0:
            raise NotFound()
        row = await self._call(lambda s, a: documents.do_make_directive(s, a, doc_id))
        await self._load_subject(doc_id)
        return rx.redirect(directive_url(row.id))


class RouteAdminState(AppState):
    """The route template editor: admins (every template) and unit administrators (their unit's)."""

    routes: list[RouteRow] = []
    route: RouteDetail = RouteDetail()
    positions: list[Option] = []
    people: list[Option] = []
    allowed: bool = False
    city_wide_allowed: bool = False
    loaded: bool = False
    assignee_kind: str = "unit_head"
    route_draft: str = ""  # names the new-template form's current draft; a new one once it is created (drawn afresh)

    async def _reload(self) -> None:
        def work(s, a):  # noqa: ANN001, ANN202
            from govhub.services.org.structure import is_admin

            return doc_routes.may_edit_routes(s, a), is_admin(a), doc_routes.manageable_routes(s, a)

        self.allowed, self.city_wide_allowed, self.routes = await self._call(work)
        self.loaded = True

    async def _open(self, route_id: int) -> None:
        self.route, (self.positions, self.people) = await self._call(
            lambda s, a: (doc_routes.route_detail(s, a, route_id), doc_routes.assignee_options(s, a, route_id)))

    @rx.event
    @guarded
    async def load(self):
        """The templates this official may edit."""
        self.route = RouteDetail()
        await self._reload()

    @rx.event
    @guarded
    async def open_route(self, route_id: int):
        """Open one template in the editor."""
        await self._open(_as_id(route_id))

    @rx.event
    @guarded
    async def close_route(self):
        """Back to the list."""
        self.route = RouteDetail()
        await self._reload()

    @rx.event
    @guarded
    async def pick_assignee_kind(self, kind: str | list[str]):
        """Unit head, a position, or a named official."""
        from govhub.models.documents import ASSIGNEE_KINDS

        if not isinstance(kind, str) or kind not in ASSIGNEE_KINDS:
            raise ValueError("unknown assignee kind")
        self.assignee_kind = kind

    @rx.event
    @guarded
    async def create_route(self, form: dict):
        """A new template (then add its steps). Only once it is stored is the form emptied (a new draft key redraws
        it): a refused one (a blank name, rights lost meanwhile) keeps what was typed, to be corrected. A second
        submit of a draft already created (a double click) is ignored."""
        if str(form.get("draft", "")) != self.route_draft:
            return
        doc_type = str(form.get("doc_type", "") or "")
        doc_type = "" if doc_type == "any" else doc_type
        city_wide = str(form.get("scope", "")) == "city"
        route = await self._call(lambda s, a: doc_routes.do_create_route(
            s, a, str(form.get("name", "")), doc_type, city_wide=city_wide,
            is_default=bool(form.get("is_default"))))
        self.route_draft = secrets.token_hex(8)
        await self._reload()
        await self._open(route.id)
        return self._toast("success", self._t("doc.route.done.created"))

    @rx.event
    @guarded
    async def save_route(self, form: dict):
        """Name, type, default, active."""
        route_id, version = self.route.id, self.route.version
        if route_id <= 0:
            raise NotFound()
        doc_type = str(form.get("doc_type", "") or "")
        doc_type = "" if doc_type == "any" else doc_type
        await self._call(lambda s, a: doc_routes.do_update_route(
            s, a, route_id, version, name=str(form.get("name", "")), doc_type=doc_type,
            is_default=bool(form.get("is_default")), active=bool(form.get("active"))))
        await self._open(route_id)
        await self._reload()
        return self._toast("success", self._t("doc.route.done.saved"))

    @rx.event
    @guarded
    async def add_step(self, form: dict):
        """Add a review or signature step."""
        route_id, version = self.route.id, self.route.version
        if route_id <= 0:
            raise NotFound()
        kind, who = str(form.get("kind", "review")), self.assignee_kind
        ref = str(form.get("assignee", "") or "")
        stage = int(str(form.get("stage", "1") or "1"))
        await self._call(lambda s, a: doc_routes.do_add_step(
            s, a, route_id, version, stage=stage, kind=kind, assignee_kind=who,
            position_id=_as_id(ref) if who == "position" and ref else None,
            official_id=_as_id(ref) if who == "official" and ref else None))
        await self._open(route_id)
        await self._reload()
        return self._toast("success", self._t("doc.route.done.step_added"))

    @rx.event
    @guarded
    async def remove_step(self, step_id: int):
        """Remove a step."""
        route_id, version = self.route.id, self.route.version
        if route_id <= 0:
            raise NotFound()
        sid = _as_id(step_id)
        await self._call(lambda s, a: doc_routes.do_remove_step(s, a, route_id, version, sid))
        await self._open(route_id)
        await self._reload()
