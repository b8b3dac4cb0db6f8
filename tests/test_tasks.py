"""The task workflow: every transition from every state it allows (and refusal from the others), the wrong side,
stale versions, sub-tasks, cancellation, extensions, derived statuses with the clock moved, audit rows,
notifications, quick assignment (all or nothing), the inbox, follow-up and the directive matrix."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, update
from sqlmodel import Session, select

from govhub import clock
from govhub.models import (
    AuditEvent,
    Conversation,
    ConversationMember,
    DeadlineChange,
    Directive,
    ExtensionRequest,
    Notification,
    Official,
    Position,
    ProgressReport,
    Task,
    TaskTally,
    Unit,
)
from govhub.models.task import OPEN_STATES, TASK_STATES
from govhub.services.core import notifications
from govhub.services.core.errors import Conflict, Invalid, NotFound
from govhub.services.messaging import bell
from govhub.services.tasks import actions as T
from govhub.services.tasks import quick_assign as qa
from govhub.services.tasks.inbox import inbox
from govhub.services.tasks.status import due_mark, report_status, report_status_sql
from govhub.services.tasks.views import follow_up, task_detail
from tests.taskkit import (
    BENTHANH,
    SAIGON,
    assign,
    audit_rows,
    clear_tasks,
    counts,
    day,
    drive,
    fresh,
    local_instant,
    max_id,
    move_clock,
    person,
    refused,
    task_row,
    unit,
)
from tests.taskkit import (
    notifications as notes,
)


class Cast:
    """chutich assigns to Phường Sài Gòn, whose chairman ct.saigon owns the task."""

    def __init__(self, session: Session) -> None:
        self.chutich = person(session, "chutich")
        self.ct = person(session, "ct.saigon")
        self.pct1s = person(session, "pct1.saigon")
        self.cv = person(session, "cv.saigon")
        self.tp1 = person(session, "tp1.saigon")


@pytest.fixture
def cast(session: Session) -> Cast:
    return Cast(session)


def new_task(session: Session, cast: Cast, deadline: int | None = 10, **kw) -> Task:  # noqa: ANN003
    return assign(session, cast.chutich, unit_code=SAIGON, deadline=deadline, **kw)


def in_state(session: Session, cast: Cast, state: str, deadline: int | None = 10) -> Task:
    return drive(session, new_task(session, cast, deadline), state, cast.chutich, cast.ct)


def status_of(session: Session, task: Task) -> tuple[str, str]:
    """The derived status computed in Python and by the database, which must agree."""
    task = fresh(session, task.id)
    py = report_status(task.state, task.deadline, task.done_on, clock.today())
    sql = session.execute(select(report_status_sql(clock.today())).where(Task.id == task.id)).scalar_one()
    return py, sql


# The transitions: (name, states it is allowed from, side, call, resulting state)
def _receive(s, c, t):  # noqa: ANN001, ANN202
    return T.do_receive(s, c.ct, t.id, t.version)


def _report(s, c, t):  # noqa: ANN001, ANN202
    return T.do_report(s, c.ct, t.id, t.version, 60, "Đã làm được hơn một nửa")


def _submit(s, c, t):  # noqa: ANN001, ANN202
    return T.do_submit(s, c.ct, t.id, t.version, "Đã hoàn thành")


def _accept(s, c, t):  # noqa: ANN001, ANN202
    return T.do_accept(s, c.chutich, t.id, t.version, "Đồng ý")


def _return(s, c, t):  # noqa: ANN001, ANN202
    return T.do_return(s, c.chutich, t.id, t.version, "Thiếu số liệu")


def _cancel(s, c, t):  # noqa: ANN001, ANN202
    return T.do_cancel(s, c.chutich, t.id, t.version, "Không còn cần thiết")


def _extend(s, c, t):  # noqa: ANN001, ANN202
    return T.do_request_extension(s, c.ct, t.id, t.version, t.deadline + timedelta(days=7), "Cần thêm thời gian")


def _delegate(s, c, t):  # noqa: ANN001, ANN202
    return T.do_delegate(s, c.ct, t.id, t.version, T.NewTask(title="Phần việc", deadline=t.deadline),
                         official_id=c.cv.id)


WORKING = ("new", "received", "in_progress", "returned")
TRANSITIONS = {
    # name: (call, allowed from, result state or None when the task's state is not what changes, side)
    "receive": (_receive, ("new",), "received", "assignee"),
    "report": (_report, WORKING, "in_progress", "assignee"),
    "submit": (_submit, WORKING, "submitted", "assignee"),
    "accept": (_accept, ("submitted",), "accepted", "assigner"),
    "return": (_return, ("submitted",), "returned", "assigner"),
    "cancel": (_cancel, OPEN_STATES, "cancelled", "assigner"),
    "request_extension": (_extend, WORKING, None, "assignee"),
    "delegate": (_delegate, WORKING, None, "assignee"),
}
ACTIONS = {"receive": "task.received", "report": "task.progress", "submit": "task.submitted",
           "accept": "task.accepted", "return": "task.returned", "cancel": "task.cancelled",
           "request_extension": "task.extension_requested", "delegate": "task.delegated"}
NOTIFIED = {"receive": ("task_received", "assigner"), "report": ("task_progress", "assigner"),
            "submit": ("task_submitted", "assigner"), "accept": ("task_accepted", "owner"),
            "return": ("task_returned", "owner"), "cancel": ("task_cancelled", "owner"),
            "request_extension": ("extension_requested", "assigner"), "delegate": ("task_assigned", "cv")}

ALLOWED = [(name, state) for name, (_, states, _, _) in TRANSITIONS.items() for state in states]
REFUSED = [(name, state) for name, (_, states, _, _) in TRANSITIONS.items() for state in TASK_STATES
           if state not in states]


@pytest.mark.parametrize(("name", "state"), ALLOWED)
def test_transition_from_an_allowed_state(session: Session, cast: Cast, name: str, state: str) -> None:
    call, _, result, _ = TRANSITIONS[name]
    task = in_state(session, cast, state)
    version = task.version
    first_audit, first_note = max_id(session, AuditEvent), max_id(session, Notification)
    call(session, cast, task)
    after = fresh(session, task.id)
    assert after.version == version + 1
    if result:
        assert after.state == result
    if name == "delegate" and state in ("new", "received"):
        assert after.state == "in_progress"
    # exactly one audit row for the task, carrying the new version
    rows = [r for r in audit_rows(session, task.id) if r.id > first_audit]
    assert [r.action for r in rows] == [ACTIONS[name]]
    assert json.loads(rows[0].detail)["version"] == after.version
    # the right people are told, never the actor
    kind, whom = NOTIFIED[name]
    recipient = {"assigner": cast.chutich, "owner": cast.ct, "cv": cast.cv}[whom]
    actor = cast.chutich if TRANSITIONS[name][3] == "assigner" else cast.ct
    sent = notes(session, kind=kind, since=first_note)
    assert [n.recipient_id for n in sent] == [recipient.id]
    assert all(n.actor_id == actor.id and n.recipient_id != actor.id for n in sent)


@pytest.mark.parametrize(("name", "state"), REFUSED)
def test_transition_refused_from_a_wrong_state(session: Session, cast: Cast, name: str, state: str) -> None:
    call, _, _, _ = TRANSITIONS[name]
    task = in_state(session, cast, state)
    err = refused(session, lambda s: call(s, cast, task), task_id=task.id)
    assert isinstance(err, Invalid) and err.key == "task.error.state"


@pytest.mark.parametrize("name", [n for n, v in TRANSITIONS.items() if v[3] == "assignee"])
def test_assignee_actions_refused_to_the_assigner(session: Session, cast: Cast, name: str) -> None:
    call, states, _, _ = TRANSITIONS[name]
    task = in_state(session, cast, states[0])
    wrong = Cast(session)
    wrong.ct = cast.chutich  # the assigner tries to act for the lead unit
    err = refused(session, lambda s: call(s, wrong, task), task_id=task.id)
    assert err.key == "task.error.not_assignee"


@pytest.mark.parametrize("name", [n for n, v in TRANSITIONS.items() if v[3] == "assigner"])
def test_assigner_actions_refused_to_the_assignee(session: Session, cast: Cast, name: str) -> None:
    call, states, _, _ = TRANSITIONS[name]
    task = in_state(session, cast, states[-1] if name == "cancel" else states[0])
    for actor in (cast.ct, cast.pct1s):  # the owner, and a leader of the lead unit
        wrong = Cast(session)
        wrong.chutich = actor
        err = refused(session, lambda s, w=wrong: call(s, w, task), task_id=task.id)
        assert err.key == "task.error.not_assigner"


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_a_stale_version_is_a_conflict_and_changes_nothing(session: Session, cast: Cast, name: str) -> None:
    call, states, _, _ = TRANSITIONS[name]
    task = in_state(session, cast, states[0])
    stale = SimpleNamespace(id=task.id, version=task.version, deadline=task.deadline)  # what the page loaded
    session.execute(update(Task).where(Task.id == task.id).values(version=Task.version + 1)
                    .execution_options(synchronize_session=False))  # someone else's change
    session.expire_all()
    before = counts(session), task_row(session, task.id)
    with pytest.raises(Conflict), session.begin_nested():
        call(session, cast, stale)
    session.expire_all()
    assert (counts(session), task_row(session, task.id)) == before


def test_a_refused_action_leaves_the_version_alone_once_rolled_back(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "accepted")
    refused(session, _receive, cast, task, task_id=task.id)
    assert fresh(session, task.id).version == task.version


# --------------------------------------------------------------------------------------- what each step writes

def test_receive_report_submit_accept_records_the_history(session: Session, cast: Cast) -> None:
    task = new_task(session, cast)
    assert (task.state, task.version, task.progress) == ("new", 1, 0)
    assert [r.action for r in audit_rows(session, task.id)] == ["task.created"]
    assert notes(session, task_id=task.id)[0].recipient_id == cast.ct.id
    task = T.do_receive(session, cast.ct, task.id, 1)
    task = T.do_report(session, cast.ct, task.id, 2, 35, "Đang rà soát")
    assert (task.state, task.progress) == ("in_progress", 35)
    task = T.do_submit(session, cast.ct, task.id, 3, "Hoàn thành")
    assert task.progress == 100 and task.submitted_at is not None
    task = T.do_accept(session, cast.chutich, task.id, 4, "Tốt")
    assert task.state == "accepted" and task.done_on == clock.local_date(task.submitted_at) and task.done_at
    kinds = session.exec(select(ProgressReport.kind).where(ProgressReport.task_id == task.id)
                         .order_by(ProgressReport.id)).all()
    assert kinds == ["progress", "submit", "accept"]
    assert [r.action for r in audit_rows(session, task.id)] == [
        "task.created", "task.received", "task.progress", "task.submitted", "task.accepted"]
    assert [json.loads(r.detail)["version"] for r in audit_rows(session, task.id)] == [1, 2, 3, 4, 5]
    detail = task_detail(session, cast.chutich, task.id, clock.today())
    assert [e.action for e in detail.timeline] == ["accepted", "submitted", "progress", "received", "created"]


def test_return_clears_the_submission_and_work_goes_on(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "returned")
    assert task.submitted_at is None and task.done_on is None
    reasons = session.exec(select(ProgressReport.text).where(ProgressReport.task_id == task.id,
                                                             ProgressReport.kind == "return")).all()
    assert reasons == ["Bổ sung số liệu"]
    task = T.do_submit(session, cast.ct, task.id, task.version, "Đã bổ sung")
    assert T.do_accept(session, cast.chutich, task.id, task.version).state == "accepted"


@pytest.mark.parametrize(("percent", "text", "key"), [(-1, "x", "task.error.percent"), (101, "x", "task.error.percent"),
                                                      (50, "   ", "task.error.report_text")])
def test_a_report_needs_a_percentage_and_words(session: Session, cast: Cast, percent: int, text: str,
                                               key: str) -> None:
    task = in_state(session, cast, "received")
    err = refused(session, T.do_report, cast.ct, task.id, task.version, percent, text, task_id=task.id)
    assert err.key == key
    assert T.do_report(session, cast.ct, task.id, fresh(session, task.id).version, 0, "Bắt đầu").progress == 0
    assert T.do_report(session, cast.ct, task.id, fresh(session, task.id).version, 100, "Gần xong").progress == 100


@pytest.mark.parametrize("call", [T.do_return, T.do_cancel])
def test_return_and_cancel_need_a_reason(session: Session, cast: Cast, call) -> None:  # noqa: ANN001
    task = in_state(session, cast, "submitted")
    assert refused(session, call, cast.chutich, task.id, task.version, "  ", task_id=task.id).key == "task.error.reason"


def test_submit_needs_words(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "received")
    assert refused(session, T.do_submit, cast.ct, task.id, task.version, "", task_id=task.id
                   ).key == "task.error.report_text"


@pytest.mark.parametrize(("spec", "key"), [
    (T.NewTask(title="  "), "task.error.title"),
    (T.NewTask(title="x" * 301), "task.error.title"),
    (T.NewTask(title="x", priority="whenever"), "task.error.priority"),
    (T.NewTask(title="x", deadline=None), None),
])
def test_new_task_fields_are_validated(session: Session, cast: Cast, spec: T.NewTask, key: str | None) -> None:
    target = unit(session, SAIGON).id
    if key is None:
        assert T.do_assign(session, cast.chutich, spec, unit_id=target).deadline is None
    else:
        assert refused(session, T.do_assign, cast.chutich, spec, unit_id=target).key == key


def test_a_deadline_cannot_be_in_the_past(session: Session, cast: Cast) -> None:
    spec = T.NewTask(title="x", deadline=day(-1))
    assert refused(session, T.do_assign, cast.chutich, spec, unit_id=unit(session, SAIGON).id
                   ).key == "task.error.deadline_past"
    assert T.do_assign(session, cast.chutich, T.NewTask(title="x", deadline=day(0)),
                       unit_id=unit(session, SAIGON).id).deadline == clock.today()


@pytest.mark.parametrize("kw", [{}, {"unit_id": 1, "official_id": 1}])
def test_exactly_one_target(session: Session, cast: Cast, kw: dict) -> None:
    assert refused(session, T.do_assign, cast.chutich, T.NewTask(title="x"), **kw).key == "task.error.target"


# ------------------------------------------------------------------------------------------------- sub-tasks

def test_delegate_makes_a_sub_task_under_the_parent(session: Session, cast: Cast) -> None:
    parent = in_state(session, cast, "received")
    child = T.do_delegate(session, cast.ct, parent.id, parent.version,
                          T.NewTask(title="Thống kê", deadline=day(5)), official_id=cast.cv.id)
    parent = fresh(session, parent.id)
    assert (child.parent_id, child.owner_id, child.assigner_id, child.directive_id) == (
        parent.id, cast.cv.id, cast.ct.id, parent.directive_id)
    assert parent.state == "in_progress"
    assert [r.action for r in audit_rows(session, child.id)] == ["task.created"]
    assert audit_rows(session, parent.id)[-1].action == "task.delegated"
    assert [c.id for c in task_detail(session, cast.ct, parent.id, clock.today()).children] == [child.id]
    division = T.do_delegate(session, cast.ct, parent.id, parent.version, T.NewTask(title="Kế hoạch"),
                             unit_id=unit(session, f"{SAIGON}-P2").id)
    assert division.owner_id == person(session, "tp2.saigon").id


def test_a_sub_task_cannot_outlive_its_parent(session: Session, cast: Cast) -> None:
    parent = in_state(session, cast, "received", deadline=5)
    err = refused(session, T.do_delegate, cast.ct, parent.id, parent.version, T.NewTask(title="x", deadline=day(6)),
                  official_id=cast.cv.id, task_id=parent.id)
    assert err.key == "task.error.deadline_after_parent"


@pytest.mark.parametrize("target", ["ct.bencat", "tp1.bencat", "chutich"])
def test_delegation_stays_inside_the_lead_unit(session: Session, cast: Cast, target: str) -> None:
    parent = in_state(session, cast, "received")
    err = refused(session, T.do_delegate, cast.ct, parent.id, parent.version, T.NewTask(title="x"),
                  official_id=person(session, target).id, task_id=parent.id)
    assert err.key == "task.error.target"


def test_a_specialist_cannot_delegate_further(session: Session, cast: Cast) -> None:
    parent = in_state(session, cast, "received")
    child = T.do_delegate(session, cast.ct, parent.id, parent.version, T.NewTask(title="x"), official_id=cast.cv.id)
    err = refused(session, T.do_delegate, cast.cv, child.id, child.version, T.NewTask(title="y"),
                  official_id=person(session, "tp1.saigon").id, task_id=child.id)
    assert err.key == "task.error.target"


def test_submit_is_refused_while_sub_tasks_are_open(session: Session, cast: Cast) -> None:
    parent = in_state(session, cast, "received")
    child = T.do_delegate(session, cast.ct, parent.id, parent.version, T.NewTask(title="x"), official_id=cast.cv.id)
    other = T.do_delegate(session, cast.ct, parent.id, fresh(session, parent.id).version, T.NewTask(title="y"),
                          official_id=cast.tp1.id)
    parent = fresh(session, parent.id)
    for state in ("new", "received", "in_progress", "submitted", "returned"):
        drive_child = state  # the first child moves through every open state
        c = fresh(session, child.id)
        if c.state != drive_child:
            _move_child(session, cast, c, drive_child)
        err = refused(session, T.do_submit, cast.ct, parent.id, parent.version, "Xong", task_id=parent.id)
        assert err.key == "task.error.open_children", state
    T.do_submit(session, cast.cv, child.id, fresh(session, child.id).version, "Xong")
    T.do_accept(session, cast.ct, child.id, fresh(session, child.id).version)
    assert refused(session, T.do_submit, cast.ct, parent.id, parent.version, "Xong", task_id=parent.id
                   ).key == "task.error.open_children"  # the other one is still open
    T.do_cancel(session, cast.ct, other.id, fresh(session, other.id).version, "Không cần")
    assert T.do_submit(session, cast.ct, parent.id, fresh(session, parent.id).version, "Xong").state == "submitted"


def _move_child(session: Session, cast: Cast, c: Task, state: str) -> None:
    v = c.version
    if state == "received":
        T.do_receive(session, cast.cv, c.id, v)
    elif state == "in_progress":
        T.do_report(session, cast.cv, c.id, v, 30, "Đang làm")
    elif state == "submitted":
        T.do_submit(session, cast.cv, c.id, v, "Xong")
    elif state == "returned":
        T.do_return(session, cast.ct, c.id, v, "Làm lại")


def test_cancel_cascades_to_open_descendants_only(session: Session, cast: Cast) -> None:
    parent = in_state(session, cast, "received")
    open_child = T.do_delegate(session, cast.ct, parent.id, parent.version, T.NewTask(title="mở"),
                               unit_id=unit(session, f"{SAIGON}-P1").id)
    done_child = T.do_delegate(session, cast.ct, parent.id, fresh(session, parent.id).version, T.NewTask(title="xong"),
                               official_id=cast.cv.id)
    grandchild = T.do_delegate(session, cast.tp1, open_child.id, open_child.version, T.NewTask(title="cháu"),
                               official_id=cast.cv.id)
    T.do_submit(session, cast.cv, done_child.id, fresh(session, done_child.id).version, "Xong")
    T.do_accept(session, cast.ct, done_child.id, fresh(session, done_child.id).version)
    versions = {t: fresh(session, t).version for t in (open_child.id, grandchild.id, done_child.id)}
    first_note = max_id(session, Notification)
    parent = fresh(session, parent.id)
    T.do_cancel(session, cast.chutich, parent.id, parent.version, "Thành phố giao đơn vị khác")
    assert fresh(session, parent.id).state == "cancelled"
    assert fresh(session, open_child.id).state == "cancelled" and fresh(session, grandchild.id).state == "cancelled"
    assert fresh(session, done_child.id).state == "accepted"
    assert fresh(session, open_child.id).version == versions[open_child.id] + 1
    assert fresh(session, grandchild.id).version == versions[grandchild.id] + 1
    assert fresh(session, done_child.id).version == versions[done_child.id]
    for tid in (open_child.id, grandchild.id):  # each cancelled task has its own history row
        assert audit_rows(session, tid)[-1].action == "task.cancelled"
    assert sorted(json.loads(audit_rows(session, parent.id)[-1].detail)["descendants"]) == sorted(
        [open_child.id, grandchild.id])
    told = {n.recipient_id for n in notes(session, kind="task_cancelled", since=first_note)}
    assert told == {cast.ct.id, cast.tp1.id, cast.cv.id} and cast.chutich.id not in told


# ------------------------------------------------------------------------------------------------- extensions

def test_extension_request_needs_a_later_date_and_a_reason(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "received", deadline=5)
    for proposed, reason, key in [(day(5), "Cần thêm", "task.error.extension_date"),
                                  (day(3), "Cần thêm", "task.error.extension_date"),
                                  (day(9), " ", "task.error.reason")]:
        assert refused(session, T.do_request_extension, cast.ct, task.id, task.version, proposed, reason,
                       task_id=task.id).key == key
    undated = in_state(session, cast, "received", deadline=None)
    assert refused(session, T.do_request_extension, cast.ct, undated.id, undated.version, day(9), "Cần",
                   task_id=undated.id).key == "task.error.extension_date"
    request = T.do_request_extension(session, cast.ct, task.id, task.version, day(9), "Chờ số liệu")
    assert (request.status, request.old_deadline, request.proposed_deadline, request.decider_id) == (
        "pending", day(5), day(9), cast.chutich.id)


def test_one_pending_extension_request_at_a_time(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "received", deadline=5)
    first = T.do_request_extension(session, cast.ct, task.id, task.version, day(9), "Chờ số liệu")
    err = refused(session, T.do_request_extension, cast.ct, task.id, task.version, day(12), "Lại",
                  task_id=task.id)
    assert err.key == "task.error.extension_pending"
    T.do_decide_extension(session, cast.chutich, first.id, False, "Không")
    task = fresh(session, task.id)
    assert T.do_request_extension(session, cast.ct, task.id, task.version, day(7), "Xin lần nữa").status == "pending"


def test_approving_an_extension_moves_the_deadline_and_keeps_its_history(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "in_progress", deadline=5)
    request = T.do_request_extension(session, cast.ct, task.id, task.version, day(15), "Chờ số liệu Kho bạc")
    version = fresh(session, task.id).version
    first_note = max_id(session, Notification)
    T.do_decide_extension(session, cast.chutich, request.id, True, "Đồng ý")
    after = fresh(session, task.id)
    assert after.deadline == day(15) and after.version == version + 1
    session.refresh(request)
    assert request.status == "approved" and request.decision_note == "Đồng ý" and request.decided_at
    changes = session.exec(select(DeadlineChange).where(DeadlineChange.task_id == task.id)
                           .order_by(DeadlineChange.id)).all()
    assert [(c.old_deadline, c.new_deadline) for c in changes] == [(None, day(5)), (day(5), day(15))]
    assert changes[-1].reason == "Chờ số liệu Kho bạc" and changes[-1].changed_by_id == cast.chutich.id
    assert audit_rows(session, task.id)[-1].action == "task.extension_approved"
    assert [(n.kind, n.recipient_id) for n in notes(session, since=first_note)] == [
        ("extension_approved", cast.ct.id)]
    assert [r.new for r in task_detail(session, cast.chutich, task.id, clock.today()).deadlines] == [
        r.new for r in task_detail(session, cast.ct, task.id, clock.today()).deadlines]


def test_rejecting_an_extension_keeps_the_deadline(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "in_progress", deadline=5)
    request = T.do_request_extension(session, cast.ct, task.id, task.version, day(15), "Chờ")
    before = session.exec(select(func.count()).select_from(DeadlineChange)).one()
    first_note = max_id(session, Notification)
    T.do_decide_extension(session, cast.chutich, request.id, False, "Khẩn trương hoàn thành")
    assert fresh(session, task.id).deadline == day(5)
    assert session.exec(select(func.count()).select_from(DeadlineChange)).one() == before
    session.refresh(request)
    assert request.status == "rejected"
    assert audit_rows(session, task.id)[-1].action == "task.extension_rejected"
    assert [(n.kind, n.recipient_id) for n in notes(session, since=first_note)] == [
        ("extension_rejected", cast.ct.id)]


def test_an_extension_is_decided_once_by_the_assigner_side(session: Session, cast: Cast) -> None:
    task = in_state(session, cast, "in_progress", deadline=5)
    request = T.do_request_extension(session, cast.ct, task.id, task.version, day(15), "Chờ")
    assert refused(session, T.do_decide_extension, cast.ct, request.id, True, task_id=task.id
                   ).key == "task.error.not_assigner"
    with pytest.raises(NotFound):
        T.do_decide_extension(session, person(session, "ct.bencat"), request.id, True)
    with pytest.raises(NotFound):
        T.do_decide_extension(session, cast.chutich, request.id + 10_000, True)
    T.do_decide_extension(session, cast.chutich, request.id, True)
    assert isinstance(refused(session, T.do_decide_extension, cast.chutich, request.id, False, task_id=task.id),
                      Conflict)


# ------------------------------------------------------------------------------------------- derived statuses

def test_done_on_time(session: Session, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    task = in_state(session, cast, "accepted", deadline=3)
    assert status_of(session, task) == ("on_time", "on_time")
    move_clock(monkeypatch, 30)
    assert status_of(session, task) == ("on_time", "on_time")


def test_done_late_when_submitted_after_the_deadline(session: Session, cast: Cast,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    task = in_state(session, cast, "in_progress", deadline=3)
    move_clock(monkeypatch, 4)
    assert status_of(session, task) == ("overdue", "overdue")
    assert due_mark(task.state, fresh(session, task.id).deadline, clock.today()) == "overdue"
    task = fresh(session, task.id)
    task = T.do_submit(session, cast.ct, task.id, task.version, "Xong muộn")
    T.do_accept(session, cast.chutich, task.id, task.version)
    assert status_of(session, task) == ("late", "late")


def test_the_submission_date_counts_not_the_acceptance_date(session: Session, cast: Cast,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    task = in_state(session, cast, "submitted", deadline=3)
    move_clock(monkeypatch, 10)
    task = T.do_accept(session, cast.chutich, fresh(session, task.id).id, fresh(session, task.id).version)
    assert status_of(session, task) == ("on_time", "on_time")


def test_the_day_ends_at_midnight_in_ho_chi_minh_city(session: Session, cast: Cast,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    deadline_day = day(3)
    on_time = in_state(session, cast, "in_progress", deadline=3)
    late = in_state(session, cast, "in_progress", deadline=3)
    move_clock(monkeypatch, to=local_instant(deadline_day, 23, 30))  # 16:30 UTC the same day
    T.do_submit(session, cast.ct, on_time.id, fresh(session, on_time.id).version, "Kịp")
    move_clock(monkeypatch, to=local_instant(deadline_day + timedelta(days=1), 0, 30))  # still the deadline day in UTC
    assert clock.now().date() == deadline_day and clock.today() == deadline_day + timedelta(days=1)
    assert status_of(session, late) == ("overdue", "overdue")
    T.do_submit(session, cast.ct, late.id, fresh(session, late.id).version, "Muộn")
    for t in (on_time, late):
        T.do_accept(session, cast.chutich, t.id, fresh(session, t.id).version)
    assert status_of(session, on_time) == ("on_time", "on_time")
    assert status_of(session, late) == ("late", "late")


def test_open_then_due_soon_then_overdue(session: Session, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    task = in_state(session, cast, "received", deadline=10)
    assert status_of(session, task) == ("open", "open") and due_mark("received", day(10), clock.today()) == ""
    move_clock(monkeypatch, 7)
    assert status_of(session, task) == ("open", "open")
    assert due_mark("received", fresh(session, task.id).deadline, clock.today()) == "due_soon"
    move_clock(monkeypatch, 3)
    assert status_of(session, task) == ("open", "open")  # the deadline day itself is still in time
    move_clock(monkeypatch, 1)
    assert status_of(session, task) == ("overdue", "overdue")
    undated = in_state(session, cast, "received", deadline=None)
    assert status_of(session, undated) == ("open", "open")


def test_cancelled_is_neither_done_nor_open(session: Session, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    task = in_state(session, cast, "cancelled", deadline=1)
    move_clock(monkeypatch, 5)
    assert status_of(session, task) == ("cancelled", "cancelled")
    assert due_mark("cancelled", day(-4), clock.today()) == ""


def test_history_is_written_on_the_moved_clock(session: Session, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    move_clock(monkeypatch, -20)
    task = new_task(session, cast)
    created = fresh(session, task.id).created_at
    event = audit_rows(session, task.id)[-1]
    assert abs((event.at - created).total_seconds()) < 60
    assert clock.local_date(event.at) == clock.today()


# ------------------------------------------------------------------------------------------------ notifications

def test_notify_never_tells_the_actor(session: Session, cast: Cast) -> None:
    sent = notifications.notify(session, [cast.chutich.id, cast.ct.id, None, cast.ct.id], "task_progress",
                                actor=cast.chutich, title="x")
    assert sent == {cast.ct.id}
    assert notifications.notify(session, [cast.chutich.id], "task_progress", actor=cast.chutich) == set()


def test_a_leader_acting_for_the_owner_tells_the_assigner_only(session: Session, cast: Cast) -> None:
    task = new_task(session, cast)
    first = max_id(session, Notification)
    T.do_receive(session, cast.pct1s, task.id, task.version)
    assert [(n.recipient_id, n.actor_id) for n in notes(session, since=first)] == [(cast.chutich.id, cast.pct1s.id)]


def test_unread_count_and_mark_all_read(session: Session, cast: Cast) -> None:
    """The bell's own reads and writes (what the page calls)."""
    bell.do_mark_all_read(session, cast.ct)
    assert bell.bell(session, cast.ct, "vi")[0] == 0
    task = new_task(session, cast, title="Việc mới")
    unread, [latest, *_] = bell.bell(session, cast.ct, "vi", 1)
    assert unread == 1 and not latest.read
    assert (latest.kind, latest.link) == ("task_assigned", f"/tasks/{task.id}") and "Việc mới" in latest.text
    bell.do_mark_all_read(session, cast.ct)
    assert bell.bell(session, cast.ct, "vi")[0] == 0


# ---------------------------------------------------------------------------------------------- quick assignment

def quick(session: Session, actor: Official, preset: str, **task):  # noqa: ANN003, ANN201
    spec = qa.DirectiveSpec(source="city_pc", number="2345/UBND-VP", issued_on=clock.today(),
                            summary="Về báo cáo quý IV")
    return qa.do_quick_assign(session, actor, spec, T.NewTask(title="Tổng kết cải cách hành chính", deadline=day(7),
                                                              priority="urgent", **task),
                              qa.preset_ids(session, actor, preset))


@pytest.mark.parametrize(("preset", "n", "kinds"), [
    ("departments", 16, {"office", "department", "inspectorate"}),
    ("wards", 113, {"ward"}),
    ("communes", 55, {"commune", "special_zone"}),
    ("all", 184, {"office", "department", "inspectorate", "ward", "commune", "special_zone"}),
])
def test_quick_assignment_to_a_preset(session: Session, cast: Cast, preset: str, n: int, kinds: set) -> None:
    before = counts(session)
    first_task, first_note = max_id(session, Task), max_id(session, Notification)
    directive, ids = quick(session, cast.chutich, preset)
    assert len(ids) == n == len(set(ids))
    after = counts(session)
    mine = {"task": n, "directive": 1, "task_coordinator": 0, "progress_report": 0, "extension_request": 0,
            "deadline_change": n, "notification": n, "audit_event": n + 1}
    assert {k: after[k] - before[k] for k in mine} == mine
    rows = session.exec(select(Task, Unit).join(Unit, Unit.id == Task.lead_unit_id).where(Task.id > first_task)).all()
    assert {u.kind for _, u in rows} == kinds
    for task, u in rows:
        head = session.exec(select(Official).join(Position, Position.id == Official.position_id)
                            .where(Official.unit_id == u.id, Position.is_head.is_(True))).first()
        assert (task.owner_id, task.directive_id, task.state, task.version, task.deadline, task.priority) == (
            head.id, directive.id, "new", 1, day(7), "urgent")
    sent = notes(session, since=first_note)
    assert sorted(x.recipient_id for x in sent) == sorted(t.owner_id for t, _ in rows)
    assert all(x.kind == "task_assigned" and x.actor_id == cast.chutich.id for x in sent)
    created = session.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task.created", AuditEvent.object_id.in_(ids))).one()
    assert created == n
    # the head of each unit finds it in the inbox
    ct_page = inbox(session, cast.ct, clock.today(), kind="assigned", query="tong ket cai cach")
    assert [i.task_id for i in ct_page.items if i.task_id in ids] == (
        [t.id for t, u in rows if u.code == SAIGON] if preset in ("wards", "all") else [])


def test_the_special_zone_is_with_the_communes(session: Session, cast: Cast) -> None:
    ids = qa.preset_ids(session, cast.chutich, "communes")
    kinds = session.exec(select(Unit.kind, func.count()).where(Unit.id.in_(ids)).group_by(Unit.kind)).all()
    assert dict(kinds) == {"commune": 54, "special_zone": 1}


def test_a_ward_chairman_quick_assigns_to_his_divisions_only(session: Session, cast: Cast) -> None:
    divisions = [t.id for t in qa.targets(session, cast.ct)]
    directive, ids = qa.do_quick_assign(session, cast.ct, qa.DirectiveSpec(source="unit", number="12/KH-UBND"),
                                        T.NewTask(title="Kế hoạch tháng"), divisions)
    assert len(ids) == 3 and directive.unit_id == cast.ct.unit_id
    assert qa.preset_ids(session, cast.ct, "wards") == []
    err = refused(session, qa.do_quick_assign, cast.ct, qa.DirectiveSpec(source="unit"), T.NewTask(title="x"),
                  qa.preset_ids(session, cast.chutich, "wards"))
    assert err.key == "task.error.target"
    err = refused(session, qa.do_quick_assign, cast.ct, qa.DirectiveSpec(source="unit"), T.NewTask(title="x"),
                  [*divisions, unit(session, "25813-P1").id])
    assert err.key == "task.error.target"


@pytest.mark.parametrize(("directive", "units", "key"), [
    (qa.DirectiveSpec(source="gossip"), "wards", "assign.error.source"),
    (qa.DirectiveSpec(source="city_pc", number="2345"), "wards", "assign.error.number"),
    (qa.DirectiveSpec(source="city_pc"), "", "assign.error.no_units"),
])
def test_quick_assignment_is_validated(session: Session, cast: Cast, directive: qa.DirectiveSpec, units: str,
                                       key: str) -> None:
    ids = qa.preset_ids(session, cast.chutich, units) if units else []
    assert refused(session, qa.do_quick_assign, cast.chutich, directive, T.NewTask(title="x"), ids).key == key
    with pytest.raises(Invalid):
        qa.preset_ids(session, cast.chutich, "everyone")


def test_quick_assignment_to_a_unit_without_a_head_creates_nothing(session: Session, cast: Cast) -> None:
    bencat_head = person(session, "ct.bencat")
    bencat_head.active = False
    session.add(bencat_head)
    session.flush()
    err = refused(session, qa.do_quick_assign, cast.chutich, qa.DirectiveSpec(source="city_pc"), T.NewTask(title="x"),
                  qa.preset_ids(session, cast.chutich, "wards"))
    assert err.key == "task.error.no_head" and err.params["unit"] == "Phường Bến Cát"


def test_a_failure_in_the_middle_of_a_quick_assignment_leaves_nothing(session: Session, cast: Cast,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    inserted: list[int] = []

    def broken(session_: Session, rows: list[dict]) -> None:
        inserted.append(session_.exec(select(func.count()).select_from(Task)).one())
        raise RuntimeError("the database went away")

    monkeypatch.setattr(T, "notify_many", broken)
    before = counts(session)
    with pytest.raises(RuntimeError), session.begin_nested():
        quick(session, cast.chutich, "all")
    session.expire_all()
    assert inserted == [before["task"] + 184]  # the tasks were written before the failure ...
    assert counts(session) == before  # ... and are gone with everything else
    assert inbox(session, cast.ct, clock.today(), query="tong ket cai cach").total == 0


def _footprint(session: Session, task_id: int) -> dict:
    """What creating a task wrote besides the task row, in a form that does not depend on ids."""
    task = session.get(Task, task_id)
    group = session.exec(select(Conversation).where(Conversation.task_id == task_id)).one()
    members = set(session.exec(select(ConversationMember.official_id).where(
        ConversationMember.conversation_id == group.id)))
    audit = session.exec(select(AuditEvent).where(AuditEvent.object_type == "task", AuditEvent.object_id == task_id)
                         ).one()
    note = session.exec(select(Notification).where(Notification.task_id == task_id)).one()
    deadlines = session.exec(select(DeadlineChange).where(DeadlineChange.task_id == task_id)).all()
    return {"state": (task.state, task.version, task.progress), "members": members == {task.assigner_id, task.owner_id},
            "audit": (audit.action, sorted(json.loads(audit.detail))),
            "notification": (note.kind, note.recipient_id == task.owner_id, sorted(json.loads(note.params))),
            "deadlines": [(d.old_deadline, d.new_deadline == task.deadline) for d in deadlines]}


def test_single_and_quick_assignment_write_the_same_things(session: Session, cast: Cast) -> None:
    """One write path: a task assigned on its own and one of a quick assignment leave the same footprint, and the
    board counts each once."""
    def counted() -> int:
        return session.exec(select(func.coalesce(func.sum(TaskTally.n), 0))).one()

    start = counted()
    single = new_task(session, cast)
    middle = counted()
    _directive, [fanned] = qa.do_quick_assign(
        session, cast.chutich, qa.DirectiveSpec(source="city_pc", number="12/UBND-VP"),
        T.NewTask(title="Rà soát", deadline=day(10)), [unit(session, BENTHANH).id])
    assert _footprint(session, single.id) == _footprint(session, fanned)
    assert _footprint(session, fanned)["members"] is True
    assert counted() - middle == middle - start > 0


# ------------------------------------------------------------------------------------------------------ inbox

@pytest.fixture
def blank(session: Session) -> None:
    """No demo tasks: the inbox counts below start from zero."""
    clear_tasks(session)


def test_inbox_kinds_and_counts(session: Session, cast: Cast, blank: None) -> None:
    new = new_task(session, cast, title="Mới giao")
    received = in_state(session, cast, "received")
    returned = in_state(session, cast, "returned")
    submitted = in_state(session, cast, "submitted")
    pending = in_state(session, cast, "in_progress")
    request = T.do_request_extension(session, cast.ct, pending.id, pending.version, day(20), "Chờ")
    in_state(session, cast, "accepted")
    in_state(session, cast, "cancelled")
    ct_page = inbox(session, cast.ct, clock.today())
    zero = dict.fromkeys(ct_page.counts, 0)  # other kinds (documents, ...) have nothing here
    assert ct_page.counts == {**zero, "assigned": 1, "processing": 3, "review": 0, "extension": 0}
    assert {(i.kind, i.task_id) for i in ct_page.items} == {
        ("assigned", new.id), ("processing", received.id), ("processing", returned.id), ("processing", pending.id)}
    boss = inbox(session, cast.chutich, clock.today())
    assert boss.counts == {**zero, "assigned": 0, "processing": 0, "review": 1, "extension": 1}
    assert {(i.kind, i.task_id, i.ref_id) for i in boss.items} == {
        ("review", submitted.id, submitted.id), ("extension", pending.id, request.id)}
    assert boss.items[0].unit_name == "Phường Sài Gòn"
    assert inbox(session, cast.chutich, clock.today(), kind="extension").total == 1
    assert inbox(session, person(session, "ct.bencat"), clock.today()).total == 0
    assert inbox(session, cast.cv, clock.today()).total == 0


def test_inbox_order_overdue_then_nearest_deadline_then_priority(session: Session, cast: Cast, blank: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    move_clock(monkeypatch, -10)
    overdue_old = new_task(session, cast, deadline=2, title="quá hạn lâu")   # due 8 days ago
    overdue_new = new_task(session, cast, deadline=8, title="quá hạn mới")   # due 2 days ago
    move_clock(monkeypatch, 10)
    later = new_task(session, cast, deadline=9, priority="flash", title="còn xa, hỏa tốc")
    soon_normal = new_task(session, cast, deadline=2, title="sắp đến, thường")
    soon_urgent = new_task(session, cast, deadline=2, priority="urgent", title="sắp đến, khẩn")
    soon_flash = new_task(session, cast, deadline=2, priority="flash", title="sắp đến, hỏa tốc")
    undated = new_task(session, cast, deadline=None, priority="flash", title="không hạn")
    page = inbox(session, cast.ct, clock.today())
    assert [i.task_id for i in page.items] == [overdue_old.id, overdue_new.id, soon_flash.id, soon_urgent.id,
                                               soon_normal.id, later.id, undated.id]
    assert [i.mark for i in page.items] == ["overdue", "overdue", "due_soon", "due_soon", "due_soon", "", ""]
    assert (page.overdue, page.due_soon) == (2, 3)
    assert [i.task_id for i in inbox(session, cast.ct, clock.today(), due="overdue").items] == [
        overdue_old.id, overdue_new.id]
    assert [i.task_id for i in inbox(session, cast.ct, clock.today(), due="due_soon").items] == [
        soon_flash.id, soon_urgent.id, soon_normal.id]


def test_inbox_search_ignores_diacritics_and_needs_every_word(session: Session, cast: Cast, blank: None) -> None:
    a = new_task(session, cast, title="Lập kế hoạch phòng chống ngập")
    b = new_task(session, cast, title="Báo cáo kế hoạch tài chính")
    new_task(session, cast, title="Chỉnh trang đô thị")

    def found(q: str) -> set[int]:
        return {i.task_id for i in inbox(session, cast.ct, clock.today(), query=q).items}

    assert found("ke hoach") == {a.id, b.id}
    assert found("Kế Hoạch ngập") == {a.id}
    assert found("KE HOACH tai") == {b.id}
    assert found("100%_") == set() and found("zzz") == set()
    assert inbox(session, cast.ct, clock.today(), query="   ").total == 3


def test_inbox_paging(session: Session, cast: Cast, blank: None) -> None:
    made = [new_task(session, cast, deadline=i % 5 + 1, title=f"Việc {i}").id for i in range(7)]
    pages = [inbox(session, cast.ct, clock.today(), page=p, page_size=3) for p in (1, 2, 3, 4)]
    assert [(p.total, p.pages, p.page) for p in pages] == [(7, 3, 1), (7, 3, 2), (7, 3, 3), (7, 3, 4)]
    seen = [i.task_id for p in pages for i in p.items]
    assert sorted(seen) == sorted(made) and len(seen) == 7 and pages[3].items == []
    assert inbox(session, cast.ct, clock.today(), page=0).page == 1


@pytest.mark.parametrize("kw", [{"kind": "spam"}, {"due": "someday"}])
def test_inbox_rejects_unknown_filters(session: Session, cast: Cast, kw: dict) -> None:
    with pytest.raises(ValueError):
        inbox(session, cast.ct, clock.today(), **kw)


# ------------------------------------------------------------------------------------------------- follow-up

def test_follow_up_counts_by_status(session: Session, cast: Cast, blank: None,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ct = cast.ct
    p1 = f"{SAIGON}-P1"
    move_clock(monkeypatch, -10)
    on_time = drive(session, assign(session, ct, unit_code=p1, deadline=5), "accepted", ct, cast.tp1)
    late = drive(session, assign(session, ct, unit_code=p1, deadline=2), "in_progress", ct, cast.tp1)
    overdue = assign(session, ct, official=cast.cv, deadline=3)
    move_clock(monkeypatch, 5)
    late = T.do_submit(session, cast.tp1, late.id, late.version, "Muộn")
    T.do_accept(session, ct, late.id, late.version)
    move_clock(monkeypatch, 5)
    open_ = assign(session, ct, official=cast.cv, deadline=4)
    cancelled = assign(session, ct, official=cast.cv, deadline=4)
    T.do_cancel(session, ct, cancelled.id, cancelled.version, "Bỏ")
    page = follow_up(session, ct, clock.today())
    assert page.counts == {"on_time": 1, "late": 1, "open": 1, "overdue": 1}
    assert page.total == 4 and page.rows[0].id == overdue.id and cancelled.id not in {r.id for r in page.rows}
    assert [r.id for r in follow_up(session, ct, clock.today(), "late").rows] == [late.id]
    assert [r.id for r in follow_up(session, ct, clock.today(), "on_time").rows] == [on_time.id]
    assert [r.id for r in follow_up(session, ct, clock.today(), "open").rows] == [open_.id]
    # a fellow leader of the ward follows the ward's assignments; another ward sees none of them
    assert follow_up(session, cast.pct1s, clock.today()).counts == page.counts
    assert follow_up(session, person(session, "ct.bencat"), clock.today()).total == 0
    with pytest.raises(ValueError):
        follow_up(session, ct, clock.today(), "lost")


def test_directive_matrix_counts_unit_tasks_not_sub_tasks(session: Session, cast: Cast, blank: None) -> None:
    from govhub.services.tasks.views import directive_matrix

    directive, ids = quick(session, cast.chutich, "departments")
    gd = person(session, "gd.taichinh")
    stc = session.exec(select(Task).where(Task.id.in_(ids), Task.owner_id == gd.id)).one()
    stc = T.do_receive(session, gd, stc.id, stc.version)
    T.do_delegate(session, gd, stc.id, stc.version, T.NewTask(title="Tổng hợp"),
                  unit_id=unit(session, "S-STC-P3").id)
    matrix = directive_matrix(session, cast.chutich, directive.id, clock.today())
    assert len(matrix.rows) == 16 and matrix.counts == {"on_time": 0, "late": 0, "open": 16, "overdue": 0}
    assert matrix.label == "2345/UBND-VP" and matrix.source == "city_pc"
    assert session.exec(select(func.count()).select_from(Directive)).one() == 1
    assert session.exec(select(func.count()).select_from(ExtensionRequest)).one() == 0


def test_a_pending_extension_lapses_when_the_task_is_reported_done(session, official) -> None:  # noqa: ANN001
    """Nothing is left to decide once the work is submitted: the request leaves the inbox and cannot move the
    deadline after the fact."""
    from datetime import timedelta

    from govhub import clock
    from govhub.models import ExtensionRequest
    from govhub.services.core.errors import Invalid
    from govhub.services.tasks import inbox
    from govhub.services.tasks.actions import NewTask, do_assign, do_decide_extension, do_request_extension, do_submit

    leader, chairman = official("chutich"), official("ct.saigon")
    task = do_assign(session, leader, NewTask(title="Báo cáo nhanh", deadline=clock.today() + timedelta(days=3)),
                     unit_id=chairman.unit_id)
    request = do_request_extension(session, chairman, task.id, task.version, clock.today() + timedelta(days=9),
                                   "Chờ số liệu")
    assert inbox.inbox(session, leader, clock.today(), kind="extension").total >= 1
    do_submit(session, chairman, task.id, task.version, "Xong")
    session.flush()
    session.expire_all()
    assert session.get(ExtensionRequest, request.id).status == "withdrawn"
    assert all(i.task_id != task.id for i in inbox.inbox(session, leader, clock.today(), kind="extension").items)
    with pytest.raises(Invalid):
        do_decide_extension(session, leader, request.id, True)
