"""``t(key)``: a UI text in the reader's language, decided in the browser from ``AppState.locale``."""

from __future__ import annotations

import re

import reflex as rx
from reflex.vars import StringVar

from govhub.i18n import catalog
from govhub.state.base import AppState

_PARAM = re.compile(r"\{(\w+)\}")


def _fill(template: str, params: dict[str, rx.Var | str | int]) -> rx.Var:
    """Build a string Var from ``template`` with ``{name}`` replaced by the given Vars or values."""
    pieces = _PARAM.split(template)
    out = rx.Var.create(pieces[0])
    for i, piece in enumerate(pieces[1:]):
        value = params[piece] if i % 2 == 0 else piece
        if not isinstance(value, rx.Var):
            value = rx.Var.create(str(value))
        elif not isinstance(value, StringVar):
            value = value.to_string()
        out = out + value
    return out


def t(key: str, **params: rx.Var | str | int) -> rx.Var:
    """The text for ``key``; a missing key fails the build, not the user."""
    vi, en = catalog("vi")[key], catalog("en")[key]
    if params:
        return rx.cond(AppState.locale == "en", _fill(en, params), _fill(vi, params))
    return rx.cond(AppState.locale == "en", en, vi)
