"""The scheduler (APScheduler 3), started from the app's lifespan in every worker; only the leader runs jobs.

Leader: on PostgreSQL the worker holding a session-level advisory lock on a connection it keeps open (if it
dies, the lock goes with its connection and another worker takes over within a minute); on SQLite (one
machine, the embedded deployment) a lock within this process. Even so, each reminder's effect is keyed in
``job_effect``, so two leaders at once (or a rerun) would still send nothing twice."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from govhub import clock
from govhub.config import get_settings
from govhub.db import get_engine, session_scope
from govhub.services.core import mail
from govhub.services.messaging import conversations as messages
from govhub.services.tasks import reminders

log = logging.getLogger("govhub.jobs")
LOCK_KEY = 0x60B4_0B5  # the advisory lock's key: "GovHub jobs"
_process_lock = threading.Lock()


class Leadership:
    """Whether this worker leads the jobs; ``claim()`` tries to become (or stay) the leader."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def claim(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            if not self._held:
                self._held = _process_lock.acquire(blocking=False)
            return self._held
        try:
            if self._conn is not None:
                self._conn.execute(text("SELECT 1"))  # still alive: the lock is still ours
                return True
            conn = self.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
            conn.commit()
            if got:
                self._conn, self._held = conn, True
            else:
                conn.close()
        except Exception:  # noqa: BLE001  (a lost connection means a lost lock)
            log.warning("scheduler leadership check failed", exc_info=True)
            self.release()
        return self._held

    def release(self) -> None:
        if self.engine.dialect.name != "postgresql":
            if self._held:
                self._held = False
                _process_lock.release()
            return
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                self._conn.commit()
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn, self._held = None, False


def _job(leadership: Leadership, name: str, work: Callable) -> Callable[[], None]:
    def run() -> None:
        if not leadership.claim():
            return
        try:
            with session_scope() as session:
                done = work(session)
            if done:
                log.info("job %s: %s", name, done)
        except Exception:  # noqa: BLE001  (the next run tries again; nothing was half-done: one transaction)
            log.exception("job %s failed", name)

    run.__name__ = f"govhub_{name}"
    return run


def build(leadership: Leadership) -> AsyncIOScheduler:
    """The scheduler with GovHub's jobs (sync jobs run in APScheduler's thread pool, off the event loop)."""
    settings = get_settings()
    zone = clock.city_zone()
    hour, _, minute = settings.digest_time.partition(":")
    scheduler = AsyncIOScheduler(timezone=zone, job_defaults={"coalesce": True, "max_instances": 1,
                                                              "misfire_grace_time": 3600})
    scheduler.add_job(_job(leadership, "deadlines", reminders.do_send_deadline_reminders),
                      IntervalTrigger(minutes=15, timezone=zone), id="deadlines", next_run_time=None)
    scheduler.add_job(_job(leadership, "digest", reminders.do_send_digests),
                      CronTrigger(hour=int(hour), minute=int(minute or 0), timezone=zone), id="digest")
    scheduler.add_job(_job(leadership, "personal", reminders.do_send_personal_reminders),
                      IntervalTrigger(minutes=1, timezone=zone), id="personal")
    scheduler.add_job(_job(leadership, "outbox", lambda s: mail.do_send_outbox(s)[0]),
                      IntervalTrigger(seconds=30, timezone=zone), id="outbox")
    scheduler.add_job(_job(leadership, "pending_uploads", messages.do_sweep_pending),
                      IntervalTrigger(hours=1, timezone=zone), id="pending_uploads")
    scheduler.add_job(leadership.claim, IntervalTrigger(seconds=60, timezone=zone), id="leadership")
    return scheduler


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """Registered on the app: the scheduler runs while the worker runs."""
    if not get_settings().scheduler_enabled:
        yield
        return
    leadership = Leadership(get_engine())
    scheduler = build(leadership)
    scheduler.start()
    # First deadline sweep shortly after start (a restart catches up what it missed; keys prevent repeats).
    scheduler.modify_job("deadlines", next_run_time=clock.now().astimezone(clock.city_zone()))
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        leadership.release()
