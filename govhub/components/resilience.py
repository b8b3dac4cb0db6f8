"""What a page says when its connection drops or a new release replaces the one it was loaded from: a small
strip while it reconnects, a plain refusal of a tap made offline, a banner offering the new version. The React
side (assets/govhub_resilience.jsx) also gives every action its key, which the server applies once
(govhub/realtime/once.py). It takes the place of Reflex's connection toast (govhub/govhub.py)."""

from __future__ import annotations

import reflex as rx

from govhub.components.i18n import t


class Resilience(rx.Component):
    """GovHub's local React component (Reflex copies ``assets/`` into the build's ``public/``)."""

    library = "$/public/govhub_resilience.jsx"
    tag = "Resilience"

    reconnecting: rx.Var[str]
    refused: rx.Var[str]
    new_version: rx.Var[str]
    reload: rx.Var[str]


def resilience() -> rx.Component:
    """The notices, in the reader's language."""
    return Resilience.create(reconnecting=t("conn.reconnecting"), refused=t("conn.refused"),
                             new_version=t("release.new"), reload=t("release.reload"))


def overlay(stateful: bool) -> rx.Component | None:
    """Reflex's app wrap for its overlay (key ``(5, "Overlay")``): the notices beside the page, not around it."""
    return rx.fragment(resilience()) if stateful else None
