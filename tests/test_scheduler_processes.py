"""The scheduler across real processes on PostgreSQL: two workers (tests/scheduler_worker.py, each running the
real ``govhub.jobs.scheduler`` jobs with the real ``Leadership``) fire at the same instant, round after round, the
clock moved day by day through a batch of deadlines, the e-mail going to a real SMTP server (aiosmtpd) run here.

- One leader at a time: in every round exactly one worker leads (and it is the one PostgreSQL says holds the
  advisory lock); killing it (SIGKILL) in the middle of a job hands the lead to the other at once, and the killed
  worker's half-done transaction, still alive in PostgreSQL, races the new leader without sending anything twice.
- The twin, leadership bypassed: both workers run the job bodies at once (held at the same point by a lock on
  ``job_effect``, then let go together); the ``job_effect`` keys alone still make every reminder happen once.

Each notification row exists once, each e-mail reaches the SMTP server once. A database of its own per test."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, func, select

from govhub import clock
from govhub.db import make_engine
from govhub.jobs.scheduler import LOCK_KEY, Leadership, build
from govhub.migrations import upgrade
from govhub.models import Notification, Official, OutboxEmail, PersonalReminder, Position, Task, Unit
from tests.conftest import PG_URL
from tests.netkit import free_port
from tests.pgkit import create_database, drop_database
from tests.serverkit import NO_POSTGRES

pytestmark = pytest.mark.skipif(not PG_URL, reason=NO_POSTGRES)

ROOT = Path(__file__).resolve().parent.parent
TASKS = 20  # deadlines in the batch; the busiest day (overdue: owner and assigner) stays within one outbox drain
JOBS = ["deadlines", "personal", "digest", "outbox"]
DAYS = [0, 0, 2, 3, 4]  # 3 days left, the same day again, 1 day left, the deadline, overdue
WAIT = 20.0  # seconds any one step may take before the test gives up


# --- the database -------------------------------------------------------------------------------------------------


@dataclass
class City:
    """The seeded people and tasks, and the moment (noon, city time) the batch starts."""

    url: str
    engine: Engine
    start: datetime
    leader: int
    head: int
    tasks: dict[int, int]  # task id → owner id
    personal: tuple[int, int]  # (official, task) of the one personal reminder


@pytest.fixture
def city() -> Iterator[City]:
    """A fresh PostgreSQL database (created and dropped here): a ward whose TASKS tasks from the city all fall due
    3 days after the start, owned in turn by the ward chairman and two officers; everyone has an e-mail address."""
    url = create_database("govhub_sched")
    engine = None
    try:
        upgrade(url)
        engine = make_engine(url)
        start = datetime.combine(datetime.now(clock.city_zone()).date(), clock_time(12), clock.city_zone())
        with Session(engine) as s:
            town = Unit(code="TP", kind="city", name="Ủy ban nhân dân Thành phố")
            s.add(town)
            s.flush()
            ward = Unit(code="W1", kind="ward", name="Phường Thử Nghiệm", parent_id=town.id)
            head_post = Position(code="chu_tich", title="Chủ tịch", rank=10, is_head=True)
            officer = Position(code="chuyen_vien", title="Chuyên viên", rank=31)
            s.add_all([ward, head_post, officer])
            s.flush()
            people = [Official(username=u, full_name=n, email=f"{u}@thu.gov.vn", unit_id=unit, position_id=post,
                               locale="vi")
                      for u, n, unit, post in [("lanhdao", "Nguyễn Văn Lãnh", town.id, head_post.id),
                                               ("ct.phuong", "Trần Thị Chủ", ward.id, head_post.id),
                                               ("cv1", "Lê Văn Một", ward.id, officer.id),
                                               ("cv2", "Phạm Thị Hai", ward.id, officer.id)]]
            s.add_all(people)
            s.flush()
            leader, head, cv1, cv2 = (p.id for p in people)
            owners = [head, cv1, cv2]
            tasks = [Task(title=f"Báo cáo số {i + 1} (nhắc hạn đa tiến trình)", assigner_id=leader,
                          assigner_unit_id=town.id, lead_unit_id=ward.id, owner_id=owners[i % 3],
                          deadline=start.date() + timedelta(days=3), state="received") for i in range(TASKS)]
            s.add_all(tasks)
            s.flush()
            s.add(PersonalReminder(official_id=cv1, task_id=tasks[0].id, remind_at=start + timedelta(hours=1),
                                   note="Gọi cho phường"))
            s.commit()
            seeded = City(url, engine, start, leader, head, {t.id: t.owner_id for t in tasks}, (cv1, tasks[0].id))
        yield seeded
    finally:
        if engine is not None:
            engine.dispose()
        drop_database(url)


def expected_notifications(city: City) -> Counter:
    """Every reminder the batch must produce, once: (recipient, kind, task, days left or digest date)."""
    want: Counter = Counter()
    for task_id, owner in city.tasks.items():
        want.update([(owner, "deadline_soon", task_id, 3), (owner, "deadline_soon", task_id, 1),
                     (owner, "deadline_today", task_id, None), (owner, "overdue", task_id, None),
                     (city.leader, "overdue", task_id, None)])
    for day in sorted(set(DAYS)):
        want[(city.head, "digest", None, (city.start + timedelta(days=day)).strftime("%d/%m/%Y"))] += 1
    want[(city.personal[0], "personal_reminder", city.personal[1], None)] += 1
    return want


def expected_done(day: int, first_time: bool) -> dict[str, int]:
    """What the jobs deliver on a day of the batch (nothing when the day was already done)."""
    if not first_time:
        return {}
    deadlines = {0: TASKS, 2: TASKS, 3: TASKS, 4: 2 * TASKS}[day]
    done = {"deadlines": deadlines, "digest": 1, "outbox": deadlines + 1}
    if day == 2:  # the personal reminder (start + 1 hour) has come
        done["personal"], done["outbox"] = 1, deadlines + 2
    return done


def notifications(engine: Engine) -> Counter:
    with Session(engine) as s:
        rows = s.exec(select(Notification.recipient_id, Notification.kind, Notification.task_id,
                             Notification.params)).all()
    return Counter((r, k, t, json.loads(p).get("days") if k != "digest" else json.loads(p)["date"])
                   for r, k, t, p in rows)


def pending_mail(engine: Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status != "sent")).one()


# --- PostgreSQL's view: who holds the lead, who waits at the gate --------------------------------------------------


def lock_holders(engine: Engine) -> list[str]:
    """The workers (application names) holding the scheduler's advisory lock in this database."""
    with engine.connect() as conn:
        return sorted(conn.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :k "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            {"k": LOCK_KEY}).scalars())


def gate_waiters(engine: Engine) -> list[str]:
    """The workers whose job transaction waits at the gate (to claim its first ``job_effect`` key)."""
    with engine.connect() as conn:
        return sorted(conn.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.relation = 'job_effect'::regclass AND NOT l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalars())


def wait_for(what: str, check: Callable[[], bool], seconds: float = WAIT) -> None:
    """Poll until ``check()``."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > seconds:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Gate:
    """``job_effect`` locked by the test: a job body that reaches its first key claim waits there, with its
    transaction open (its tasks read), until the gate opens and lets every waiter go at once."""

    def __init__(self, engine: Engine) -> None:
        self.conn = engine.connect()
        self.tx = self.conn.begin()
        self.conn.execute(text("LOCK TABLE job_effect IN ACCESS EXCLUSIVE MODE"))

    def open(self) -> None:
        if self.conn.closed:
            return
        self.tx.commit()
        self.conn.close()


# --- SMTP and the worker processes ---------------------------------------------------------------------------------


class Inbox:
    """The local SMTP server's record: the outbox id in each received message's Message-ID, and its recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[int, tuple[str, ...]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        outbox_id = int(str(message["Message-ID"]).split("outbox", 1)[1].split("@", 1)[0])
        self.received.append((outbox_id, tuple(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Worker:
    """One scheduler worker process (tests/scheduler_worker.py), its connections named ``sched-NAME``."""

    def __init__(self, name: str, city: City, smtp_port: int, logs: Path, *, everyone_leads: bool = False) -> None:
        self.name, self.app = name, f"sched-{name}"
        url = make_url(city.url).update_query_dict({"application_name": self.app})
        env = {**os.environ, "GOVHUB_ENV": "test", "GOVHUB_DATABASE_URL": url.render_as_string(hide_password=False),
               "GOVHUB_SMTP_HOST": "127.0.0.1", "GOVHUB_SMTP_PORT": str(smtp_port), "GOVHUB_SMTP_TLS": "none",
               "GOVHUB_REMINDER_DAYS": "3,1", "GOVHUB_PUBLIC_URL": "https://govhub.thu.vn"}
        self.log = logs / f"worker-{name}.log"
        argv = [sys.executable, "-m", "tests.scheduler_worker", name, *(["--everyone-leads"] if everyone_leads else [])]
        with self.log.open("w") as stderr:
            self.proc = subprocess.Popen(
                argv,
                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
                start_new_session=True)
        self.replies: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.replies.put(json.loads(line))

    def send(self, **cmd: object) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def reply(self, seconds: float = WAIT) -> dict:
        try:
            return self.replies.get(timeout=seconds)
        except queue.Empty:
            tail = "\n".join(self.log.read_text().splitlines()[-20:])
            raise AssertionError(f"worker {self.name} did not answer in {seconds} s; its log:\n{tail}") from None

    def kill(self) -> None:
        """SIGKILL: no goodbye, no unlock; PostgreSQL sees the connections drop."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=WAIT)

    def stop(self) -> None:
        """Close its stdin: it lets go of the lead and ends (killed if it does not)."""
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def spawn(city: City, smtp: tuple[Inbox, int], tmp_path: Path) -> Iterator[Callable[..., list[Worker]]]:
    """Start workers (all ready, imports done, before this returns); all are stopped at the end."""
    started: list[Worker] = []

    def start(*names: str, everyone_leads: bool = False) -> list[Worker]:
        workers = [Worker(n, city, smtp[1], tmp_path, everyone_leads=everyone_leads) for n in names]
        started.extend(workers)
        for w in workers:
            assert w.reply(60).get("ready"), w.name
        return workers

    yield start
    for w in started:
        w.stop()


def fire(workers: list[Worker], city: City, day: int, jobs: list[str] = JOBS) -> None:
    """Tell every worker to run the jobs at one instant 0.3 s from now, the clock at the start + ``day`` days."""
    at = time.time() + 0.3
    for w in workers:
        w.send(op="round", at=at, now=(city.start + timedelta(days=day)).isoformat(), jobs=jobs)


def collect(workers: list[Worker]) -> dict[str, dict]:
    out = {w.name: w.reply() for w in workers}
    for name, r in out.items():
        assert not r["errors"] and not r["warnings"], f"{name}: {r['errors']} {r['warnings']}"
    return out


def drain_rest(workers: list[Worker], city: City, sent: Counter | None = None) -> Counter:
    """Run the outbox job (on every worker at once) until nothing is left to send; e-mails sent per worker."""
    sent = Counter() if sent is None else sent
    for _ in range(5):
        if not pending_mail(city.engine):
            return sent
        fire(workers, city, DAYS[-1], ["outbox"])
        for name, r in collect(workers).items():
            sent[name] += r["done"].get("outbox", 0)
    assert not pending_mail(city.engine)
    return sent


def assert_exactly_once(city: City, inbox: Inbox) -> None:
    """Every reminder one notification row; every notification one e-mail, received once by the SMTP server."""
    got = notifications(city.engine)
    want = expected_notifications(city)
    assert got == want, {"missing": want - got, "extra or repeated": got - want}
    with Session(city.engine) as s:
        outbox = {m.id: m.to_addr for m in s.exec(select(OutboxEmail)).all()}
        addresses = dict(s.exec(select(Official.id, Official.email)).all())
    assert len(outbox) == sum(want.values())
    assert Counter(a for a in outbox.values()) == Counter(addresses[r] for r, *_ in want.elements())
    received = Counter(i for i, _ in inbox.received)
    assert [i for i, n in received.items() if n > 1] == [], "e-mails received more than once"
    assert set(received) == set(outbox)
    assert all(rcpt == (outbox[i],) for i, rcpt in inbox.received)


def report(title: str, lines: list[str]) -> None:
    print(f"\n{title}\n  " + "\n  ".join(lines))


# --- the tests -------------------------------------------------------------------------------------------------------


def test_one_leader_across_processes_and_a_killed_leader_is_replaced(city, smtp, spawn) -> None:  # noqa: ANN001
    inbox, _ = smtp
    claim_interval = build(Leadership.__new__(Leadership)).get_job("leadership").trigger.interval.total_seconds()
    a, b = spawn("A", "B")
    log: list[str] = []
    seen: set[int] = set()

    def round_of(workers: list[Worker], day: int) -> str:
        fire(workers, city, day)
        out = collect(workers)
        leaders = [n for n, r in out.items() if r["held"]]
        assert len(leaders) == 1, out
        assert lock_holders(city.engine) == [f"sched-{leaders[0]}"]
        for n, r in out.items():  # only the leader ran anything
            assert r["done"] == (expected_done(day, day not in seen) if r["held"] else {}), (n, day, r)
        skew = abs(out[workers[0].name]["started"] - out[workers[-1].name]["started"])
        log.append(f"day {day}: {'+'.join(out)} fired together (skew {skew * 1000:.0f} ms); "
                   f"{leaders[0]} led and ran {out[leaders[0]]['done'] or 'nothing new'}")
        seen.add(day)
        return leaders[0]

    first = round_of([a, b], 0)
    assert round_of([a, b], 0) == first  # the same day again: the same leader, nothing new
    leader, other = (a, b) if first == "A" else (b, a)

    # Day 2: the leader is killed in the middle of its deadline job (its transaction waits at the gate).
    gate = Gate(city.engine)
    try:
        fire([leader, other], city, 2)
        assert other.reply()["held"] is False
        wait_for("the leader inside its job", lambda: gate_waiters(city.engine) == [leader.app])
        killed_at = time.time()
        leader.kill()
        other.send(op="lead", within=claim_interval)
        took = other.reply(claim_interval + WAIT)["at"] - killed_at
        assert lock_holders(city.engine) == [other.app]
        assert took < claim_interval
        log.append(f"day 2: {leader.name} killed (SIGKILL) inside its deadline job; {other.name} led "
                   f"{took * 1000:.0f} ms later (claim interval {claim_interval:.0f} s)")
        # The new leader's day-2 run meets the killed leader's transaction, still open in PostgreSQL.
        fire([other], city, 2)
        wait_for("the new leader inside its job", lambda: other.app in gate_waiters(city.engine))
        zombie = leader.app in gate_waiters(city.engine)
    finally:
        gate.open()
    out = collect([other])[other.name]
    assert out["held"] and out["done"] == expected_done(2, True), out
    seen.add(2)
    log.append(f"day 2: {other.name} ran {out['done']}"
               + (f" (racing {leader.name}'s orphaned transaction, which never committed)" if zombie else ""))

    # A restarted worker joins; the survivor keeps the lead.
    (c,) = spawn("C")
    for day in (3, 4):
        assert round_of([other, c], day) == other.name
    drain_rest([other, c], city)
    report("one leader, real processes:", log)
    assert_exactly_once(city, inbox)


def test_keys_alone_hold_when_every_process_runs_the_jobs(city, smtp, spawn) -> None:  # noqa: ANN001
    inbox, _ = smtp
    workers = spawn("A", "B", everyone_leads=True)
    log: list[str] = []
    seen: set[int] = set()
    sent: Counter = Counter()
    for day in DAYS:
        gate = Gate(city.engine)
        try:
            fire(workers, city, day)
            # Both job bodies are in their transactions at the same point before any key is claimed.
            wait_for("both workers inside the deadline job", lambda: gate_waiters(city.engine) == ["sched-A",
                                                                                                   "sched-B"])
        finally:
            gate.open()
        out = collect(workers)
        want = expected_done(day, day not in seen)
        seen.add(day)
        sent.update({n: r["done"].get("outbox", 0) for n, r in out.items()})
        for job in ("deadlines", "personal", "digest"):  # between them, exactly what was due
            assert sum(r["done"].get(job, 0) for r in out.values()) == want.get(job, 0), (day, job, out)
        log.append(f"day {day}: both in the job at once; " + "; ".join(f"{n} ran {r['done'] or 'nothing new'}"
                                                                        for n, r in out.items()))
    drain_rest(workers, city, sent)
    log.append("e-mails sent (outbox job, both draining at once): "
               + ", ".join(f"{n} {k}" for n, k in sorted(sent.items())))
    report("leadership bypassed, keys alone:", log)
    assert_exactly_once(city, inbox)
