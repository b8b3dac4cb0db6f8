"""The document pages: /documents (my lists and the new-document form), /documents/{id} (files, preview, route
progress, history and this official's actions) and /admin/routes (the route template editor)."""

from __future__ import annotations

import reflex as rx

from govhub import routes, styles
from govhub.components.i18n import t
from govhub.components.plain_button import plain_button
from govhub.components.server_link import server_link
from govhub.components.shell import app_page, refused
from govhub.components.task_bits import pager, priority_options
from govhub.models.documents import ASSIGNEE_KINDS, DOC_TYPES, STEP_KINDS
from govhub.services.documents.route_templates import Option, RouteRow, StepRow
from govhub.services.documents.workflow import BOXES, DocRow, FileRow, HistoryEntry, SignatureRow, StepView
from govhub.state.base import AppState
from govhub.state.documents import DocumentsState, DocumentState, RouteAdminState

STATE_COLORS = {"draft": "gray", "in_route": "blue", "returned": "orange", "issued": "green"}
STEP_COLORS = {"waiting": "gray", "pending": "amber", "done": "green", "skipped": "gray", "returned": "orange",
               "void": "gray"}
HISTORY_ACTIONS = ("created", "route_chosen", "file_added", "submitted", "approved", "returned", "signed", "issued",
                   "directive_made")
ACCEPT = {"application/pdf": [".pdf"], "image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"],
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"]}


def type_text(doc_type: rx.Var) -> rx.Var:
    """A document type in words."""
    return rx.match(doc_type, *[(k, t(f"doc.type.{k}")) for k in DOC_TYPES], doc_type)


def state_badge(state: rx.Var) -> rx.Component:
    """Draft, in progress, returned, issued."""
    return rx.match(state, *[(s, rx.badge(t(f"doc.state.{s}"), color_scheme=c, variant="soft"))
                             for s, c in STATE_COLORS.items()], rx.fragment())


def _field(label_key: str, control: rx.Component, html_for: str = "") -> rx.Component:
    return rx.vstack(rx.text(t(label_key), as_="label", html_for=html_for or None, size="2", weight="medium"),
                     control, spacing="1", width="100%")


# --------------------------------------------------------------------------------------------------------------
# /documents
# --------------------------------------------------------------------------------------------------------------


def _doc_card(row: DocRow) -> rx.Component:
    return rx.link(
        rx.vstack(
            rx.hstack(rx.text(type_text(row.doc_type), size="1", color_scheme="indigo", weight="medium"),
                      state_badge(row.state),
                      rx.cond(row.symbol != "", rx.badge(row.symbol, variant="outline", color_scheme="green")),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(row.summary, weight="medium", size="3"),
            rx.hstack(rx.text(row.author, " · ", row.unit_name, size="1", color_scheme="gray"), rx.spacer(),
                      rx.text(row.when, size="1", color_scheme="gray"), width="100%", wrap="wrap"),
            spacing="1", width="100%",
        ),
        href=routes.document_url(row.id), underline="none", color_scheme="gray", high_contrast=True,
        padding="12px", border_bottom=styles.border(styles.LINE), display="block", class_name="doc-item",
        _hover={"background": styles.SURFACE_SUBTLE},
    )


def _doc_row(row: DocRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.cond(row.symbol != "", rx.text(row.symbol, weight="medium", size="2"),
                              state_badge(row.state))),
        rx.table.cell(rx.text(type_text(row.doc_type), size="2", color_scheme="indigo")),
        rx.table.cell(rx.link(row.summary, href=routes.document_url(row.id), weight="medium",
                              class_name="doc-item")),
        rx.table.cell(rx.text(row.author, size="2", color_scheme="gray")),
        rx.table.cell(rx.text(row.when, size="2")),
    )


def _recipient(option: Option) -> rx.Component:
    checked = DocumentsState.picked.contains(option.value.to(int))
    # A label: a click on the name toggles the checkbox, which Tab reaches and Space toggles.
    return rx.el.label(
        rx.checkbox(checked=checked, on_change=lambda _v: DocumentsState.toggle_recipient(option.value)),
        rx.text(option.label, size="2"),
        display="flex", align_items="center", gap="var(--space-2)", padding="3px 6px", width="100%",
        cursor="pointer", class_name="recipient-unit", _hover={"background": styles.SURFACE_HOVER},
    )


def _new_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.form(
                rx.vstack(
                    rx.dialog.title(t("doc.new"), margin="0"),
                    _field("doc.field.type", rx.select.root(
                        rx.select.trigger(width="100%", id="f-doc-type"),
                        rx.select.content(*[rx.select.item(t(f"doc.type.{k}"), value=k) for k in DOC_TYPES]),
                        name="doc_type", value=DocumentsState.new_type, on_change=DocumentsState.choose_type)),
                    _field("doc.field.summary", rx.text_area(id="f-summary", name="summary", required=True,
                                                             max_length=1000, rows="3", width="100%"), "f-summary"),
                    _field("doc.field.route", rx.select.root(
                        rx.select.trigger(width="100%", id="f-route", placeholder=t("doc.route.default")),
                        rx.select.content(rx.foreach(DocumentsState.route_options,
                                                     lambda o: rx.select.item(o.label, value=o.value))),
                        name="route")),
                    rx.grid(
                        _field("task.field.priority", rx.select.root(
                            rx.select.trigger(width="100%"), rx.select.content(*priority_options()),
                            name="priority", default_value="normal")),
                        _field("doc.field.deadline", rx.input(id="f-deadline", name="deadline", type="date",
                                                              width="100%"), "f-deadline"),
                        columns="2", spacing="3", width="100%",
                    ),
                    _field("doc.field.recipients", rx.vstack(
                        rx.cond(DocumentsState.picked_names.length() > 0,
                                rx.flex(rx.foreach(DocumentsState.picked_names,
                                                   lambda n: rx.badge(n, variant="soft")), wrap="wrap", spacing="1")),
                        rx.input(placeholder=t("doc.filter_units"), on_change=DocumentsState.filter_recipients
                                 .debounce(200), width="100%", max_length=100, class_name="recipient-filter"),
                        rx.scroll_area(rx.vstack(rx.foreach(DocumentsState.shown_recipients, _recipient),
                                                 spacing="0", width="100%"),
                                       max_height="180px", type="auto", scrollbars="vertical"),
                        spacing="2", width="100%")),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("common.cancel"), type="button", variant="soft",
                                                  color_scheme="gray")),
                        rx.button(t("doc.create"), type="submit", id="confirm-new-doc"),
                        justify="end", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=DocumentsState.create, reset_on_submit=False,
            ),
            max_width="560px",
        ),
        open=DocumentsState.creating,
        on_open_change=DocumentsState.close_new,
    )


def _doc_list() -> rx.Component:
    empty = rx.center(rx.text(t("doc.empty"), color_scheme="gray"), padding="32px", id="doc-empty")
    return rx.cond(
        DocumentsState.total == 0,
        rx.cond(DocumentsState.loaded, empty, rx.center(rx.spinner(), padding="32px")),
        rx.fragment(
            rx.card(rx.foreach(DocumentsState.rows, _doc_card), padding="0", width="100%",
                    display=["block", "block", "none"], id="doc-cards"),
            rx.card(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(t("doc.col.number"), width="160px"),
                    rx.table.column_header_cell(t("doc.col.type"), width="130px"),
                    rx.table.column_header_cell(t("doc.col.summary")),
                    rx.table.column_header_cell(t("doc.col.author"), width="200px"),
                    rx.table.column_header_cell(t("doc.col.date"), width="110px"))),
                rx.table.body(rx.foreach(DocumentsState.rows, _doc_row)), width="100%"),
                width="100%", display=["none", "none", "block"], id="doc-table"),
        ),
    )


@app_page(routes.DOCUMENTS, on_load=[DocumentsState.load])
def documents_page() -> rx.Component:
    """My documents, those in progress, those my unit issued and those it received."""
    return rx.vstack(
        rx.hstack(
            rx.heading(t("doc.title"), size="6"), rx.spacer(),
            rx.cond(AppState.me.is_unit_admin,
                    rx.link(rx.button(rx.icon("route", size=16), t("doc.route.editor"), variant="soft",
                                      color_scheme="gray"), href=routes.ADMIN_ROUTES)),
            rx.button(rx.icon("file-plus", size=16), t("doc.new"), on_click=DocumentsState.open_new, id="new-doc"),
            width="100%", align="center", wrap="wrap", spacing="2",
        ),
        rx.flex(*[rx.button(t(f"doc.box.{b}"), variant=rx.cond(DocumentsState.box == b, "solid", "soft"), size="2",
                            on_click=DocumentsState.pick_box(b), id=f"box-{b}") for b in BOXES],
                wrap="wrap", spacing="2"),
        rx.flex(
            rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder=t("doc.search"),
                     on_change=DocumentsState.search.debounce(300), max_length=200, id="doc-search", type="search",
                     flex="1", min_width="220px"),
            rx.select.root(
                rx.select.trigger(placeholder=t("doc.all_types"), min_width="180px"),
                rx.select.content(rx.select.item(t("doc.all_types"), value="all"),
                                  *[rx.select.item(t(f"doc.type.{k}"), value=k) for k in DOC_TYPES]),
                on_change=DocumentsState.filter_type),
            wrap="wrap", spacing="2", width="100%",
        ),
        _doc_list(),
        pager(DocumentsState.page, DocumentsState.pages, DocumentsState.go_to_page),
        _new_dialog(),
        spacing="4", width="100%",
    )


# --------------------------------------------------------------------------------------------------------------
# /documents/{id}
# --------------------------------------------------------------------------------------------------------------

D = DocumentState.doc
ACTION_BUTTONS = [  # action, label key, icon, color, opens a form
    ("submit", "doc.action.submit", "send", "green", False),
    ("approve", "doc.action.approve", "check", "green", True),
    ("sign", "doc.action.sign", "pen-line", "green", True),
    ("return", "doc.action.return", "undo-2", "orange", True),
    ("directive", "doc.action.directive", "list-plus", "indigo", False),
]


def _fact(label_key: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.vstack(rx.text(t(label_key), size="1", color_scheme="gray"),
                     value if isinstance(value, rx.Component) else rx.text(value, size="2"), spacing="0",
                     min_width="0")


def _buttons() -> rx.Component:
    def button(action: str, key: str, icon: str, color: str, form: bool) -> rx.Component:
        handler = DocumentState.open_dialog(action) if form else (
            DocumentState.submit_doc if action == "submit" else DocumentState.make_directive)
        return rx.cond(D.actions.contains(action),
                       rx.button(rx.icon(icon, size=16), t(key), color_scheme=color,
                                 variant="solid" if action in ("submit", "approve", "sign") else "soft",
                                 on_click=handler, id=f"action-{action}"))
    return rx.flex(*[button(*b) for b in ACTION_BUTTONS], wrap="wrap", spacing="2")


def _form(name: str, title_key: str, submit, required: bool, color: str) -> rx.Component:  # noqa: ANN001
    return rx.cond(
        DocumentState.dialog == name,
        rx.form(
            rx.vstack(
                rx.dialog.title(t(title_key), margin="0"),
                _field("doc.field.comment", rx.text_area(id="f-text", name="text", required=required,
                                                         max_length=5000, rows="4", width="100%"), "f-text"),
                rx.hstack(
                    rx.dialog.close(rx.button(t("common.cancel"), type="button", variant="soft", color_scheme="gray")),
                    rx.button(t(title_key), type="submit", color_scheme=color, id=f"confirm-{name}"),
                    justify="end", width="100%",
                ),
                spacing="3", width="100%",
            ),
            on_submit=submit, reset_on_submit=False,
        ),
    )


def _dialogs() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            _form("approve", "doc.action.approve", DocumentState.approve, False, "green"),
            _form("sign", "doc.action.sign", DocumentState.sign, False, "green"),
            _form("return", "doc.action.return", DocumentState.send_back, True, "orange"),
            max_width="520px",
        ),
        open=DocumentState.dialog != "",
        on_open_change=DocumentState.close_dialog,
    )


def _file(f: FileRow) -> rx.Component:
    link_style = {"font_size": "var(--font-size-2)", "color": styles.ACCENT_TEXT}
    return rx.hstack(
        rx.icon(rx.cond(f.pdf, "file-text", "file"), size=18, color=styles.MUTED_ICON, flex_shrink="0"),
        rx.vstack(
            rx.hstack(rx.text(f.name, weight="medium", size="2", word_break="break-all"),
                      rx.badge("v" + f.version.to_string(), variant="soft", color_scheme=rx.cond(f.latest, "indigo",
                                                                                                 "gray")),
                      rx.cond(f.main, rx.badge(t("doc.file.main"), variant="outline")),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(f.size, " · ", f.by, " · ", f.at, size="1", color_scheme="gray"),
            spacing="0", min_width="0", flex="1",
        ),
        rx.cond(f.pdf, server_link(t("doc.file.preview"), href=routes.file_url(f.id, inline=True),
                                   target="_blank", rel="noopener", style=link_style, class_name="file-preview")),
        server_link(t("doc.file.download"), href=routes.file_url(f.id), download=f.name, style=link_style,
                    class_name="file-download"),
        spacing="3", align="center", width="100%", padding_y="6px",
        border_bottom=styles.border(styles.LINE_FAINT),
    )


def _upload(upload_id: str, key: str, handler) -> rx.Component:  # noqa: ANN001
    return rx.upload(
        rx.button(rx.icon("upload", size=16), t(key), variant="soft", type="button", loading=DocumentState.uploading),
        id=upload_id, multiple=False, max_files=1, accept=ACCEPT, no_drag=False,
        on_drop=handler(rx.upload_files(upload_id=upload_id)),
        border="none", padding="0",
    )


def _files() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(t("doc.files"), weight="bold"), rx.spacer(),
                  rx.cond(D.actions.contains("upload"),
                          rx.hstack(_upload("upload-main", "doc.file.upload_main", DocumentState.upload_main),
                                    _upload("upload-attachment", "doc.file.upload_attachment",
                                            DocumentState.upload_attachment), spacing="2", wrap="wrap")),
                  width="100%", align="center", wrap="wrap", spacing="2"),
        rx.cond(D.actions.contains("upload"), rx.text(t("doc.file.rules"), size="1", color_scheme="gray")),
        rx.cond(D.files.length() > 0, rx.vstack(rx.foreach(D.files, _file), spacing="0", width="100%"),
                rx.text(t("doc.file.none"), size="2", color_scheme="gray")),
        spacing="2", width="100%",
    ), width="100%", id="doc-files")


def _step(s: StepView) -> rx.Component:
    return rx.hstack(
        rx.center(s.stage.to_string(), width="24px", height="24px", border_radius="50%", flex_shrink="0",
                  background=styles.state_tint(rx.match(s.state, ("done", "green"), ("pending", "amber"),
                                                       ("returned", "orange"), "gray")), font_size="12px"),
        rx.vstack(
            rx.hstack(rx.text(rx.cond(s.kind == "sign", t("doc.step.sign"), t("doc.step.review")), size="2",
                              weight="medium"),
                      rx.match(s.state, *[(k, rx.badge(t(f"doc.step_state.{k}"), color_scheme=c, variant="soft"))
                                          for k, c in STEP_COLORS.items()], rx.fragment()),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(s.who, size="2"),
            rx.cond(s.comment != "", rx.text(s.comment, size="2", color_scheme="gray", white_space="pre-wrap")),
            rx.cond(s.at != "", rx.text(s.at, size="1", color_scheme="gray")),
            spacing="0", min_width="0",
        ),
        spacing="2", align="start", width="100%", class_name="doc-step",
    )


def _route() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(t("doc.route.title"), weight="bold"), rx.spacer(),
                  rx.text(D.route_name, size="1", color_scheme="gray"), width="100%", wrap="wrap"),
        rx.cond(D.actions.contains("route"), rx.select.root(
            rx.select.trigger(width="100%", id="f-doc-route"),
            rx.select.content(rx.foreach(D.route_options, lambda o: rx.select.item(o.label, value=o.value))),
            value=D.route_id.to_string(), on_change=DocumentState.choose_route)),
        rx.cond(D.steps.length() > 0, rx.vstack(rx.foreach(D.steps, _step), spacing="3", width="100%"),
                rx.text(t("doc.route.not_started"), size="2", color_scheme="gray")),
        spacing="3", width="100%",
    ), width="100%", id="doc-route")


def _history_entry(e: HistoryEntry) -> rx.Component:
    return rx.hstack(
        rx.box(width="8px", height="8px", border_radius="50%", background=styles.ACCENT, margin_top="6px",
               flex_shrink="0"),
        rx.vstack(
            rx.text(rx.text.strong(e.actor), " · ", rx.match(
                e.action, *[(a, t(f"doc.history.{a}")) for a in HISTORY_ACTIONS], e.action), size="2"),
            rx.cond(e.text != "", rx.text(e.text, size="2", color_scheme="gray", white_space="pre-wrap")),
            rx.text(e.at, size="1", color_scheme="gray"),
            spacing="0",
        ),
        spacing="2", align="start",
    )


def _signature(s: SignatureRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon(rx.cond(s.valid, "badge-check", "badge-x"), size=16,
                          color=rx.cond(s.valid, styles.VALID, styles.INVALID)),
                  rx.text(s.who, weight="medium", size="2"), rx.text(s.at, size="1", color_scheme="gray"),
                  align="center", spacing="2", wrap="wrap"),
        rx.text("SHA-256 ", rx.code(s.sha256, size="1", word_break="break-all"), size="1", color_scheme="gray"),
        spacing="1", width="100%",
    )


def _doc_body() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("doc.back"), align="center", spacing="1"),
                href=routes.DOCUMENTS, size="2"),
        rx.hstack(rx.badge(type_text(D.doc_type), color_scheme="indigo"), state_badge(D.state),
                  rx.cond(D.symbol != "", rx.badge(D.symbol, color_scheme="green", variant="outline", size="2",
                                                   id="doc-symbol")),
                  wrap="wrap", spacing="2", id="doc-state"),
        rx.heading(D.summary, size="5", id="doc-summary"),
        _buttons(),
        rx.card(rx.grid(
            _fact("doc.field.drafting_unit", D.drafting_unit),
            _fact("doc.field.author", D.author),
            _fact("doc.field.issuing_unit", D.issuing_unit),
            rx.cond(D.symbol != "", _fact("doc.field.number", D.symbol + " · " + D.issued_on)),
            rx.cond(D.deadline != "", _fact("doc.field.deadline", D.deadline)),
            rx.cond(D.recipients.length() > 0, _fact("doc.field.recipients", D.recipients.join(", "))),
            rx.cond(D.directive_id > 0, _fact("doc.field.directive", rx.link(
                t("doc.open_directive"), href=routes.directive_url(D.directive_id), size="2"))),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%",
        ), width="100%"),
        rx.grid(
            rx.vstack(_files(),
                      rx.cond(D.signatures.length() > 0, rx.card(rx.vstack(
                          rx.text(t("doc.signatures"), weight="bold"), rx.foreach(D.signatures, _signature),
                          spacing="2", width="100%"), width="100%", id="doc-signatures")),
                      spacing="4", width="100%"),
            _route(),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
        ),
        rx.card(rx.vstack(rx.text(t("doc.history"), weight="bold"), rx.foreach(D.history, _history_entry),
                          spacing="3"), width="100%", id="doc-history"),
        _dialogs(),
        spacing="4", width="100%",
    )


@app_page(routes.DOCUMENT, on_load=[DocumentState.load])
def document_page() -> rx.Component:
    """One document."""
    return rx.cond(
        DocumentState.missing,
        refused(id="doc-missing"),
        rx.cond(D.id > 0, _doc_body(), rx.center(rx.spinner(), padding="40px")),
    )


# --------------------------------------------------------------------------------------------------------------
# /admin/routes
# --------------------------------------------------------------------------------------------------------------

R = RouteAdminState.route


def _type_select(name: str, value: rx.Var | str, id_: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", id=id_),
        rx.select.content(rx.select.item(t("doc.route.any_type"), value="any"),
                          *[rx.select.item(t(f"doc.type.{k}"), value=k) for k in DOC_TYPES]),
        name=name, default_value=value)


def _route_row(r: RouteRow) -> rx.Component:
    return plain_button(rx.hstack(
        rx.vstack(
            rx.hstack(rx.text(r.name, weight="medium", size="2"),
                      rx.cond(r.is_default, rx.badge(t("doc.route.is_default"), color_scheme="indigo")),
                      rx.cond(~r.active, rx.badge(t("doc.route.inactive"), color_scheme="gray")),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(rx.cond(r.unit_name != "", r.unit_name, t("doc.route.city_wide")), " · ",
                    rx.cond(r.doc_type != "", type_text(r.doc_type), t("doc.route.any_type")), " · ",
                    t("doc.route.n_steps", n=r.steps), size="1", color_scheme="gray"),
            spacing="0", min_width="0", flex="1",
        ),
        rx.icon("chevron-right", size=16),
        width="100%", align="center",
    ), padding="10px", class_name="route-item", style={"display": "block", "width": "100%"},
        border_bottom=styles.border(styles.LINE), on_click=RouteAdminState.open_route(r.id),
        _hover={"background": styles.SURFACE_SUBTLE})


def _new_route_form() -> rx.Component:
    """What was typed stays until the server has created the template (a refusal loses nothing); the form is then
    drawn afresh, empty, by its new draft key, which also lets the server ignore a double submit."""
    return rx.card(rx.form(rx.vstack(
        rx.el.input(type="hidden", name="draft", value=RouteAdminState.route_draft),
        rx.text(t("doc.route.new"), weight="bold"),
        _field("doc.route.name", rx.input(name="name", required=True, max_length=200, width="100%",
                                          id="f-route-name"), "f-route-name"),
        _field("doc.field.type", _type_select("doc_type", "any", "f-route-type")),
        rx.cond(RouteAdminState.city_wide_allowed, rx.hstack(
            rx.checkbox(name="scope", value="city", id="f-route-city"),
            rx.text(t("doc.route.city_wide"), as_="label", html_for="f-route-city", size="2"), align="center")),
        rx.hstack(rx.checkbox(name="is_default", id="f-route-default"),
                  rx.text(t("doc.route.make_default"), as_="label", html_for="f-route-default", size="2"),
                  align="center"),
        rx.button(rx.icon("plus", size=16), t("doc.route.create"), type="submit", id="create-route"),
        spacing="3", width="100%",
    ), on_submit=RouteAdminState.create_route, reset_on_submit=False, key=RouteAdminState.route_draft), width="100%")


def _step_row(s: StepRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(s.stage.to_string()),
        rx.table.cell(rx.cond(s.kind == "sign", t("doc.step.sign"), t("doc.step.review"))),
        rx.table.cell(rx.cond(s.assignee_kind == "unit_head", t("doc.assignee.unit_head"), s.who)),
        rx.table.cell(rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red", size="1",
                                     on_click=RouteAdminState.remove_step(s.id), aria_label=t("doc.route.remove"))),
        class_name="route-step",
    )


def _add_step_form() -> rx.Component:
    options = rx.cond(RouteAdminState.assignee_kind == "position", RouteAdminState.positions, RouteAdminState.people)
    return rx.form(rx.vstack(
        rx.text(t("doc.route.add_step"), weight="bold"),
        rx.grid(
            _field("doc.route.stage", rx.input(name="stage", type="number", min="1", max="20", default_value="1",
                                               required=True, width="100%", id="f-stage"), "f-stage"),
            _field("doc.route.kind", rx.select.root(
                rx.select.trigger(width="100%", id="f-step-kind"),
                rx.select.content(*[rx.select.item(t(f"doc.step.{k}"), value=k) for k in STEP_KINDS]),
                name="kind", default_value="review")),
            columns="2", spacing="3", width="100%",
        ),
        rx.segmented_control.root(
            *[rx.segmented_control.item(t(f"doc.assignee.{k}"), value=k) for k in ASSIGNEE_KINDS],
            value=RouteAdminState.assignee_kind, on_change=RouteAdminState.pick_assignee_kind, size="1",
            id="f-assignee-kind"),
        rx.cond(RouteAdminState.assignee_kind != "unit_head", rx.select.root(
            rx.select.trigger(width="100%", id="f-assignee", placeholder=t("task.field.pick")),
            rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value))),
            name="assignee", required=True)),
        rx.button(rx.icon("plus", size=16), t("doc.route.add_step"), type="submit", id="add-step"),
        spacing="3", width="100%",
    ), on_submit=RouteAdminState.add_step, reset_on_submit=False)


def _editor() -> rx.Component:
    return rx.vstack(
        rx.button(rx.icon("arrow-left", size=14), t("doc.route.all"), variant="ghost", size="1",
                  on_click=RouteAdminState.close_route),
        rx.heading(R.name, size="5", id="route-name"),
        rx.text(rx.cond(R.unit_name != "", R.unit_name, t("doc.route.city_wide")), size="2", color_scheme="gray"),
        rx.cond(R.problem != "", rx.callout(rx.match(R.problem, *[(k, t(k)) for k in (
            "doc.route.problem.empty", "doc.route.problem.no_sign", "doc.route.problem.sign_last")], R.problem),
            icon="triangle-alert", color_scheme="amber", id="route-problem")),
        rx.grid(
            rx.card(rx.vstack(
                rx.text(t("doc.route.steps"), weight="bold"),
                rx.text(t("doc.route.steps_help"), size="1", color_scheme="gray"),
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(t("doc.route.stage"), width="70px"),
                        rx.table.column_header_cell(t("doc.route.kind")),
                        rx.table.column_header_cell(t("doc.route.who")),
                        rx.table.column_header_cell("", width="40px"))),
                    rx.table.body(rx.foreach(R.steps, _step_row)), size="1", width="100%"),
                    overflow_x="auto", width="100%", id="route-steps"),
                rx.divider(),
                _add_step_form(),
                spacing="3", width="100%"), width="100%"),
            rx.card(rx.form(rx.vstack(
                rx.text(t("doc.route.settings"), weight="bold"),
                _field("doc.route.name", rx.input(name="name", default_value=R.name, required=True, max_length=200,
                                                  width="100%", key=R.id.to_string() + "-name")),
                _field("doc.field.type", _type_select("doc_type", rx.cond(R.doc_type != "", R.doc_type, "any"),
                                                      "f-edit-type")),
                rx.hstack(rx.checkbox(name="is_default", default_checked=R.is_default, id="f-edit-default"),
                          rx.text(t("doc.route.make_default"), as_="label", html_for="f-edit-default", size="2"),
                          align="center"),
                rx.hstack(rx.checkbox(name="active", default_checked=R.active, id="f-edit-active"),
                          rx.text(t("doc.route.active"), as_="label", html_for="f-edit-active", size="2"),
                          align="center"),
                rx.button(t("common.save"), type="submit", id="save-route"),
                spacing="3", width="100%",
            ), on_submit=RouteAdminState.save_route, reset_on_submit=False, key=R.id.to_string() + "-" +
                R.version.to_string()), width="100%"),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
        ),
        spacing="3", width="100%",
    )


@app_page(routes.ADMIN_ROUTES, on_load=[RouteAdminState.load])
def admin_routes_page() -> rx.Component:
    """The route template editor."""
    return rx.vstack(
        rx.heading(t("doc.route.editor"), size="6"),
        rx.text(t("doc.route.editor_help"), size="2", color_scheme="gray"),
        rx.cond(
            RouteAdminState.loaded & ~RouteAdminState.allowed,
            refused("doc.route.not_allowed", id="routes-denied", icon="lock"),
            rx.cond(
                R.id > 0,
                _editor(),
                rx.grid(
                    rx.card(rx.vstack(rx.foreach(RouteAdminState.routes, _route_row), spacing="0", width="100%"),
                            padding="0", width="100%", id="route-list"),
                    _new_route_form(),
                    columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
                ),
            ),
        ),
        spacing="4", width="100%",
    )
