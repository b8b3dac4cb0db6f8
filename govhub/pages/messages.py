"""Messages ("Trao đổi"): case groups, group and direct conversations, instructions and their acknowledgements,
and important news for leaders. On a phone the list and the open conversation take turns."""

from __future__ import annotations

import reflex as rx

from govhub import routes, styles
from govhub.components.i18n import t
from govhub.components.plain_button import FOCUS_RING, plain_button
from govhub.components.server_link import server_link
from govhub.components.shell import app_page, refused
from govhub.services.messaging.conversations import AckPerson, AttachmentRow, ConversationRow, MessageRow, NewsTarget
from govhub.state.messages import MessagesState, PersonOption

S = MessagesState
KIND_ICONS = {"case": "briefcase", "group": "users", "direct": "user"}


# A long name (a file's, a conversation's) wraps anywhere (Vietnamese names often have no spaces) and stops after
# two lines; the whole name is in the tooltip (and, for a file, the download).
TWO_LINES = {"display": "-webkit-box", "WebkitLineClamp": "2", "WebkitBoxOrient": "vertical", "overflow": "hidden",
             "overflowWrap": "anywhere"}


def _case_detail(sub_task: rx.Var[bool], unit: rx.Var[str], class_name: str) -> rx.Component:
    """What tells a case group from another of the same name (a delegated task's sub-task has its parent's
    title): "Sub-task", and the lead unit of its task, on one line (the unit cut short, whole in the tooltip)."""
    return rx.hstack(
        rx.cond(sub_task, rx.badge(t("messages.sub_task"), size="1", color_scheme="indigo", variant="soft",
                                   flex_shrink="0", class_name="conv-sub-task")),
        rx.icon("building-2", size=12, color=styles.FAINT_ICON, flex_shrink="0"),
        rx.text(unit, size="1", color_scheme="gray", min_width="0", overflow="hidden", text_overflow="ellipsis",
                white_space="nowrap", title=unit, class_name="conv-unit"),
        spacing="1", align="center", min_width="0", max_width="100%", class_name=class_name,
    )


def _conv_row(c: ConversationRow) -> rx.Component:
    current = S.conv_id == c.id
    return rx.link(
        rx.hstack(
            rx.match(c.kind, *[(k, rx.icon(i, size=16, color=styles.MUTED_ICON)) for k, i in KIND_ICONS.items()],
                     rx.icon("message-square", size=16)),
            rx.vstack(rx.text(c.title, size="2", weight=rx.cond(c.unread > 0, "bold", "medium"), title=c.title,
                              style=TWO_LINES, class_name="conv-title"),
                      rx.cond(c.unit != "", _case_detail(c.sub_task, c.unit, "conv-detail")),
                      rx.text(c.last_at, size="1", color_scheme="gray"), spacing="1", min_width="0", flex="1"),
            rx.cond(c.unread > 0, rx.badge(c.unread, color_scheme="indigo", variant="solid", radius="full",
                                           class_name="conv-unread")),
            align="center", spacing="2", width="100%",
        ),
        href=routes.conversation_url(c.id),
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        display="block",
        padding="10px 12px",
        border_bottom=styles.border(styles.LINE),
        background=rx.cond(current, styles.ACCENT_SOFT, "transparent"),
        class_name="conv-row",
        _hover={"background": styles.SURFACE_HOVER},
        _focus_visible=FOCUS_RING,  # inside the card's edge, not cut off by it
    )


def _list(display: list[str] | str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(rx.icon("user-plus", size=14), t("messages.new_direct"), size="1", variant="soft",
                      on_click=S.open_new("direct"), id="new-direct"),
            rx.button(rx.icon("users", size=14), t("messages.new_group"), size="1", variant="soft",
                      on_click=S.open_new("group"), id="new-group"),
            rx.cond(S.may_broadcast,
                    rx.button(rx.icon("megaphone", size=14), t("messages.new_news"), size="1", variant="soft",
                              color_scheme="amber", on_click=S.open_new("news"), id="new-news")),
            wrap="wrap", spacing="2",
        ),
        # Searches all my conversations on the server (not only those shown).
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder=t("messages.filter"), type="search",
                 value=S.list_filter, on_change=S.filter_list.debounce(300), width="100%", max_length=100,
                 id="conv-filter"),
        rx.card(
            rx.cond(S.convs.length() > 0, rx.foreach(S.convs, _conv_row),
                    rx.text(rx.cond(S.list_filter.strip() != "", t("messages.no_matches"),
                                    t("messages.no_conversations")), size="2", color_scheme="gray", padding="16px",
                            id="conv-empty")),
            rx.cond(S.convs_more, rx.button(t("messages.more_conversations"), size="2", variant="ghost",
                                            on_click=S.more_conversations, width="100%", margin_y="8px",
                                            id="conv-more")),
            rx.cond(S.convs_capped, rx.text(t("messages.list_capped", n=S.convs.length().to_string()), size="1",
                                            color_scheme="gray", padding="10px 12px", id="conv-capped")),
            padding="0", width="100%", id="conv-list",
        ),
        spacing="3",
        width=["100%", "100%", "320px"],
        min_width=["0", "0", "320px"],
        display=display,
    )


# The link is a plain download (server_link), not client-side routing.
def _attachment(a: AttachmentRow) -> rx.Component:
    return server_link(
        rx.hstack(rx.icon("paperclip", size=14, flex_shrink="0"),
                  rx.text(a.name, size="2", min_width="0", style=TWO_LINES, class_name="attachment-name"),
                  rx.text(a.size, size="1", color_scheme="gray", white_space="nowrap", flex_shrink="0"),
                  spacing="2", align="center", min_width="0"),
        href=a.url, download=a.name, title=a.name, class_name="attachment",
        display="block", max_width="100%", padding="6px 10px", border_radius="var(--radius-2)",
        border=styles.border(styles.LINE_CONTROL), background=styles.SURFACE, color=styles.ACCENT_TEXT,
        text_decoration="none", _hover={"background": styles.SURFACE_SUBTLE},
    )


def _pending_file(name: rx.Var[str]) -> rx.Component:
    return rx.badge(rx.icon("paperclip", size=12, flex_shrink="0"),
                    rx.text(name, min_width="0", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
                    title=name, max_width="calc(100% - 32px)", class_name="pending-file")  # the × stays beside it


def _message(m: MessageRow) -> rx.Component:
    instruction = m.kind == "instruction"
    return rx.box(
        rx.vstack(
            rx.hstack(rx.text(m.author, size="1", weight="bold"), rx.text(m.at, size="1", color_scheme="gray"),
                      rx.cond(instruction, rx.badge(rx.icon("flag", size=12), t("messages.instruction"),
                                                    color_scheme="orange", size="1")),
                      spacing="2", align="center", wrap="wrap"),
            rx.cond(m.body != "", rx.text(m.body, size="2", white_space="pre-wrap", overflow_wrap="anywhere",
                                          class_name="msg-body")),
            rx.foreach(m.attachments, _attachment),
            rx.cond(
                instruction,
                rx.hstack(
                    rx.button(t("messages.ack_count", n=m.ack_count.to_string(), total=m.ack_total.to_string()),
                              size="1", variant="ghost", on_click=S.show_acks(m.id), class_name="ack-count"),
                    rx.cond(~m.mine & ~m.acked & S.conv_member,
                            rx.button(rx.icon("check", size=14), t("messages.acknowledge"), size="1",
                                      color_scheme="orange", on_click=S.acknowledge(m.id), class_name="ack-button")),
                    rx.cond(~m.mine & m.acked, rx.badge(t("messages.you_acked"), color_scheme="green")),
                    spacing="2", align="center", wrap="wrap",
                ),
            ),
            spacing="1", align_items=rx.cond(m.mine, "end", "start"), min_width="0",
        ),
        align_self=rx.cond(m.mine, "flex-end", "flex-start"),
        max_width="85%",
        padding="8px 12px",
        border_radius="var(--radius-3)",
        background=rx.cond(m.mine, styles.ACCENT_SOFT, styles.SURFACE_HOVER),
        border=rx.cond(instruction, styles.border(styles.INSTRUCTION_LINE), "1px solid transparent"),
        class_name="message",
    )


def _composer() -> rx.Component:
    """The box keeps what was typed until the server has stored the message (a refusal loses nothing); the form is
    then drawn afresh, empty, by its new draft key. The hidden draft key lets the server ignore a double submit."""
    return rx.form(
        rx.vstack(
            rx.el.input(type="hidden", name="draft", value=S.draft_key),
            rx.text_area(name="body", id="msg-body", placeholder=t("messages.write"), max_length=5000, rows="2",
                         width="100%"),
            rx.cond(S.pending_files.length() > 0,
                    rx.hstack(rx.foreach(S.pending_files, _pending_file),
                              rx.button(rx.icon("x", size=12), size="1", variant="ghost", on_click=S.drop_files,
                                        type="button", aria_label=t("messages.drop_files")),
                              wrap="wrap", spacing="1", width="100%", align="center")),
            rx.hstack(
                rx.upload.root(
                    rx.button(rx.icon("paperclip", size=14), t("messages.attach"), size="1", variant="soft",
                              type="button", color_scheme="gray"),
                    id="msg-files", multiple=True, max_files=5, border="none", padding="0",
                    on_drop=S.attach(rx.upload_files(upload_id="msg-files")),
                ),
                rx.text(rx.checkbox(name="instruction", id="msg-instruction"), " ", t("messages.as_instruction"),
                        as_="label", size="2", display="flex", align_items="center", gap="4px"),
                rx.spacer(),
                rx.button(rx.icon("send", size=14), t("messages.send"), type="submit", id="msg-send"),
                width="100%", align="center", wrap="wrap", spacing="2",
            ),
            spacing="2", width="100%",
        ),
        on_submit=S.send,
        reset_on_submit=False,
        key=S.draft_key,
        width="100%",
    )


# The history scrolls in its own box, on phones too (the composer stays in reach), and the box starts at its
# bottom: a reversed column, whose scroll position counts from the newest message. It opens on the newest message,
# stays there as messages arrive, and an older page added on top leaves the reader where they were. Sending a
# message draws the box afresh: back at the newest message, the one just sent.
NEWEST_FIRST = {"display": "flex", "flexDirection": "column-reverse", "overflowY": "auto",
                "overscrollBehavior": "contain", "overflowAnchor": "none"}
HISTORY_HEIGHT = ["max(240px, calc(100dvh - 380px))", "max(240px, calc(100dvh - 380px))", "60vh"]


def _conversation(display: list[str] | str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(rx.icon("arrow-left", size=16), variant="ghost", on_click=S.back_to_list,
                      display=["flex", "flex", "none"], aria_label=t("messages.back")),
            # A long name (a case group is named after its task) stops after two lines; all of it in the tooltip.
            rx.vstack(rx.heading(S.conv_title, size="4", id="conv-title", title=S.conv_title, style=TWO_LINES),
                      rx.cond(S.conv_unit != "", _case_detail(S.conv_sub_task, S.conv_unit, "conv-head-detail")),
                      rx.cond(S.conv_task > 0, rx.link(t("messages.open_task"),
                                                       href=routes.task_url(S.conv_task), size="1")),
                      spacing="1", min_width="0", flex="1"),
            rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder=t("messages.search"), type="search",
                     on_change=S.search.debounce(300), max_length=100, width=["100%", "100%", "220px"],
                     id="msg-search"),  # on phones, a line of its own under the name
            width="100%", align="center", spacing="2", wrap="wrap",
        ),
        # While searching, the matches take the history's place; an empty search brings the history back.
        rx.cond(
            S.searching,
            rx.card(rx.vstack(rx.text(t("messages.found", n=S.found.length().to_string()), size="1",
                                      color_scheme="gray"),
                              rx.foreach(S.found, _message), spacing="2", width="100%"),
                    width="100%", max_height=HISTORY_HEIGHT, overflow_y="auto", id="msg-found"),
            rx.card(
                rx.box(
                    rx.vstack(
                        rx.cond(S.has_older, rx.button(t("messages.older"), size="1", variant="ghost",
                                                       on_click=S.older, align_self="center", id="msg-older")),
                        rx.cond(S.rows.length() > 0, rx.foreach(S.rows, _message),
                                rx.text(t("messages.empty"), size="2", color_scheme="gray")),
                        spacing="2", width="100%",
                    ),
                    id="msg-list", max_height=HISTORY_HEIGHT, padding="var(--card-padding)", style=NEWEST_FIRST,
                    key=S.my_newest.to_string(),
                ),
                width="100%", padding="0",
            ),
        ),
        rx.cond(~S.conv_member, rx.callout(t("messages.reading_as_follower"), icon="eye", size="1", color_scheme="gray",
                                            width="100%", id="msg-follower")),
        _composer(),
        spacing="3", flex="1", min_width="0", width="100%",
        display=display,
    )


def _ack_person(p: AckPerson) -> rx.Component:
    return rx.hstack(
        rx.text(p.name, size="2", flex="1"),
        rx.cond(p.acked, rx.badge(t("messages.acked_state"), color_scheme="green"),
                rx.cond(p.read, rx.badge(t("messages.read_state"), color_scheme="blue"),
                        rx.badge(t("messages.unread_state"), color_scheme="gray"))),
        width="100%", align="center", class_name="ack-person",
    )


def _person(p: PersonOption) -> rx.Component:
    return plain_button(rx.text(p.name, size="2", weight="medium"), rx.text(p.detail, size="1", color_scheme="gray"),
                        on_click=S.choose(p.id), padding="6px", class_name="person-option",
                        style={"display": "block", "width": "100%"}, _hover={"background": styles.SURFACE_HOVER})


def _news_unit(u: NewsTarget) -> rx.Component:
    return rx.text(rx.checkbox(checked=S.news_picked.contains(u.id), on_change=lambda _v: S.toggle_news_unit(u.id)),
                   " ", u.name, as_="label", size="2", display="flex", align_items="center", gap="6px",
                   class_name="news-unit")


def _dialogs() -> rx.Component:
    people = rx.vstack(
        rx.input(placeholder=t("messages.find_people"), on_change=S.find_people.debounce(300), width="100%",
                 id="people-search", max_length=100),
        rx.vstack(rx.foreach(S.people, _person), spacing="0", width="100%"),
        spacing="2", width="100%",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.match(
                S.dialog,
                ("acks", rx.vstack(rx.dialog.title(t("messages.ack_title")),
                                   rx.vstack(rx.foreach(S.acks, _ack_person), spacing="2", width="100%",
                                             id="ack-list"), spacing="3")),
                ("direct", rx.vstack(rx.dialog.title(t("messages.new_direct")), people, spacing="3")),
                ("group", rx.form(rx.vstack(
                    rx.dialog.title(t("messages.new_group")),
                    rx.input(name="title", placeholder=t("messages.group_title"), required=True, max_length=200,
                             width="100%", id="group-title"),
                    rx.hstack(rx.foreach(S.chosen, lambda p: plain_button(rx.badge(p.name, " ×"),
                                                                           on_click=S.unchoose(p.id),
                                                                           class_name="chosen-person")), wrap="wrap"),
                    people,
                    rx.button(t("messages.create_group"), type="submit", id="group-create"),
                    spacing="3"), on_submit=S.create_group)),
                ("news", rx.form(rx.vstack(
                    rx.dialog.title(t("messages.new_news")),
                    rx.input(name="title", placeholder=t("messages.news_title"), required=True, max_length=200,
                             width="100%", id="news-title"),
                    rx.text_area(name="body", placeholder=t("messages.news_body"), max_length=4000, rows="4",
                                 width="100%", id="news-body"),
                    rx.cond(S.news_all, rx.radio_group.root(
                        rx.flex(rx.text(rx.radio_group.item(value="all"), " ", t("messages.news_everyone"),
                                        as_="label", size="2", id="news-everyone"),
                                rx.text(rx.radio_group.item(value="units"), " ", t("messages.news_units"),
                                        as_="label", size="2", id="news-to-units"),
                                wrap="wrap", spacing="3"),
                        value=rx.cond(S.news_everyone, "all", "units"), on_change=S.choose_audience)),
                    rx.cond(~S.news_everyone, rx.vstack(
                        rx.cond(S.news_all, rx.input(
                            rx.input.slot(rx.icon("search", size=14)), placeholder=t("messages.news_filter"),
                            type="search", on_change=S.filter_news_units.debounce(300), max_length=100, width="100%",
                            id="news-filter")),
                        rx.scroll_area(rx.vstack(rx.foreach(S.news_units, _news_unit), spacing="1",
                                                 padding_right="14px", id="news-units"), max_height="200px",
                                       type="auto"),
                        spacing="2", width="100%")),
                    rx.button(t("messages.publish"), type="submit", id="news-publish"),
                    spacing="3", width="100%"), on_submit=S.publish)),
                rx.fragment(),
            ),
            rx.dialog.close(rx.button(t("common.close"), variant="soft", color_scheme="gray", margin_top="12px")),
            max_width="min(520px, 94vw)",
        ),
        open=S.dialog != "",
        on_open_change=S.close_dialog,
    )


@app_page(routes.MESSAGES, on_load=[MessagesState.load])
def messages_page() -> rx.Component:
    """My conversations."""
    return _page()


@app_page(routes.CONVERSATION, on_load=[MessagesState.load])
def conversation_page() -> rx.Component:
    """One conversation (and the list beside it on a desktop)."""
    return _page()


@app_page(routes.TASK_GROUP, on_load=[MessagesState.load])
def task_group_page() -> rx.Component:
    """A task's case group (opens it, then shows it)."""
    return _page()


def _nothing_open() -> rx.Component:
    """Desktops, beside the list, until a conversation is chosen (no composer with nowhere to send)."""
    return rx.card(rx.hstack(rx.icon("messages-square", size=18, color=styles.FAINT_ICON),
                             rx.text(t("messages.pick"), size="2", color_scheme="gray"), align="center", spacing="2"),
                   flex="1", min_width="0", display=["none", "none", "block"], id="conv-none")


def _page() -> rx.Component:
    return rx.vstack(
        rx.cond(S.conv_id > 0, rx.heading(t("messages.title"), size="6", display=["none", "none", "block"]),
                rx.heading(t("messages.title"), size="6")),
        rx.cond(S.missing, refused(id="conv-missing", icon="circle-alert")),
        # Phones show the list or the open conversation; desktops both, side by side.
        rx.cond(S.conv_id > 0,
                rx.flex(_list(["none", "none", "flex"]), _conversation("flex"), spacing="4", width="100%",
                        align="start"),
                rx.flex(_list("flex"), _nothing_open(), spacing="4", width="100%", align="start")),
        _dialogs(),
        spacing="3", width="100%",
    )
