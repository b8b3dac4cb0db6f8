"""GovHub's style tokens, by meaning: every colour a page, a component or a chart uses is named here once (Radix
colour steps through ``rx.color``, which follow light and dark mode; plain hex for Plotly, which needs concrete
colours). A page says ``styles.MUTED_TEXT``, never a colour."""

from __future__ import annotations

import reflex as rx

# --- surfaces ----------------------------------------------------------------------------------------------
SURFACE = rx.color("gray", 1)  # the app's bars and panels
SURFACE_SUBTLE = rx.color("gray", 2)  # a row under the pointer, the sign-in page
SURFACE_HOVER = rx.color("gray", 3)  # a menu entry under the pointer, someone else's message, a sample box

# --- lines -------------------------------------------------------------------------------------------------
LINE_FAINT = rx.color("gray", 3)  # between the parts of one card
LINE = rx.color("gray", 4)  # between the rows of a list
LINE_BAR = rx.color("gray", 5)  # the edges of the app's bars
LINE_CONTROL = rx.color("gray", 6)  # around a small control
LINE_DROP = rx.color("gray", 8)  # around a drop zone
INSTRUCTION_LINE = rx.color("orange", 7)  # around an instruction to acknowledge
ACCENT_LINE = rx.color("indigo", 5)

# --- text and icons ----------------------------------------------------------------------------------------
MUTED_TEXT = rx.color("gray", 11)
MUTED_ICON = rx.color("gray", 10)
FAINT_ICON = rx.color("gray", 9)

# --- the accent (GovHub's indigo) --------------------------------------------------------------------------
ACCENT = rx.color("indigo", 9)  # an unread dot, the logo
ACCENT_ICON = rx.color("indigo", 10)
ACCENT_TEXT = rx.color("indigo", 11)  # the current page in the menu, links drawn by hand
ACCENT_SOFT = rx.color("indigo", 3)  # the current page's entry, my own message
ACCENT_SUBTLE = rx.color("indigo", 2)  # a box of my own notes

# --- meaning -----------------------------------------------------------------------------------------------
DONE = rx.color("green", 9)  # nothing left to do
VALID = rx.color("green", 10)  # a signature that checks out
INVALID = rx.color("red", 10)


def border(color: object, style: str = "solid") -> str:
    """A one-pixel border of ``color`` (a token above)."""
    return f"1px {style} {color}"


def state_tint(scheme: object) -> rx.Var:
    """The soft background of a step in ``scheme`` (a Radix colour name, or a Var choosing one)."""
    return rx.color(scheme, 4)


# --- charts (Plotly: concrete colours, matching the Radix steps the pages use) ------------------------------
ON_TIME = "#30A46C"
LATE = "#F76B15"
OPEN = "#3E63DD"
OVERDUE = "#E5484D"
CHART_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
CHART_TEXT = "#1c2024"
CHART_GRID = "#e8e8ec"
CHART_ZERO = "#d9d9e0"
CLEAR = "rgba(0,0,0,0)"  # the page shows through
CHART_LEGEND = "rgba(255,255,255,0.8)"  # a legend over the map
MAP_EDGE = "#ffffff"
MAP_NO_DATA = "#e0e1e6"
# Overdue rate (reds) and completion rate (greens) in five classes: (lower bound in %, colour).
OVERDUE_SCALE = ((0, "#fdf3f3"), (5, "#f9c6c6"), (15, "#f08b8b"), (30, "#e5484d"), (50, "#a4161a"))
DONE_SCALE = ((0, "#f1f8f4"), (25, "#c4e8d1"), (50, "#8dcea6"), (75, "#30a46c"), (90, "#18794e"))
