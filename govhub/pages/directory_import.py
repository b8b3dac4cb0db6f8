"""The CSV import page of the directory."""

from __future__ import annotations

import reflex as rx

from govhub import routes, styles
from govhub.components.i18n import t
from govhub.components.shell import app_page, page_title, refused
from govhub.state.base import AppState
from govhub.state.directory_import import ImportState, RejectedLine

UPLOAD_ID = "directory-csv"
SAMPLE = ("username,full_name,unit_code,position_code,phone,email\n"
          "nv.an,Nguyễn Văn An,26740-P1,chuyen_vien,0903 123 456,nv.an@tphcm.gov.vn")


def _rejected_row(row: RejectedLine) -> rx.Component:
    return rx.table.row(rx.table.cell(row.line), rx.table.cell(row.username), rx.table.cell(row.reason))


def _report() -> rx.Component:
    return rx.cond(
        ImportState.rejected.length() > 0,
        rx.vstack(
            rx.callout(t("import.rejected", n=ImportState.rejected.length()), icon="triangle-alert",
                       color_scheme="red", id="import-rejected", width="100%"),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(rx.table.column_header_cell(t("import.col.line")),
                                                 rx.table.column_header_cell(t("import.col.username")),
                                                 rx.table.column_header_cell(t("import.col.reason")))),
                    rx.table.body(rx.foreach(ImportState.rejected, _rejected_row)),
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            width="100%",
        ),
        rx.callout(t("import.done", created=ImportState.created, updated=ImportState.updated), icon="check",
                   color_scheme="green", id="import-done", width="100%"),
    )


def _form() -> rx.Component:
    return rx.vstack(
        rx.text(t("import.help"), size="2"),
        rx.el.pre(SAMPLE, style={"whiteSpace": "pre-wrap", "wordBreak": "break-all", "fontSize": "12px",
                                 "background": styles.SURFACE_HOVER, "padding": "10px", "borderRadius": "6px",
                                 "width": "100%", "margin": "0"}),
        rx.upload.root(
            rx.vstack(rx.icon("file-up", size=28, color=styles.ACCENT_ICON),
                      rx.text(t("import.drop"), size="2", text_align="center"), align="center", spacing="2"),
            id=UPLOAD_ID,
            accept={"text/csv": [".csv"]},
            max_files=1,
            border=styles.border(styles.LINE_DROP, "dashed"),
            border_radius="var(--radius-3)",
            padding="20px",
            width="100%",
            cursor="pointer",
        ),
        rx.foreach(rx.selected_files(UPLOAD_ID), lambda f: rx.text(f, size="2", weight="medium")),
        rx.button(rx.icon("upload", size=16), t("import.submit"), id="import-submit",
                  on_click=ImportState.upload(rx.upload_files(upload_id=UPLOAD_ID))),
        spacing="3",
        width="100%",
    )


@app_page(routes.DIRECTORY_IMPORT)
def directory_import() -> rx.Component:
    """Administrators bring a unit's entries in from a spreadsheet."""
    return rx.vstack(
        page_title("import.title"),
        rx.cond(
            AppState.me.is_unit_admin,
            rx.card(
                rx.cond(ImportState.done,
                        rx.vstack(_report(), rx.button(t("import.again"), variant="soft",
                                                       on_click=ImportState.start_over), width="100%"),
                        _form()),
                width="100%",
            ),
            refused(),
        ),
        rx.link(t("directory.back"), href=routes.DIRECTORY, size="2"),
        spacing="4",
        width="100%",
        max_width="760px",
    )
