"""The task pages: the work inbox, a task, quick assignment, follow-up and a directive's matrix."""

from __future__ import annotations

from datetime import date, datetime

import reflex as rx

from govhub import clock
from govhub.routes import directive_url
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.text import fold
from govhub.services.tasks import actions as tasks
from govhub.services.tasks import inbox, quick_assign, reminders
from govhub.services.tasks import views as task_views
from govhub.services.tasks.access import is_standing_member
from govhub.services.tasks.inbox import InboxItem
from govhub.services.tasks.quick_assign import DirectiveSpec, TargetUnit
from govhub.services.tasks.reminders import ReminderRow
from govhub.services.tasks.views import ChildRow, DirectiveMatrix, TaskDetail
from govhub.state.action_dialog import ActionDialogState
from govhub.state.base import AppState, guarded
from govhub.state.directory import _as_id, _path_id
from govhub.state.paging import PagedState, SearchablePagedState

EMPTY_COUNTS = dict.fromkeys(inbox.KINDS, 0)


def _date(value: object, *, required: bool = False) -> date | None:
    """A date from an <input type="date"> value (YYYY-MM-DD)."""
    text = str(value or "").strip()
    if not text:
        if required:
            raise Invalid("task.error.date")
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise Invalid("task.error.date") from exc


class InboxState(SearchablePagedState, AppState):
    """What needs me now (the search looks in the titles)."""

    items: list[InboxItem] = []
    counts: dict[str, int] = EMPTY_COUNTS
    all_count: int = 0
    overdue: int = 0
    due_soon: int = 0
    kind: str = ""
    due: str = ""
    loaded: bool = False

    async def _reload(self) -> None:
        kind, due, query, page = self.kind, self.due, self.query, self.page
        result = await self._call(lambda s, a: inbox.inbox(s, a, clock.today(), kind=kind, due=due, query=query,
                                                          page=page))
        self.items, self.counts, self.total = result.items, result.counts, result.total
        self.all_count = sum(result.counts.values())
        self.page, self.pages, self.overdue, self.due_soon = result.page, result.pages, result.overdue, result.due_soon
        self.loaded = True

    @rx.event
    @guarded
    async def filter_kind(self, kind: str):
        """Show one kind of item, or all ('')."""
        if kind not in ("", *inbox.KINDS):
            raise ValueError("unknown kind")
        self.kind = kind
        await self._first_page()

    @rx.event
    @guarded
    async def filter_due(self, due: str):
        """Only overdue, only due within three days, or all ('')."""
        if due not in inbox.DUE_FILTERS:
            raise ValueError("unknown due filter")
        self.due = "" if due == self.due else due
        await self._first_page()


EMPTY_DETAIL = TaskDetail(
    id=0, title="", content="", state="", status="", mark="", priority="", progress=0, deadline="", deadline_iso="",
    version=0, directive_id=0, directive_label="", directive_summary="", assigner="", assigner_unit="", lead_unit="",
    owner="", coordinators=[], parent_id=0, parent_title="", children=[], deadlines=[], timeline=[], actions=[])


class TaskState(ActionDialogState, AppState):
    """One task and the actions this official may take on it."""

    task: TaskDetail = EMPTY_DETAIL
    reminders: list[ReminderRow] = []  # my own reminders about this task, still to come

    async def _load_subject(self, task_id: int) -> None:
        def work(session, actor):  # noqa: ANN001, ANN202
            detail = task_views.task_detail(session, actor, task_id, clock.today())
            return detail, reminders.pending_reminders(session, actor, task_id)

        self.task, self.reminders = await self._call(work)
        self.missing = False

    def _forget_subject(self) -> None:
        self.task, self.reminders = EMPTY_DETAIL, []

    def _subject(self) -> tuple[int, int]:
        return self.task.id, self.task.version

    def _offered(self) -> list[str]:
        return [*self.task.actions, "remind_me"] if self.task.id > 0 else []

    @rx.event
    @guarded
    async def receive(self):
        """Acknowledge a new task."""
        return await self._act(tasks.do_receive, message="task.done.received")

    @rx.event
    @guarded
    async def report(self, form: dict):
        """Report progress."""
        return await self._act(tasks.do_report, int(form.get("percent", 0)), str(form.get("text", "")),
                               message="task.done.progress")

    @rx.event
    @guarded
    async def submit(self, form: dict):
        """Report the task done."""
        return await self._act(tasks.do_submit, str(form.get("text", "")), message="task.done.submitted")

    @rx.event
    @guarded
    async def accept(self, form: dict):
        """Accept the result."""
        return await self._act(tasks.do_accept, str(form.get("text", "")), message="task.done.accepted")

    @rx.event
    @guarded
    async def send_back(self, form: dict):
        """Return the result with a reason."""
        return await self._act(tasks.do_return, str(form.get("text", "")), message="task.done.returned")

    @rx.event
    @guarded
    async def cancel(self, form: dict):
        """Withdraw the task."""
        return await self._act(tasks.do_cancel, str(form.get("text", "")), message="task.done.cancelled")

    @rx.event
    @guarded
    async def request_extension(self, form: dict):
        """Ask for a later deadline."""
        proposed = _date(form.get("deadline"), required=True)
        return await self._act(tasks.do_request_extension, proposed, str(form.get("text", "")),
                               message="task.done.extension_requested")

    @rx.event
    @guarded
    async def decide_extension(self, form: dict):
        """Approve or refuse the pending extension request."""
        request_id, task_id = self.task.extension_id, self.task.id
        approve = str(form.get("decision", "")) == "approve"
        note = str(form.get("text", ""))
        if request_id <= 0:
            raise NotFound()
        return await self._run_and_reload(
            task_id, lambda s, a: tasks.do_decide_extension(s, a, request_id, approve, note),
            "task.done.extension_decided")

    @rx.event
    @guarded
    async def remind_me(self, form: dict):
        """A personal reminder about this task at a moment I choose (city time)."""
        task_id, note = self.task.id, str(form.get("text", ""))
        try:
            at = datetime.fromisoformat(str(form.get("at", ""))[:16]).replace(tzinfo=clock.city_zone())
        except ValueError as exc:
            raise Invalid("reminders.error.when") from exc

        def work(session, actor):  # noqa: ANN001, ANN202
            reminders.do_remind_me(session, actor, task_id, at, note)
            return reminders.pending_reminders(session, actor, task_id)

        self.reminders = await self._call(work)
        self.dialog = ""
        return self._toast("success", self._t("task.done.reminder"))

    @rx.event
    @guarded
    async def cancel_reminder(self, reminder_id: int):
        """Drop one of my reminders about this task."""
        rid, task_id = _as_id(reminder_id), self.task.id

        def work(session, actor):  # noqa: ANN001, ANN202
            reminders.do_cancel_reminder(session, actor, rid)
            return reminders.pending_reminders(session, actor, task_id)

        self.reminders = await self._call(work)
        return self._toast("success", self._t("task.done.reminder_cancelled"))

    @rx.event
    @guarded
    async def delegate(self, form: dict):
        """Hand part of the task to a division or an official, as a sub-task."""
        target = str(form.get("target", ""))
        kind, _, raw = target.partition(":")
        if kind not in ("u", "o"):
            raise Invalid("task.error.target")
        target_id = _as_id(raw)
        spec = tasks.NewTask(title=str(form.get("title", "")), content=str(form.get("content", "")),
                             deadline=_date(form.get("deadline")), priority=str(form.get("priority", "normal")))
        return await self._act(
            lambda s, a, tid, v: tasks.do_delegate(s, a, tid, v, spec, unit_id=target_id if kind == "u" else None,
                                                   official_id=target_id if kind == "o" else None),
            message="task.done.delegated")


class AssignState(AppState):
    """Quick assignment: one directive to many units at once."""

    targets: list[TargetUnit] = []
    picked: list[int] = []
    unit_filter: str = ""
    shown: list[TargetUnit] = []
    is_standing: bool = False
    created_directive: int = 0
    _all: list[TargetUnit] = []

    def _refresh_shown(self) -> None:
        q = fold(self.unit_filter)
        self.shown = [t for t in self._all if not q or q in fold(t.name)][:400]

    @rx.event
    @guarded
    async def load(self):
        """Load the units this official may assign to."""
        found = await self._call(lambda s, a: (quick_assign.targets(s, a),
                                               is_standing_member(s, a)))
        self._all, self.is_standing = found
        self.targets = self._all
        self.picked, self.unit_filter, self.created_directive = [], "", 0
        self._refresh_shown()

    @rx.event
    @guarded
    async def pick_preset(self, preset: str):
        """Add all departments, all wards, all communes, or everything to the picked units."""
        ids = await self._call(lambda s, a: quick_assign.preset_ids(s, a, preset))
        self.picked = sorted(set(self.picked) | set(ids))

    @rx.event
    @guarded
    async def toggle(self, unit_id: int):
        """Add or remove one unit."""
        uid = int(unit_id)
        if uid not in {t.id for t in self._all}:
            raise ValueError("not an allowed unit")
        self.picked = sorted(set(self.picked) ^ {uid})

    @rx.event
    @guarded
    async def clear(self):
        """Pick no unit."""
        self.picked = []

    @rx.event
    @guarded
    async def filter_units(self, text: str):
        """Narrow the unit picker by name."""
        self.unit_filter = str(text)[:100]
        self._refresh_shown()

    @rx.event
    @guarded
    async def confirm(self, form: dict):
        """Create the directive and one task per picked unit, all or nothing."""
        directive = DirectiveSpec(source=str(form.get("source", "")), number=str(form.get("number", "")),
                                  issued_on=_date(form.get("issued_on")), summary=str(form.get("summary", "")))
        spec = tasks.NewTask(title=str(form.get("title", "")), content=str(form.get("content", "")),
                             deadline=_date(form.get("deadline")), priority=str(form.get("priority", "normal")))
        units = list(self.picked)
        row, ids = await self._call(lambda s, a: quick_assign.do_quick_assign(s, a, directive, spec, units))
        self.created_directive, self.picked = row.id, []
        self._toast("success", self._t("assign.done", n=len(ids)))
        return rx.redirect(directive_url(row.id))


class FollowUpState(PagedState, AppState):
    """Tasks I or my unit assigned."""

    rows: list[ChildRow] = []
    counts: dict[str, int] = {}
    status: str = ""

    async def _reload(self) -> None:
        status, page = self.status, self.page
        result = await self._call(lambda s, a: task_views.follow_up(s, a, clock.today(), status, page))
        self.rows, self.counts, self.total = result.rows, result.counts, result.total
        self.page, self.pages = result.page, result.pages

    @rx.event
    @guarded
    async def filter_status(self, status: str):
        """Show one reporting status, or all open and done ('')."""
        if status not in ("", *task_views.STATUSES):
            raise ValueError("unknown status")
        self.status = status
        await self._first_page()


EMPTY_MATRIX = DirectiveMatrix(id=0, label="", source="", issued_on="", summary="", rows=[], counts={})


class DirectiveState(AppState):
    """A directive and its units × status matrix."""

    matrix: DirectiveMatrix = EMPTY_MATRIX
    missing: bool = False

    @rx.event
    @guarded
    async def load(self):
        """Load the directive named in the address."""
        try:
            did = _path_id(self.router.url.path)
            self.matrix = await self._call(lambda s, a: task_views.directive_matrix(s, a, did, clock.today()))
            self.missing = False
        except (ValueError, NotFound) as exc:
            self.matrix, self.missing = EMPTY_MATRIX, True
            await self._page_refused(exc)
