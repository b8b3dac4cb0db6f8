"""Cheap scans of the UI source for mistakes Reflex accepts silently."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "govhub"
# gap="2" (or row_gap/column_gap, or "gap": "2" in a style dict) on any component is passed through as the CSS
# value "2", which the browser drops: no space at all. A Radix scale step is spacing="2"; a CSS gap needs a unit.
BARE_GAP = re.compile(r"""\b(?:row_|column_)?gap(?:\s*=\s*|["']\s*:\s*)(["'])\d+\1""")


def test_the_gap_pattern_catches_the_mistake_and_spares_real_css() -> None:
    assert all(BARE_GAP.search(s) for s in ('wrap="wrap", gap="2"', "gap='1'", 'column_gap="3"', '{"gap": "2"}'))
    assert not any(BARE_GAP.search(s) for s in ('gap="8px"', 'gap="0.5rem"', 'spacing="2"', '"bargap": 0.15'))


def test_no_component_has_a_bare_number_as_its_gap() -> None:
    found = [f"{path.relative_to(SOURCE.parent)}:{n}: {line.strip()}"
             for path in sorted(SOURCE.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if BARE_GAP.search(line)]
    assert found == [], "use spacing=\"N\" (a Radix step) or a CSS length:\n" + "\n".join(found)
