"""Files chosen for a message but never sent do not stay on disk: the scheduler's ``pending_uploads`` job deletes
those older than GOVHUB_PENDING_UPLOAD_HOURS, and leaves younger ones (a draft being written) alone."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from govhub.config import get_settings
from govhub.services.messaging import conversations as messages


def test_old_pending_uploads_are_deleted_and_fresh_ones_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "upload_dir", str(tmp_path))
    monkeypatch.setattr(get_settings(), "pending_upload_hours", 24)
    pending = tmp_path / "pending"
    pending.mkdir()
    now = time.time()
    old, fresh, sent = (folder / f"{c * 32}.pdf" for folder, c in ((pending, "a"), (pending, "b"), (tmp_path, "c")))
    for path in (old, fresh, sent):
        path.write_bytes(b"%PDF-")
    os.utime(old, (now - 25 * 3600, now - 25 * 3600))
    os.utime(sent, (now - 90 * 24 * 3600, now - 90 * 24 * 3600))  # a sent attachment is never touched
    assert messages.do_sweep_pending(None, now=now) == 1
    assert not old.exists() and fresh.exists() and sent.exists()
    assert messages.do_sweep_pending(None, now=now + 25 * 3600) == 1
    assert not fresh.exists() and sent.exists()


def test_the_sweep_is_a_scheduled_job() -> None:
    from govhub.jobs.scheduler import Leadership, build

    jobs = {j.id: j for j in build(Leadership.__new__(Leadership)).get_jobs()}
    assert str(jobs["pending_uploads"].trigger) == "interval[1:00:00]"
