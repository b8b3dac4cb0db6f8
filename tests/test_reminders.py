"""Reminders with the clock moved forward: created once and e-mailed once (through a real local SMTP server),
however often the job runs; retries when the mail server is down; the digest; personal reminders; one leader."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from govhub import clock
from govhub.config import get_settings
from govhub.models import JobEffect, Notification, OutboxEmail, Unit
from govhub.services.core import mail
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.messaging import bell as push
from govhub.services.tasks import actions as tasks
from govhub.services.tasks import reminders
from govhub.services.tasks import views as task_views
from tests.netkit import free_port


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.mails]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", port)
    monkeypatch.setattr(settings, "smtp_tls", "none")
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _few_mailboxes(session: Session) -> None:  # noqa: ANN001
    """Only the two officials these tests follow keep an e-mail address (the demo city's other tasks would
    otherwise send hundreds of reminders through the test server, slowly)."""
    from sqlalchemy import update

    from govhub.models import Official

    session.execute(update(Official).where(Official.username.not_in(["ct.saigon", "chutich"])).values(email=""))


@pytest.fixture
def moved_clock():  # noqa: ANN201
    saved = clock._offset

    def move(days: float = 0, hours: float = 0) -> None:
        clock._offset = timedelta(days=days, hours=hours)

    yield move
    clock._offset = saved


def drain_all(session: Session) -> int:
    total = 0
    while True:
        sent, failed = mail.do_send_outbox(session)
        total += sent
        if not sent and not failed:
            return total


def saigon_task(session: Session, official, title: str, days: int) -> int:  # noqa: ANN001
    unit = official("ct.saigon").unit_id
    task = tasks.do_assign(session, official("chutich"), tasks.NewTask(
        title=title, deadline=clock.today() + timedelta(days=days)), unit_id=unit)
    session.flush()
    return task.id


def reminders_of(session: Session, task_id: int) -> list[tuple[str, int]]:
    return [(n.kind, n.recipient_id) for n in session.exec(select(Notification).where(
        Notification.task_id == task_id, Notification.kind.in_(["deadline_soon", "deadline_today", "overdue"]))
        .order_by(Notification.id)).all()]


def test_a_deadline_reminder_is_created_and_emailed_once(session, official, smtp, moved_clock) -> None:  # noqa: ANN001
    title = "Báo cáo tình hình giải ngân (nhắc hạn)"
    task_id = saigon_task(session, official, title, days=5)
    owner, assigner = official("ct.saigon").id, official("chutich").id
    reminders.do_send_deadline_reminders(session)
    assert reminders_of(session, task_id) == []  # 5 days left: nothing yet

    moved_clock(days=2)  # 3 days left
    reminders.do_send_deadline_reminders(session)
    reminders.do_send_deadline_reminders(session)  # the job runs twice: still once
    assert reminders_of(session, task_id) == [("deadline_soon", owner)]
    drain_all(session)
    drain_all(session)
    mine = [s for s in smtp.subjects() if title in s]
    assert mine == [f"[GovHub] Còn 3 ngày đến hạn: {title}"]
    sent = next(m for m in smtp.mails if title in str(m["Subject"]))
    assert str(sent["To"]).startswith("ct.saigon@")
    assert "Kính gửi" in sent.get_content() and f"/tasks/{task_id}" in sent.get_content()

    moved_clock(days=4)  # 1 day left
    reminders.do_send_deadline_reminders(session)
    moved_clock(days=5)  # the deadline day
    reminders.do_send_deadline_reminders(session)
    moved_clock(days=6)  # it passed: the owner and the assigner are told, once
    reminders.do_send_deadline_reminders(session)
    reminders.do_send_deadline_reminders(session)
    assert reminders_of(session, task_id) == [
        ("deadline_soon", owner), ("deadline_soon", owner), ("deadline_today", owner),
        *sorted([("overdue", owner), ("overdue", assigner)], key=lambda r: r[1])]
    drain_all(session)
    assert len([s for s in smtp.subjects() if title in s]) == 5


def test_an_extended_deadline_is_reminded_again_and_a_done_task_not_at_all(session, official, moved_clock) -> None:  # noqa: ANN001
    task_id = saigon_task(session, official, "Gia hạn rồi nhắc lại", days=3)
    reminders.do_send_deadline_reminders(session)
    task = session.get(tasks.Task, task_id)
    task.deadline = task.deadline + timedelta(days=10)
    session.add(task)
    session.flush()
    moved_clock(days=10)
    reminders.do_send_deadline_reminders(session)
    assert [k for k, _ in reminders_of(session, task_id)] == ["deadline_soon", "deadline_soon"]
    done = saigon_task(session, official, "Đã xong", days=3)
    session.get(tasks.Task, done).state = "accepted"
    session.flush()
    reminders.do_send_deadline_reminders(session)
    assert reminders_of(session, done) == []


def test_mail_is_retried_when_the_server_is_down(session, official, smtp, moved_clock, monkeypatch) -> None:  # noqa: ANN001
    mail.enqueue_many(session, [{"to": "ct.saigon@tphcm.gov.vn", "subject": "Thử gửi lại", "body": "Nội dung"}])
    port = get_settings().smtp_port
    monkeypatch.setattr(get_settings(), "smtp_port", free_port())  # nothing listens there
    while mail.do_send_outbox(session) != (0, 0):
        pass
    row = session.exec(select(OutboxEmail).where(OutboxEmail.subject == "Thử gửi lại")).one()
    assert (row.status, row.attempts) == ("pending", 1) and row.last_error
    monkeypatch.setattr(get_settings(), "smtp_port", port)
    assert mail.do_send_outbox(session) == (0, 0) or "Thử gửi lại" not in smtp.subjects()  # not due yet
    moved_clock(hours=1)
    drain_all(session)
    session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 2)
    assert smtp.subjects().count("Thử gửi lại") == 1
    # Every attempt carries the same Message-ID, so a resend after a crash can be recognised downstream.
    received = [m for m in smtp.mails if str(m["Subject"]) == "Thử gửi lại"]
    expected = f"<{int(row.created_at.timestamp())}.outbox{row.id}@tphcm.gov.vn>"
    assert str(received[0]["Message-ID"]) == mail.message_id(row) == expected


def test_the_morning_digest_once_a_day_per_unit_head(session, official, moved_clock) -> None:  # noqa: ANN001
    saigon_task(session, official, "Việc cho bản tin sáng", days=2)
    first = reminders.do_send_digests(session)
    assert first >= 1 and reminders.do_send_digests(session) == 0
    head = official("ct.saigon")
    digests = session.exec(select(Notification).where(Notification.recipient_id == head.id,
                                                      Notification.kind == "digest")).all()
    assert len(digests) == 1 and '"due_soon": ' in digests[0].params
    moved_clock(days=1)
    assert reminders.do_send_digests(session) >= 1


def test_personal_reminders(session, official, moved_clock) -> None:  # noqa: ANN001
    task_id = saigon_task(session, official, "Nhắc riêng", days=9)
    me = official("ct.saigon")
    reminders.do_remind_me(session, me, task_id, clock.now() + timedelta(hours=2), "Gọi cho Sở Tài chính")
    assert reminders.do_send_personal_reminders(session) == 0
    moved_clock(hours=3)
    assert reminders.do_send_personal_reminders(session) == 1
    assert reminders.do_send_personal_reminders(session) == 0
    kinds = session.exec(select(Notification.params).where(Notification.recipient_id == me.id,
                                                           Notification.kind == "personal_reminder")).all()
    assert len(kinds) == 1 and "Gọi cho Sở Tài chính" in kinds[0]
    # Denial twins: a task one may not see, a moment in the past.
    with pytest.raises(NotFound):
        reminders.do_remind_me(session, official("cv.saigon"), task_id, clock.now() + timedelta(hours=1))
    with pytest.raises(Invalid):
        reminders.do_remind_me(session, me, task_id, clock.now() - timedelta(minutes=1))


def test_my_reminders_are_listed_for_me_only_and_can_be_cancelled(session, official, moved_clock) -> None:  # noqa: ANN001
    from govhub.models import AuditEvent, PersonalReminder

    task_id = saigon_task(session, official, "Nhắc riêng có thể bỏ", days=9)
    me, chair = official("ct.saigon"), official("chutich")
    at = clock.now().astimezone(clock.city_zone()).replace(second=0, microsecond=0) + timedelta(hours=2)
    later = reminders.do_remind_me(session, me, task_id, at + timedelta(hours=1), "Họp giao ban")
    sooner = reminders.do_remind_me(session, me, task_id, at)
    reminders.do_remind_me(session, chair, task_id, at, "Của người khác")
    rows = reminders.pending_reminders(session, me, task_id)
    assert [(r.id, r.at, r.note) for r in rows] == [
        (sooner.id, at.strftime("%H:%M %d/%m/%Y"), ""),
        (later.id, (at + timedelta(hours=1)).strftime("%H:%M %d/%m/%Y"), "Họp giao ban")]  # city time, soonest first
    # Denial twin: somebody else's reminder is not mine to cancel (nor to see).
    with pytest.raises(NotFound):
        reminders.do_cancel_reminder(session, chair, sooner.id)
    reminders.do_cancel_reminder(session, me, sooner.id)
    assert [r.id for r in reminders.pending_reminders(session, me, task_id)] == [later.id]
    cancelled = session.exec(select(AuditEvent).where(AuditEvent.action == "reminder.cancelled",
                                                      AuditEvent.actor_id == me.id)).one()
    assert (cancelled.object_type, cancelled.object_id) == ("reminder", sooner.id)
    # Private: nothing of it in the task's history, which everyone on the task reads.
    assert not [e for e in task_views.timeline(session, task_id) if "reminder" in e.action]
    # A cancelled reminder never fires; a sent one leaves the list and can no longer be cancelled.
    moved_clock(hours=4)
    assert reminders.do_send_personal_reminders(session) == 2  # mine (the later one) and chutich's
    assert reminders.pending_reminders(session, me, task_id) == []
    assert session.get(PersonalReminder, sooner.id) is None
    fired = session.exec(select(Notification).where(Notification.recipient_id == me.id,
                                                     Notification.kind == "personal_reminder")).one()
    assert push.render(fired, "vi").text == "Nhắc việc «Nhắc riêng có thể bỏ» Họp giao ban"  # title and note apart
    assert push.render(fired, "vi").link == f"/tasks/{task_id}"
    with pytest.raises(NotFound):
        reminders.do_cancel_reminder(session, me, later.id)


def test_effect_keys_are_claimed_once(session) -> None:  # noqa: ANN001
    from govhub.services.core.db_util import claim_keys

    now = clock.now()
    assert claim_keys(session, JobEffect, "key", [{"key": "k1", "at": now}, {"key": "k2", "at": now}]) == {"k1", "k2"}
    assert claim_keys(session, JobEffect, "key", [{"key": "k2", "at": now}, {"key": "k3", "at": now}]) == {"k3"}


def test_one_scheduler_leader_at_a_time(seeded_engine) -> None:  # noqa: ANN001
    from govhub.jobs.scheduler import Leadership

    first, second = Leadership(seeded_engine), Leadership(seeded_engine)
    try:
        assert first.claim() and first.claim()
        assert not second.claim()
        first.release()
        assert second.claim()
        assert not first.claim()
    finally:
        first.release()
        second.release()


def test_the_scheduler_has_its_jobs() -> None:
    from govhub.jobs.scheduler import Leadership, build

    scheduler = build(Leadership.__new__(Leadership))
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert {"deadlines", "digest", "personal", "outbox", "leadership"} <= set(jobs)
    digest = str(jobs["digest"].trigger)
    assert "hour='7'" in digest and "minute='30'" in digest and "Ho_Chi_Minh" in str(jobs["digest"].trigger.timezone)


def test_units_exist(session) -> None:  # noqa: ANN001
    assert session.exec(select(Unit).where(Unit.kind == "ward")).first() is not None
