"""The test run's own rules: it uses PostgreSQL and Redis when they answer, on a database of its own that it drops;
it says what it skipped and why; under CI=true a skip for a missing server fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serverkit import DEFAULT_POSTGRES, NO_POSTGRES, NO_REDIS, _admin

pytest_plugins = ["pytester"]

INNER_CONFTEST = "from tests.conftest import pytest_runtest_makereport, pytest_terminal_summary  # noqa: F401\n"
INNER_TESTS = f"""
import pytest

def test_needs_postgres():
    pytest.skip({NO_POSTGRES!r})

def test_needs_redis():
    pytest.skip({NO_REDIS!r})

def test_needs_a_plugin():
    pytest.skip("no such plugin")

def test_plain():
    pass
"""


def run_inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str) -> pytest.RunResult:
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    return pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:cacheprovider")


def test_the_summary_lists_each_skip_reason(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_inner(pytester, monkeypatch, "")
    result.assert_outcomes(passed=1, skipped=3)
    result.stdout.fnmatch_lines(["*skipped, and why*", f"*1  {NO_POSTGRES}", f"*1  {NO_REDIS}", "*1  no such plugin"])


def test_in_ci_a_missing_server_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_inner(pytester, monkeypatch, "true")
    result.assert_outcomes(passed=1, skipped=1, failed=2)
    result.stdout.fnmatch_lines([f"*CI=true and a server this test needs is missing: {NO_POSTGRES}*"])


def _databases() -> set[str]:
    import psycopg

    with psycopg.connect(DEFAULT_POSTGRES, connect_timeout=3) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'govhub_test_%'")}


def _postgres_answers() -> bool:
    try:
        _admin(DEFAULT_POSTGRES, "SELECT 1")
    except Exception:  # noqa: BLE001
        return False
    return True


def test_a_run_makes_its_own_database_and_drops_it_even_when_it_fails(tmp_path: Path) -> None:
    """A run without GOVHUB_TEST_DATABASE_URL, with PostgreSQL on its default address, gets a database of its own
    (the tests see it), and it is gone afterwards although the run failed."""
    if not _postgres_answers():
        pytest.skip(NO_POSTGRES)
    root = Path(__file__).resolve().parent.parent
    probe = tmp_path / "test_probe.py"
    probe.write_text("from tests.conftest import PG_URL\n\ndef test_probe():\n    print('URL', PG_URL)\n"
                     "    assert False\n", encoding="utf-8")
    before = _databases()
    env = {k: v for k, v in os.environ.items() if k != "GOVHUB_TEST_DATABASE_URL"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", "-p", "no:cacheprovider",
                          f"--rootdir={root}", "-c", str(root / "pyproject.toml"), str(probe)],
                         cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stdout + out.stderr
    line = next(x for x in out.stdout.splitlines() if "URL " in x)
    name = line.rsplit("/", 1)[1]
    assert name.startswith("govhub_test_") and "127.0.0.1:5432" in line
    assert name not in before and name not in _databases()

