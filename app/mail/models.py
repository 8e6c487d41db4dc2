"""The mail outbox: messages are written in the transaction that causes them and sent by the worker."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UUIDPrimaryKey


class OutboundMail(UUIDPrimaryKey, Base):
    __tablename__ = "outbound_mail"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_outbound_mail_due", "status", "next_attempt_at"),
    )

    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The order a message is about, so organizers see its delivery and can send it again.
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)

    attachments: Mapped[list[MailAttachment]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="MailAttachment.position"
    )


class MailAttachment(Base):
    """A file sent with a message; with a content id it is shown inline in the HTML (cid:...)."""

    __tablename__ = "mail_attachments"

    mail_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbound_mail.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_id: Mapped[str | None] = mapped_column(String(100))
