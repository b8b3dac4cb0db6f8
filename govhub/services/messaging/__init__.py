"""Internal communication: conversations, messages, attachments, instructions and news (``conversations``), the case
group of every task (``case_groups``), the bell's read models (``bell``)."""
