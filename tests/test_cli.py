"""`govhub status --json`: enough counts for a script to see the city is alive (directives, tasks by workflow state and
by reporting status, documents, conversations, messages, news, unread notifications), each equal to a count made
row by row in Python; an empty database reports only where it is."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from govhub import clock
from govhub.cli import main, status_counts
from govhub.config import get_settings
from govhub.db import get_engine, make_engine
from govhub.demo.city import seed_demo
from govhub.migrations import upgrade
from govhub.models import (
    Conversation,
    Directive,
    Document,
    ExtensionRequest,
    Message,
    MessageAck,
    MessageAttachment,
    News,
    Notification,
    Official,
    Task,
)
from govhub.services.tasks.status import report_status


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("GOVHUB_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of its own: the demo city, with a message, an instruction acknowledged with a file, news (one
    pinned, one no longer) and a pending extension request, so no count is trivially zero."""
    url = f"sqlite:///{tmp_path_factory.mktemp('status') / 'city.db'}"
    upgrade(url)
    engine = make_engine(url)
    today = clock.today()
    with Session(engine) as s:
        seed_demo(s)
        s.commit()
        chair = s.exec(select(Official).where(Official.username == "chutich")).one()
        other = s.exec(select(Official).where(Official.username == "cv.saigon")).one()
        conversation = s.exec(select(Conversation)).first()
        task = s.exec(select(Task).where(Task.deadline.is_not(None))).first()
        text = Message(conversation_id=conversation.id, author_id=chair.id, body="Báo cáo tiến độ")
        order = Message(conversation_id=conversation.id, author_id=chair.id, kind="instruction", body="Khẩn trương")
        s.add_all([text, order,
                   News(author_id=chair.id, title="Tin mới", pinned_until=today + timedelta(days=3)),
                   News(author_id=chair.id, title="Tin cũ", pinned_until=today - timedelta(days=1)),
                   ExtensionRequest(task_id=task.id, requested_by_id=other.id, decider_id=chair.id,
                                    proposed_deadline=today + timedelta(days=30), reason="Chờ số liệu")])
        s.flush()
        s.add_all([MessageAck(message_id=order.id, official_id=other.id),
                   MessageAttachment(message_id=order.id, stored_name="status-test.pdf", original_name="kế hoạch.pdf",
                                     content_type="application/pdf", size=10)])
        s.commit()
    engine.dispose()
    return url


@pytest.fixture
def on_city(city: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _use_database(monkeypatch, city)
    yield city
    monkeypatch.undo()
    get_settings.cache_clear()
    get_engine.cache_clear()


def _by(values: list, keys: tuple[str, ...] = ()) -> dict[str, int]:
    return {**dict.fromkeys(keys, 0), **Counter(values)}


def brute_force(url: str, today: date) -> dict:
    """The same counts, row by row in Python."""
    engine = make_engine(url)
    with Session(engine) as s:
        tasks = s.exec(select(Task)).all()
        news = s.exec(select(News)).all()
        notifications = s.exec(select(Notification)).all()
        out = {
            "directives": _by([d.source for d in s.exec(select(Directive))]),
            "task_states": _by([t.state for t in tasks]),
            "report": _by([report_status(t.state, t.deadline, t.done_on, today) for t in tasks]),
            "sub_tasks": sum(t.parent_id is not None for t in tasks),
            "extensions": _by([e.status for e in s.exec(select(ExtensionRequest))]),
            "documents": _by([d.state for d in s.exec(select(Document))]),
            "conversations": _by([c.kind for c in s.exec(select(Conversation))]),
            "messages": _by([m.kind for m in s.exec(select(Message))]),
            "attachments": len(s.exec(select(MessageAttachment)).all()),
            "acks": len(s.exec(select(MessageAck)).all()),
            "news": (len(news), sum(n.pinned_until >= today for n in news)),
            "notifications": (len(notifications), sum(n.read_at is None for n in notifications)),
        }
    engine.dispose()
    return out


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def test_status_counts_equal_a_row_by_row_count(on_city: str) -> None:
    today = clock.today()
    got, want = status_counts(today), brute_force(on_city, today)
    assert got["revision"] is not None and got["officials"] > 0
    assert got["directives"]["total"] == sum(want["directives"].values()) > 0
    assert _nonzero(got["directives"]["by_source"]) == want["directives"]
    tasks = got["tasks"]
    assert tasks["total"] == sum(want["task_states"].values()) > 0
    assert set(tasks["by_state"]) >= {"new", "received", "in_progress", "submitted", "accepted", "returned",
                                      "cancelled"}
    assert _nonzero(tasks["by_state"]) == want["task_states"]
    assert set(tasks["by_report_status"]) == {"on_time", "late", "open", "overdue", "cancelled"}
    assert _nonzero(tasks["by_report_status"]) == want["report"]
    assert sum(tasks["by_report_status"].values()) == tasks["total"]
    assert tasks["sub_tasks"] == want["sub_tasks"]
    assert got["extension_requests"] == {"total": sum(want["extensions"].values()), "by_status": want["extensions"]}
    assert want["extensions"]["pending"] >= 1
    assert _nonzero(got["documents"]["by_state"]) == want["documents"]
    assert got["documents"]["total"] == sum(want["documents"].values())
    assert _nonzero(got["conversations"]["by_kind"]) == want["conversations"]
    assert got["conversations"]["total"] == sum(want["conversations"].values()) > 0
    assert _nonzero(got["messages"]["by_kind"]) == want["messages"]
    assert got["messages"]["total"] == sum(want["messages"].values()) >= 2
    assert (got["messages"]["attachments"], got["messages"]["acknowledgements"]) == (1, 1)
    assert (got["news"]["total"], got["news"]["pinned"]) == want["news"] and want["news"][1] < want["news"][0]
    assert (got["notifications"]["total"], got["notifications"]["unread"]) == want["notifications"]


def test_the_command_prints_the_same_as_json(on_city: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(status_counts()))
    assert printed["tasks"]["by_report_status"]["overdue"] == status_counts()["tasks"]["by_report_status"]["overdue"]


def test_a_database_without_tables_reports_only_where_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use_database(monkeypatch, f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert status_counts() == {"database_url": f"sqlite:///{tmp_path / 'empty.db'}", "revision": None}
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_engine.cache_clear()
