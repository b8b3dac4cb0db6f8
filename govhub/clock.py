"""The one place GovHub reads the time, so tests can move it: UTC instants, city-local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from govhub.config import get_settings

_offset = None  # a timedelta tests may set to move the clock


def now() -> datetime:
    """The current instant (UTC, timezone-aware)."""
    current = datetime.now(UTC)
    return current + _offset if _offset is not None else current


def city_zone() -> ZoneInfo:
    """The city's time zone (Asia/Ho_Chi_Minh)."""
    return ZoneInfo(get_settings().timezone)


def local_date(instant: datetime) -> date:
    """The city-local calendar date of an instant."""
    return instant.astimezone(city_zone()).date()


def today() -> date:
    """Today's date in the city."""
    return local_date(now())
