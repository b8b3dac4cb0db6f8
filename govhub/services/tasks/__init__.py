"""Tasks from higher levels: who may see and act (``access``), every change (``actions``), quick assignment to many
units (``quick_assign``), the derived reporting status (``status``), the oversight counters kept in step (``tally``),
the task page and follow-up reads (``views``), the work inbox (``inbox``) and deadline reminders (``reminders``)."""
