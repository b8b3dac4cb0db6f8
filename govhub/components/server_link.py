"""A link to one of GovHub's own HTTP routes (a file download, single sign-on), not to a page of the app.

Reflex renders every ``<a>`` as a React Router ``Link``: left to the router, a click would route inside the app
(an empty page, nothing downloaded). ``reloadDocument`` hands the click back to the browser, which requests the
address for real: a download, a new tab, or the redirect the server answers."""

from __future__ import annotations

import reflex as rx


def server_link(*children: rx.Component | rx.Var | str, href: rx.Var[str] | str, **props: object) -> rx.Component:
    """An ``<a href>`` the browser follows itself (``download=name`` to save the file under that name)."""
    return rx.el.a(*children, href=href, reload_document=True, **props)
