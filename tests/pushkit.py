"""A headless Reflex client for push tests and the push benchmark: a python-socketio websocket that speaks to
the backend as a browser tab would (client token in the query, session cookie in the handshake), calls
handlers, and records when state updates arrive."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import socketio

from govhub.services.identity.auth import COOKIE_NAME

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = "/_event"  # the browser's socket.io client takes the namespace from the URL's path


def state_name(cls: type) -> str:
    return cls.get_full_name()


class TabClient:
    """One browser tab: its own client token, a signed-in session cookie."""

    def __init__(self, base: str, session_token: str) -> None:
        self.base, self.session_token = base, session_token
        self.client_token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.updates: list[tuple[float, dict]] = []
        self.waiters: list[tuple[callable, asyncio.Future]] = []
        self.sio.on("event", self._on_event, namespace=NAMESPACE)

    async def _on_event(self, update: dict) -> None:
        at = time.perf_counter()
        delta = update.get("delta") or {}
        self.updates.append((at, delta))
        for check, future in list(self.waiters):
            if not future.done() and check(delta):
                future.set_result(at)

    async def connect(self) -> None:
        await self.sio.connect(f"{self.base}?token={self.client_token}", socketio_path="/_event",
                               transports=["websocket"], headers={"Cookie": f"{COOKIE_NAME}={self.session_token}"},
                               namespaces=[NAMESPACE], wait_timeout=30)

    async def call(self, cls: type, handler: str, payload: dict | None = None, path: str = "/") -> None:
        await self.sio.emit("event", {"name": f"{state_name(cls)}.{handler}", "payload": payload or {},
                                      "router_data": {"pathname": path, "asPath": path, "query": {}}},
                            namespace=NAMESPACE)

    def expect(self, check) -> asyncio.Future:  # noqa: ANN001
        """A future resolved (with the arrival time) by the first update for which ``check(delta)`` holds."""
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((check, future))
        return future

    async def close(self) -> None:
        await self.sio.disconnect()


def bell_key(delta: dict, var: str) -> object:
    """The value of a NotificationState var in a delta (None when absent)."""
    from govhub.state.notifications import NotificationState

    return (delta.get(state_name(NotificationState)) or {}).get(f"{var}_rx_state_")


def start_backend(workdir: Path, port: int, env: dict, log: Path) -> subprocess.Popen:
    """``reflex run --env prod --backend-only`` on ``port`` (one worker unless GOVHUB_WORKERS says more).

    Each backend gets a states folder of its own beside its log: ``reflex run`` empties its states folder at
    start, and two backends starting at once in one shared folder raced to delete the same files (one exited)."""
    bin_dir = Path(sys.executable).parent
    full = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false", "GOVHUB_ENV": "test",
            "REFLEX_STATES_WORKDIR": str(log.parent / f"states-{port}"), **env}
    return subprocess.Popen([str(bin_dir / "reflex"), "run", "--env", "prod", "--backend-only", "--backend-host",
                             "127.0.0.1", "--backend-port", str(port)], env=full, cwd=workdir,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_up(base: str, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"backend exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/ping", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(base)


def stop(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (kB)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return total
