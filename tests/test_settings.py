"""Settings an operator gets wrong are refused at start, with a message that says what to set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from govhub.config import PROJECT_DIR, Settings


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="GOVHUB_SECRET_KEY"):
        Settings(env="production")
    assert Settings(env="production", secret_key="x" * 40).is_production


def test_several_workers_need_redis() -> None:
    with pytest.raises(ValidationError, match="GOVHUB_WORKERS"):
        Settings(workers=3)
    with pytest.raises(ValidationError, match="GOVHUB_WORKERS"):
        Settings(workers=0)
    assert Settings(workers=3, redis_url="redis://127.0.0.1:6379/0").workers == 3


def test_the_backend_runs_on_uvicorn_workers_under_gunicorn() -> None:
    """Granian holds ~150 KB per open websocket, Uvicorn ~18 KB: rxconfig picks Uvicorn and the worker count."""
    env = {k: v for k, v in os.environ.items() if k not in ("REFLEX_USE_GRANIAN", "GUNICORN_CMD_ARGS")}
    env.update({"GOVHUB_WORKERS": "2", "GOVHUB_REDIS_URL": "redis://127.0.0.1:6379/0"})
    code = "import os, rxconfig; print(os.environ['REFLEX_USE_GRANIAN'], os.environ['GUNICORN_CMD_ARGS'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["false", "--workers", "2"]
