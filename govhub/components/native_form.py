"""A form the browser submits itself (a real POST), for sign-in and sign-out."""

from __future__ import annotations

import reflex as rx


def native_form(*children: rx.Component, action: str, **props) -> rx.Component:  # noqa: ANN003
    """A ``<form method="post">`` that Reflex does not intercept, so the server can set HttpOnly cookies."""
    return rx.el.form(*children, action=action, method="post", on_submit=None, **props)
