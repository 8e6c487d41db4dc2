"""Ways a message leaves: SMTP (aiosmtplib) in production, .eml files in var/mail for development."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, parseaddr
from pathlib import Path
from typing import Protocol

import aiosmtplib

from app.config import Settings
from app.mail.models import OutboundMail


class PermanentMailError(Exception):
    """The server refused the recipient or message for good; retrying will not help."""


class MailTransport(Protocol):
    async def send(self, mail: OutboundMail) -> None: ...


def message_id(mail: OutboundMail, sender: str) -> str:
    """One Message-ID per outbox row, at the sender's domain, whichever attempt delivers it."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "usher.localhost"
    return f"<{mail.id}@{domain}>"


def build_message(mail: OutboundMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    # Date and Message-ID belong to the outbox row, not the attempt: a retry is recognisably the same message.
    message["Date"] = format_datetime(mail.created_at) if mail.created_at else formatdate(localtime=False)
    message["Message-ID"] = message_id(mail, sender)
    message.set_content(mail.text_body)
    if mail.html_body:
        message.add_alternative(mail.html_body, subtype="html")
        html = message.get_payload()[-1]
        for attachment in mail.attachments:
            if attachment.content_id:  # shown in the HTML through cid:, kept with it in multipart/related
                maintype, _, subtype = attachment.content_type.partition("/")
                html.add_related(
                    attachment.content,
                    maintype=maintype,
                    subtype=subtype,
                    cid=f"<{attachment.content_id}>",
                    filename=attachment.filename,
                )
    for attachment in mail.attachments:
        if not attachment.content_id or not mail.html_body:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


class FileTransport:
    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    async def send(self, mail: OutboundMail) -> None:
        data = build_message(mail, self.sender).as_bytes()
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = mail.created_at.strftime("%Y%m%dT%H%M%S") if mail.created_at else "mail"
        path = self.directory / f"{stamp}-{mail.id}.eml"
        await asyncio.to_thread(path.write_bytes, data)


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, mail: OutboundMail) -> None:
        settings = self.settings
        try:
            await aiosmtplib.send(
                build_message(mail, settings.mail_from),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                start_tls=settings.smtp_starttls,
                timeout=30,
            )
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPSenderRefused) as exc:
            raise PermanentMailError(str(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentMailError(f"{exc.code} {exc.message}") from exc
            raise
