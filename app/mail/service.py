"""Queueing mail in the caller's transaction, and delivering what is due (claimed with SKIP LOCKED)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.mail.models import OutboundMail
from app.mail.transport import MailTransport, PermanentMailError
from app.templating import render

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


def queue_mail(session: AsyncSession, *, recipient: str, template: str, **context: object) -> OutboundMail:
    """Render templates/mail/<template>.{subject,txt,html} and add the message to the session (caller commits)."""
    mail = OutboundMail(
        id=uuid.uuid4(),
        recipient=recipient,
        subject=render(f"mail/{template}.subject.txt", **context).strip(),
        text_body=render(f"mail/{template}.txt", **context),
        html_body=render(f"mail/{template}.html", **context),
    )
    session.add(mail)
    return mail


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, 4 min, 8 min."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


async def deliver_due_mail(
    sessionmaker: async_sessionmaker[AsyncSession],
    transport: MailTransport,
    *,
    only_id: uuid.UUID | None = None,
    limit: int = 50,
) -> int:
    """Send pending mail whose time has come, one message per transaction: claimed with SKIP LOCKED (several
    workers never send one message at once), marked sent by the commit right after the server accepted it.

    Safe to repeat and to kill at any moment: a message is sent again only if the worker died between the SMTP
    server's acceptance and that commit (one round trip); the retry carries the same Message-ID, so mail clients
    and providers see one message. Returns how many were sent."""
    sent = 0
    for _ in range(limit):
        async with sessionmaker() as session, session.begin():
            query = (
                select(OutboundMail)
                .where(OutboundMail.status == "pending", OutboundMail.next_attempt_at <= utcnow())
                .order_by(OutboundMail.next_attempt_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if only_id is not None:
                query = query.where(OutboundMail.id == only_id)
            mail = await session.scalar(query)
            if mail is None:
                break
            sent += await _attempt(transport, mail)
    return sent


async def _attempt(transport: MailTransport, mail: OutboundMail) -> int:
    """One delivery attempt; the outcome is written to the row (the caller commits). 1 if it was sent."""
    mail.attempts += 1
    try:
        await transport.send(mail)
    except PermanentMailError as exc:
        mail.status, mail.last_error = "failed", str(exc)
        log.warning("mail failed permanently", extra={"mail_id": str(mail.id), "error": str(exc)})
    except Exception as exc:  # any transport error is retried with backoff
        mail.last_error = f"{type(exc).__name__}: {exc}"
        if mail.attempts >= MAX_ATTEMPTS:
            mail.status = "failed"
        else:
            mail.next_attempt_at = utcnow() + retry_delay(mail.attempts)
        log.warning("mail delivery failed", extra={"mail_id": str(mail.id), "error": mail.last_error})
    else:
        mail.status, mail.sent_at, mail.last_error = "sent", utcnow(), None
        return 1
    return 0


def transport_for(settings: Settings) -> MailTransport:
    from app.mail.transport import FileTransport, SmtpTransport

    if settings.smtp_host:
        return SmtpTransport(settings)
    return FileTransport(settings.mail_dir, settings.mail_from)
