"""Per-event seat inventory and holds. PostgreSQL rows are the truth; Redis only carries news of changes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Sequence,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

# Every change to a seat takes the next value: per seat, versions follow commit order (the row lock orders them),
# so a browser can drop a delta older than what it already shows.
seat_versions = Sequence("seat_versions", metadata=Base.metadata)


class SeatStatus(enum.StrEnum):
    """Stored status of a seat (free -> held -> sold, or blocked by the organizer). A `held` seat whose
    `held_until` has passed is available to buyers (sql/rules.sql: usher_seat_status)."""

    AVAILABLE = "available"
    HELD = "held"
    SOLD = "sold"
    BLOCKED = "blocked"


class Cart(Base):
    """An anonymous buyer's basket, identified by a signed token in a cookie or the X-Cart header. Its holds count
    against the limits of the client that used it last (sql/rules.sql: usher_client_may_hold)."""

    __tablename__ = "carts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    client_network: Mapped[str | None] = mapped_column(String(64), index=True)  # an IPv4 address or an IPv6 /64
    client_account: Mapped[uuid.UUID | None] = mapped_column(index=True)  # the logged-in user, if any (no FK: a key)
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # its one hold extension


class EventSeat(Base):
    __tablename__ = "event_seats"
    __table_args__ = (
        CheckConstraint("status IN ('available', 'held', 'sold', 'blocked')", name="status"),
        CheckConstraint("(status = 'held') = (cart_id IS NOT NULL AND held_until IS NOT NULL)", name="hold_shape"),
        Index("ix_event_seats_expiring", "held_until", postgresql_where=text("status = 'held'")),
        Index("ix_event_seats_cart", "cart_id", postgresql_where=text("cart_id IS NOT NULL")),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    section_key: Mapped[str] = mapped_column(String(64))
    section_name: Mapped[str] = mapped_column(String(120))
    row_label: Mapped[str] = mapped_column(String(20))
    row_index: Mapped[int] = mapped_column(Integer)
    seat_index: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(64))
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list, server_default="{}")
    status: Mapped[str] = mapped_column(String(10), default=SeatStatus.AVAILABLE, server_default="available")
    cart_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("carts.id", ondelete="SET NULL"))
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger, server_default=seat_versions.next_value())


class EventArea(Base):
    """A general-admission area of an event: sold by quantity. `held` counts the places of live holds (and of
    expired holds not yet reclaimed); the check constraint makes overselling impossible even for a buggy caller."""

    __tablename__ = "event_areas"
    __table_args__ = (CheckConstraint("held >= 0 AND sold >= 0 AND held + sold <= capacity", name="within_capacity"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sold: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(BigInteger, server_default=seat_versions.next_value())


class AreaHold(Base):
    """Places a cart holds in a general-admission area (one row per cart and area)."""

    __tablename__ = "area_holds"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        ForeignKeyConstraint(["event_id", "area_key"], ["event_areas.event_id", "event_areas.key"], ondelete="CASCADE"),
        Index("ix_area_holds_expiring", "held_until"),
        Index("ix_area_holds_cart", "cart_id"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    area_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    cart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    held_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
