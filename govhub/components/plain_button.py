"""A real ``<button>`` that looks like the row, card or chip it replaces."""

from __future__ import annotations

import reflex as rx

# The browser's button look taken off: the children lay out as in the div this button replaces.
RESET = {"appearance": "none", "background": "none", "border": "none", "margin": "0", "font": "inherit",
         "color": "inherit", "text_align": "left"}
# Drawn only when reached by keyboard (a mouse click draws no ring), in the theme's focus colour.
FOCUS_RING = {"outline": "2px solid var(--focus-8)", "outline_offset": "-2px"}


def plain_button(*children: rx.Component | rx.Var | str, style: dict | None = None,
                 **props: object) -> rx.Component:
    """A clickable row or item as a ``<button type=button>``: Tab reaches it, Enter or Space runs its
    ``on_click``, and keyboard focus draws a 2px outline. ``style`` adds to (or overrides) the reset."""
    return rx.el.button(*children, type="button", cursor="pointer", style={**RESET, **(style or {})},
                        _focus_visible=FOCUS_RING, **props)
