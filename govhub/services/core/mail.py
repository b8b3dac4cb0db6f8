"""E-mail: queued in the outbox in the caller's transaction (never sent on the request path), drained by a job
that sends through SMTP and retries failures with a growing delay. Templates are in the i18n catalogs
(``mail.subject.*`` / ``mail.body.*``), Vietnamese first."""

from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from email.header import Header
from email.mime.text import MIMEText
from email.utils import parseaddr

from sqlalchemy import insert
from sqlmodel import Session, select

from govhub import clock
from govhub.config import get_settings
from govhub.i18n import translate
from govhub.models import OutboxEmail

MAX_BATCH = 50


def enabled() -> bool:
    """Whether e-mail is configured (SMTP host set)."""
    return bool(get_settings().smtp_host)


def compose(template: str, locale: str, **params: object) -> tuple[str, str]:
    """(subject, body) of a template in the reader's language."""
    return (translate(locale, f"mail.subject.{template}", **params)[:300],
            translate(locale, f"mail.body.{template}", **params)[:10000])


def enqueue_many(session: Session, mails: list[dict]) -> int:
    """Queue e-mails (each: to, subject, body) in the caller's transaction; addresses left empty are skipped."""
    if not enabled():
        return 0
    now = clock.now()
    rows = [{"to_addr": m["to"], "subject": m["subject"], "body": m["body"], "status": "pending", "attempts": 0,
             "next_attempt_at": now, "last_error": "", "created_at": now, "sent_at": None}
            for m in mails if m.get("to") and "@" in m["to"]]
    if rows:
        session.execute(insert(OutboxEmail), rows)
    return len(rows)


def message_id(mail: OutboxEmail) -> str:
    """The same on every attempt at one outbox row: a resend after a crash between the server's acceptance and
    our commit carries the id of the first, so mail servers and clients can drop the repeat."""
    domain = parseaddr(get_settings().mail_sender)[1].rpartition("@")[2] or "govhub.local"
    return f"<{int(mail.created_at.timestamp())}.outbox{mail.id}@{domain}>"


def _send(mail: OutboxEmail) -> None:
    settings = get_settings()
    # The subject as whole encoded words: Vietnamese survives folding (the modern API drops the space between
    # two folded encoded words).
    message = MIMEText(mail.body, "plain", "utf-8")
    message["From"] = settings.mail_sender
    message["To"] = mail.to_addr
    message["Subject"] = Header(mail.subject, "utf-8")
    message["Message-ID"] = message_id(mail)
    timeout = 20
    if settings.smtp_tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with client:
        if settings.smtp_tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password or "")
        client.send_message(message)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def do_send_outbox(session: Session, limit: int = MAX_BATCH) -> tuple[int, int]:
    """Send what is due; (sent, failed). Rows are claimed with SKIP LOCKED on PostgreSQL, so two drains never
    send the same e-mail; each row is committed as soon as it is sent."""
    if not enabled():
        return 0, 0
    sent = failed = 0
    max_attempts = get_settings().mail_max_attempts
    stmt = (select(OutboxEmail).where(OutboxEmail.status == "pending", OutboxEmail.next_attempt_at <= clock.now())
            .order_by(OutboxEmail.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    for _ in range(limit):  # one row per transaction: claimed, sent, committed
        mail = session.exec(stmt).first()
        if mail is None:
            break
        try:
            _send(mail)
        except (OSError, smtplib.SMTPException) as exc:
            mail.attempts += 1
            mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if mail.attempts >= max_attempts:
                mail.status = "failed"
            else:
                mail.next_attempt_at = clock.now() + backoff(mail.attempts)
            failed += 1
        else:
            mail.attempts += 1
            mail.status, mail.sent_at, mail.last_error = "sent", clock.now(), ""
            sent += 1
        session.add(mail)
        session.commit()
    return sent, failed
