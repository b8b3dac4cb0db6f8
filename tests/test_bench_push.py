"""bench/push.py still measures what it claims: a handful of tabs get the city-wide news it publishes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_push_benchmark_runs_end_to_end() -> None:
    out = subprocess.run([sys.executable, "bench/push.py", "--clients", "5"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    figures = dict(re.findall(r"(\w+)=([\d.]+)", out.stdout))
    assert figures["clients"] == figures["delivered"] == "5"
