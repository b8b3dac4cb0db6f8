"""The database servers the tests use when they answer: PostgreSQL (a database of this test run's own, made here
and dropped when the run ends) and Redis, on their default addresses unless GOVHUB_TEST_DATABASE_URL /
GOVHUB_TEST_REDIS_URL name others. A test that needs a missing server skips with one of the reasons below;
under CI=true such a skip is a failure (tests/conftest.py)."""

from __future__ import annotations

import atexit
import os
import secrets

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
NO_POSTGRES = "no PostgreSQL (none answers on 127.0.0.1:5432 as postgres, and GOVHUB_TEST_DATABASE_URL is not set)"
NO_REDIS = "no Redis (none answers on GOVHUB_TEST_REDIS_URL or 127.0.0.1:6379)"
# Reasons older tests give for the same thing.
MISSING_SERVER_REASONS = {NO_POSTGRES, NO_REDIS, "GOVHUB_TEST_DATABASE_URL is not set", "no Redis"}


def in_ci() -> bool:
    """Whether this run is CI's (CI=true or 1): there, every server must be there."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
        conn.execute(statement)


def own_postgres_database() -> str | None:
    """GOVHUB_TEST_DATABASE_URL when set (a database the tests may wipe); else, when PostgreSQL answers on its
    default address, a new database ``govhub_test_<random>`` there, dropped when this process ends (failures and
    interruptions included), and exported as GOVHUB_TEST_DATABASE_URL for the processes tests start; else None."""
    given = os.environ.get("GOVHUB_TEST_DATABASE_URL")
    if given:
        return given
    name = f"govhub_test_{secrets.token_hex(5)}"
    try:
        _admin(DEFAULT_POSTGRES, f'CREATE DATABASE "{name}"')
    except Exception:  # noqa: BLE001  (no server, refused, no psycopg: the PostgreSQL tests skip)
        return None
    atexit.register(_drop, name)
    url = DEFAULT_POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    os.environ["GOVHUB_TEST_DATABASE_URL"] = url
    return url


def _drop(name: str) -> None:
    try:
        _admin(DEFAULT_POSTGRES, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:  # noqa: BLE001
        print(f"could not drop the test database {name}: {exc}")


def redis_url() -> str:
    """The Redis the tests use."""
    return os.environ.get("GOVHUB_TEST_REDIS_URL", DEFAULT_REDIS)


def redis_answers() -> bool:
    """Whether that Redis answers a PING."""
    import redis

    try:
        return bool(redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False
