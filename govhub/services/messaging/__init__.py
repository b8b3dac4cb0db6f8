"""Internal communication: conversations, messages, attachments, instructions and news (``conversations``), the case
group of every task (``case_groups``), the bell's read models (``bell``)."""

from govhub.services.messaging.bell import BellItem, do_mark_all_read, do_open_item
from govhub.services.messaging.conversations import (
    AckPerson,
    AttachmentRow,
    ConversationList,
    ConversationRow,
    MessageRow,
    NewsItem,
    NewsTarget,
    Upload,
    access_conversation,
    access_task_group,
    do_acknowledge,
    do_broadcast,
    do_create_group,
    do_direct,
    do_drop_held,
    do_hold_upload,
    do_mark_read,
    do_send,
    do_sweep_pending,
)

__all__ = [
    "AckPerson", "AttachmentRow", "BellItem", "ConversationList", "ConversationRow", "MessageRow", "NewsItem",
    "NewsTarget", "Upload", "access_conversation", "access_task_group", "do_acknowledge", "do_broadcast",
    "do_create_group", "do_direct", "do_drop_held", "do_hold_upload", "do_mark_all_read", "do_mark_read",
    "do_open_item", "do_send", "do_sweep_pending",
]
