"""Tasks from higher levels: who may see and act (``access``), every change (``actions``), quick assignment to many
units (``quick_assign``), the derived reporting status (``status``), the oversight counters kept in step (``tally``),
the task page and follow-up reads (``views``), the work inbox (``inbox``) and deadline reminders (``reminders``)."""

from govhub.services.tasks.access import access_task
from govhub.services.tasks.actions import (
    NewTask,
    do_accept,
    do_assign,
    do_cancel,
    do_create_tasks,
    do_decide_extension,
    do_delegate,
    do_receive,
    do_report,
    do_request_extension,
    do_return,
    do_submit,
)
from govhub.services.tasks.inbox import InboxItem, InboxPage
from govhub.services.tasks.quick_assign import DirectiveSpec, TargetUnit, do_quick_assign
from govhub.services.tasks.reminders import (
    ReminderRow,
    do_cancel_reminder,
    do_remind_me,
    do_send_deadline_reminders,
    do_send_digests,
    do_send_personal_reminders,
)
from govhub.services.tasks.tally import do_rebuild
from govhub.services.tasks.views import (
    ChildRow,
    DeadlineRow,
    DirectiveMatrix,
    FollowUpPage,
    PickOption,
    TaskDetail,
    TimelineEntry,
)

__all__ = [
    "ChildRow", "DeadlineRow", "DirectiveMatrix", "DirectiveSpec", "FollowUpPage", "InboxItem", "InboxPage", "NewTask",
    "PickOption", "ReminderRow", "TargetUnit", "TaskDetail", "TimelineEntry", "access_task", "do_accept", "do_assign",
    "do_cancel", "do_cancel_reminder", "do_create_tasks", "do_decide_extension", "do_delegate", "do_quick_assign",
    "do_rebuild", "do_receive", "do_remind_me", "do_report", "do_request_extension", "do_return",
    "do_send_deadline_reminders", "do_send_digests", "do_send_personal_reminders", "do_submit",
]
