"""Both catalogs are complete: same keys, same placeholders, and every key the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from govhub.i18n import catalog, local_time, translate

SOURCE = Path(__file__).resolve().parents[1] / "govhub"
KEY_USE = re.compile(r"""(?:\bt|_t|Invalid|NotFound|Conflict|GovHubError)\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")
RESULT_KEYS = re.compile(r"""(?:error|reason)=["']([a-z_]+(?:\.[a-z_]+)+)["']""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        keys |= set(KEY_USE.findall(text)) | set(RESULT_KEYS.findall(text))
    return keys


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalog("vi"), catalog("en")
    assert vi.keys() == en.keys()
    for key in vi:
        assert vi[key].strip() and en[key].strip(), key
        assert set(PLACEHOLDER.findall(vi[key])) == set(PLACEHOLDER.findall(en[key])), key


def test_every_key_the_code_uses_exists() -> None:
    keys = used_keys()
    assert len(keys) > 30
    missing = sorted(k for k in keys if k not in catalog("vi"))
    assert not missing, missing


def test_translate_fills_parameters_and_falls_back() -> None:
    assert translate("en", "directory.results", n=3) == "3 results"
    assert translate("vi", "directory.results", n=3) == "3 kết quả"
    assert translate("fr", "nav.directory") == "Danh bạ"
    assert translate("vi", "no.such.key") == "no.such.key"


def test_local_time_is_in_the_city_time_zone() -> None:
    from datetime import UTC, datetime

    noon_utc = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert "19:00" in local_time(noon_utc, "vi")
