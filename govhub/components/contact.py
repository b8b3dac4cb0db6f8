"""An official in a list, and the contact card with its edit form."""

from __future__ import annotations

import reflex as rx

from govhub import styles
from govhub.components.i18n import t
from govhub.components.plain_button import plain_button
from govhub.services.org.directory import OfficialCard
from govhub.state.directory import ContactState


def official_row(card: OfficialCard) -> rx.Component:
    """One line per official: avatar, name, position and unit, a button that opens the card; beside it (not
    inside: no link in a button) the phone icon calls the number."""
    return rx.hstack(
        plain_button(
            rx.hstack(
                rx.avatar(fallback=card.initials, size="2", radius="full", color_scheme="indigo", variant="soft"),
                rx.vstack(
                    rx.text(card.full_name, weight="medium", size="2"),
                    rx.text(card.position + " · " + card.unit_name
                            + rx.cond(card.within != "", ", " + card.within, ""), size="1", color_scheme="gray"),
                    spacing="0",
                    min_width="0",
                ),
                align="center",
                spacing="3",
            ),
            on_click=ContactState.show(card.id),
            padding="8px 6px",
            flex="1",
            min_width="0",
            align_self="stretch",
            class_name="official-open",
        ),
        rx.cond(card.phone != "", rx.icon_button(rx.el.a(rx.icon("phone", size=16),
                                                         href="tel:" + card.phone.replace(" ", "")),
                                                 as_child=True, variant="ghost", aria_label=t("directory.call"),
                                                 margin_right="6px")),
        align="center",
        spacing="3",
        width="100%",
        border_bottom=styles.border(styles.LINE_FAINT),
        _hover={"background": styles.SURFACE_SUBTLE},
        class_name="official-row",
    )


def _line(icon: str, text: rx.Var, href: rx.Var | None = None) -> rx.Component:
    body = rx.hstack(rx.icon(icon, size=16, color=styles.MUTED_ICON), rx.text(text, size="2"), align="center",
                     spacing="2")
    return rx.cond(text != "", rx.link(body, href=href) if href is not None else body)


def _view() -> rx.Component:
    c = ContactState.card
    return rx.vstack(
        rx.hstack(
            rx.avatar(fallback=c.initials, size="5", radius="full", color_scheme="indigo"),
            rx.vstack(rx.dialog.title(c.full_name, margin="0", id="contact-name"),
                      rx.text(c.position, size="2"), rx.text(c.unit_name, size="2", color_scheme="gray"),
                      spacing="0"),
            align="center",
            spacing="3",
        ),
        rx.divider(),
        _line("phone", c.phone, "tel:" + c.phone.replace(" ", "")),
        _line("mail", c.email, "mailto:" + c.email),
        rx.foreach(c.extra_posts, lambda p: _line("briefcase", p)),
        rx.hstack(
            rx.cond(ContactState.can_edit, rx.button(rx.icon("pencil", size=14), t("common.edit"), variant="soft",
                                                     on_click=ContactState.start_edit, id="contact-edit")),
            rx.dialog.close(rx.button(t("common.close"), variant="soft", color_scheme="gray")),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _field(label_key: str, name: str, value: rx.Var, **props) -> rx.Component:  # noqa: ANN003
    return rx.vstack(rx.text(t(label_key), as_="label", html_for=f"edit-{name}", size="2", weight="medium"),
                     rx.input(id=f"edit-{name}", name=name, default_value=value, width="100%", **props),
                     spacing="1", width="100%")


def _edit() -> rx.Component:
    c = ContactState.card
    return rx.form(
        rx.vstack(
            rx.dialog.title(t("directory.edit_title"), margin="0"),
            _field("directory.field.name", "full_name", c.full_name, required=True, max_length=120),
            rx.vstack(
                rx.text(t("directory.field.position"), size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(width="100%"),
                    rx.select.content(rx.foreach(ContactState.positions,
                                                 lambda p: rx.select.item(p[1], value=p[0]))),
                    name="position_id",
                    default_value=c.position_id.to_string(),
                ),
                spacing="1",
                width="100%",
            ),
            _field("directory.field.phone", "phone", c.phone, max_length=40, type="tel"),
            _field("directory.field.email", "email", c.email, max_length=200, type="email",
                   read_only=ContactState.email_locked),
            rx.cond(ContactState.email_locked,
                    rx.text(t("directory.field.email_locked"), size="1", color_scheme="gray", id="edit-email-locked")),
            rx.hstack(
                rx.button(t("common.cancel"), type="button", variant="soft", color_scheme="gray",
                          on_click=ContactState.cancel_edit),
                rx.button(t("common.save"), type="submit", id="contact-save"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=ContactState.save,
    )


def contact_dialog() -> rx.Component:
    """The contact card of the official picked in a list."""
    return rx.dialog.root(
        rx.dialog.content(rx.cond(ContactState.editing, _edit(), _view()), max_width="440px"),
        open=ContactState.open,
        on_open_change=ContactState.change_open,
    )
