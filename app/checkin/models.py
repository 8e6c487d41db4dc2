"""Every scan at the door, whatever its verdict: the log organizers audit and the dashboard counts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UUIDPrimaryKey


class Scan(UUIDPrimaryKey, Base):
    __tablename__ = "scans"
    __table_args__ = (
        CheckConstraint("result IN ('valid', 'duplicate', 'invalid', 'undone')", name="result"),
        Index("ix_scans_event_time", "event_id", "scanned_at"),
        Index(
            "ix_scans_device_local", "device", "local_id", unique=True, postgresql_where=text("local_id IS NOT NULL")
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device: Mapped[str] = mapped_column(String(64))
    local_id: Mapped[str | None] = mapped_column(String(64))  # the offline scanner's id for the scan (idempotent sync)
    result: Mapped[str] = mapped_column(String(10))  # a ScanResult (app/checkin/verdicts.py)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # a VerdictCode; an undo: the words
    offline: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when the device saw it
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
