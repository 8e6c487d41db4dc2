"""Tickets and the per-organization signing keys behind their QR codes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, LargeBinary, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UUIDPrimaryKey


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    VOID = "void"  # its order was refunded or cancelled


class Ticket(UUIDPrimaryKey, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("status IN ('valid', 'void')", name="status"),
        # No seat of an event is ever on two valid tickets, whatever the code above does.
        Index(
            "uq_tickets_valid_seat",
            "event_id",
            "seat_key",
            unique=True,
            postgresql_where=text("status = 'valid' AND seat_key IS NOT NULL"),
        ),
    )

    code: Mapped[str] = mapped_column(String(32), unique=True)  # unguessable; the secret link and the QR's id
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    seat_key: Mapped[str | None] = mapped_column(String(64))
    area_key: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    tier_name: Mapped[str] = mapped_column(String(120))
    attendee_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=TicketStatus.VALID)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Door check-in: set once by a conditional update (first scan wins); cleared only by a manager's undo.
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_in_device: Mapped[str | None] = mapped_column(String(64))


class OrganizationKey(Base):
    """Ed25519 key pair per organization; the private half encrypted with a key derived from SECRET_KEY."""

    __tablename__ = "organization_keys"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
