"""Cheap scans of the UI source for mistakes Reflex accepts silently."""

from __future__ import annotations

import ast
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


# on_click on a div (hstack, vstack, box, card, flex, badge, text...) works for the mouse only: Tab skips it and
# Enter does nothing. A way somewhere is a link (rx.link, server_link), an action a button (rx.button, rx.icon_button,
# or plain_button when it must look like the row or item it is); a checkbox row is a <label> around the checkbox.
INTERACTIVE = {"rx.button", "rx.icon_button", "rx.link", "rx.el.button", "rx.el.a", "plain_button", "server_link"}
# (file, what receives on_click) -> why it may. "dict" is a props dict spread into a component.
CLICK_ALLOWED = {
    ("govhub/pages/oversight.py", "dict"): "a Plotly bar or map area drills into a unit; the unit table under the "
                                           "charts links every unit and number to the same page, by keyboard too",
}


def _clicks(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, receiver) of every on_click= keyword and every {"on_click": ...} in the module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(k.arg == "on_click" for k in node.keywords):
            found.append((node.lineno, ast.unparse(node.func)))
        elif isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "on_click"
                                                for k in node.keys):
            found.append((node.lineno, "dict"))
    return found


def test_the_click_scan_catches_a_clickable_div_and_spares_buttons_and_links() -> None:
    source = ("rx.hstack(rx.text('a'), on_click=S.open)\nrx.badge('x', on_click=S.drop)\n"
              "rx.button('b', on_click=S.go)\nplain_button(rx.text('c'), on_click=S.go)\n"
              "rx.box(**{'on_click': S.go})\n")
    flagged = [(n, who) for n, who in _clicks(ast.parse(source)) if who not in INTERACTIVE]
    assert flagged == [(1, "rx.hstack"), (2, "rx.badge"), (5, "dict")]


def test_only_buttons_and_links_take_a_click() -> None:
    found, used = [], set()
    for path in sorted(SOURCE.rglob("*.py")):
        name = str(path.relative_to(SOURCE.parent))
        for n, who in _clicks(ast.parse(path.read_text(encoding="utf-8"))):
            if who in INTERACTIVE:
                continue
            if (name, who) in CLICK_ALLOWED:
                used.add((name, who))
            else:
                found.append(f"{name}:{n}: on_click on {who}")
    assert found == [], "keyboard users cannot reach or press these (use a link, a button or plain_button):\n" + \
        "\n".join(found)
    assert used == set(CLICK_ALLOWED), f"stale allow-list entries: {set(CLICK_ALLOWED) - used}"
