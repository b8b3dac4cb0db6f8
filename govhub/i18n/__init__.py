"""The translation layer: Vietnamese by default, English available; dates in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from govhub.config import get_settings

LOCALES = ("vi", "en")


@lru_cache
def catalog(locale: str) -> dict[str, str]:
    """The message catalog for ``locale`` (key → text): every ``i18n/<locale>/*.json`` file, one per feature."""
    if locale not in LOCALES:
        locale = "vi"
    merged: dict[str, str] = {}
    for part in sorted(resources.files("govhub.i18n").joinpath(locale).iterdir(), key=lambda p: p.name):
        if part.name.endswith(".json"):
            with part.open(encoding="utf-8") as f:
                merged.update(json.load(f))
    return merged


def normalize_locale(locale: str | None) -> str:
    """A supported locale, falling back to the configured default."""
    return locale if locale in LOCALES else get_settings().default_locale


def translate(locale: str, key: str, **params: object) -> str:
    """The text for ``key`` in ``locale``, with ``{name}`` parameters filled in."""
    text = catalog(normalize_locale(locale)).get(key) or catalog("vi").get(key) or key
    return text.format(**params) if params else text


def local_time(value: datetime, locale: str, fmt: str = "short") -> str:
    """A timestamp shown in the city's time zone and the reader's language."""
    tz = ZoneInfo(get_settings().timezone)
    return format_datetime(value.astimezone(tz), fmt, locale=normalize_locale(locale))
