"""A scheduler worker in a process of its own, driven by tests/test_scheduler_processes.py.

It builds the real scheduler (``govhub.jobs.scheduler.build``) around the real ``Leadership`` on the database and
SMTP server named by the usual GOVHUB_* environment, and runs that scheduler's job functions (the very callables
APScheduler would run) when told to, at an agreed instant, with the clock showing an agreed moment. With
``--everyone-leads`` leadership is bypassed: every worker runs every job body, as two leaders at once would.

    python -m tests.scheduler_worker NAME [--everyone-leads]

Commands on stdin, one JSON object a line; one JSON reply a line on stdout:
    {"op": "round", "at": <epoch seconds>, "now": <ISO instant>, "jobs": ["deadlines", ...]}
        → {"held", "done": {job: count}, "errors", "warnings", "started", "ended"}
    {"op": "lead", "within": <seconds>}   run the "leadership" job until this worker leads → {"held", "at"}
The worker lets go of the lead and ends when its stdin closes.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import UTC, datetime

from govhub import clock
from govhub.db import get_engine
from govhub.jobs.scheduler import Leadership, build


class EveryoneLeads(Leadership):
    """Leadership bypassed: this worker always runs the jobs (only the job_effect keys stand between two)."""

    def claim(self) -> bool:
        self._held = True
        return True


class JobLog(logging.Handler):
    """What the jobs logged during a round: "job NAME: N" (done counts), failures and warnings."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.clear()

    def clear(self) -> None:
        self.done: dict[str, int] = {}
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            detail = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
            self.errors.append(f"{record.getMessage()}\n{detail}")
        elif record.levelno >= logging.WARNING:
            self.warnings.append(record.getMessage())
        elif record.msg == "job %s: %s":
            name, done = record.args
            self.done[name] = int(done)


def main() -> None:
    name = sys.argv[1]
    leadership = (EveryoneLeads if "--everyone-leads" in sys.argv else Leadership)(get_engine())
    jobs = {job.id: job.func for job in build(leadership).get_jobs()}
    joblog = JobLog()
    logger = logging.getLogger("govhub.jobs")
    logger.addHandler(joblog)
    logger.setLevel(logging.INFO)

    def reply(payload: dict) -> None:
        print(json.dumps({"name": name, "pid": os.getpid(), **payload}), flush=True)

    reply({"ready": True})
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "round":
            # The clock moved as the in-process tests move it (tests/test_reminders.py's moved_clock).
            clock._offset = datetime.fromisoformat(cmd["now"]) - datetime.fromtimestamp(cmd["at"], UTC)
            joblog.clear()
            time.sleep(max(cmd["at"] - time.time(), 0))  # the barrier: every worker starts at the same instant
            started = time.time()
            for job_id in cmd["jobs"]:
                jobs[job_id]()
            reply({"held": leadership.held, "done": joblog.done, "errors": joblog.errors,
                   "warnings": joblog.warnings, "started": started, "ended": time.time()})
        elif cmd["op"] == "lead":
            give_up = time.monotonic() + cmd["within"]
            while not jobs["leadership"]() and time.monotonic() < give_up:
                time.sleep(0.05)
            reply({"held": leadership.held, "at": time.time()})
    leadership.release()


if __name__ == "__main__":
    main()
