"""Events and their price tiers."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, Timestamps, UUIDPrimaryKey
from app.venues.models import Venue


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Category(enum.StrEnum):
    MUSIC = "music"
    THEATRE = "theatre"
    COMEDY = "comedy"
    SPORTS = "sports"
    CONFERENCE = "conference"
    FESTIVAL = "festival"
    FAMILY = "family"
    OTHER = "other"


class Event(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'cancelled')", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("fee_percent_bp BETWEEN 0 AND 10000 AND fee_fixed_minor >= 0", name="fees"),
        CheckConstraint(
            "sales_end_at IS NULL OR sales_start_at IS NULL OR sales_end_at > sales_start_at",
            name="sales_window",
        ),
        Index("ix_events_listing", "status", "starts_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("venues.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(40), default=Category.OTHER)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default="{}")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.DRAFT, server_default="draft")
    sales_start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sales_end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the event is first published: its seat map is fixed from then on (its inventory exists).
    first_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    online_url: Mapped[str | None] = mapped_column(String(500))
    cover_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A seated event sells the seats of this exact layout version; it is frozen once the event is published.
    layout_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("seat_layout_versions.id", ondelete="RESTRICT")
    )
    # A date of a series: still a whole event of its own (inventory, orders, tickets, door list).
    series_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("event_series.id", ondelete="RESTRICT"), index=True)

    # Checkout settings: a service fee (percent in basis points of the discounted subtotal, plus a fixed amount
    # per ticket) shown before paying, and whether each ticket asks for its attendee's name and e-mail.
    fee_percent_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fee_fixed_minor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    collect_attendees: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")

    venue: Mapped[Venue | None] = relationship(lazy="joined")
    tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="event",
        order_by="(PriceTier.sort_order, PriceTier.price_minor)",
        lazy="selectin",
        cascade="all, delete-orphan",
    )


class EventSeries(UUIDPrimaryKey, Timestamps, Base):
    """Dates sold under one title, made from one template of tiers and checkout settings."""

    __tablename__ = "event_series"
    __table_args__ = (CheckConstraint("fee_percent_bp BETWEEN 0 AND 10000 AND fee_fixed_minor >= 0", name="fees"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(40), default=Category.OTHER)
    timezone: Mapped[str] = mapped_column(String(64))
    online_url: Mapped[str | None] = mapped_column(String(500))
    fee_percent_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fee_fixed_minor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The template's tiers as TemplateTier dicts (name, price_minor, currency, ...); each date gets copies.
    template_tiers: Mapped[list[dict]] = mapped_column(JSONB, default=list, server_default="[]")


class PriceTier(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "price_tiers"
    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("(capacity IS NULL) <> (seat_category IS NULL)", name="capacity_xor_seat_category"),
        CheckConstraint(
            "quantity_limit IS NULL OR (quantity_limit > 0 AND sold_count <= quantity_limit)", name="quantity_limit"
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    capacity: Mapped[int | None] = mapped_column(Integer)
    seat_category: Mapped[str | None] = mapped_column(String(80))
    sales_start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sales_end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Several tiers of one seat category with different price types (Adult, Child, ...) price the same seats.
    price_type: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # An early-bird tier sells its first `quantity_limit` tickets; `sold_count` is counted by a conditional UPDATE.
    quantity_limit: Mapped[int | None] = mapped_column(Integer)
    sold_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    event: Mapped[Event] = relationship(back_populates="tiers", lazy="raise")

    @property
    def left(self) -> int | None:
        """Tickets left at this tier's price, if it is limited to its first N."""
        return None if self.quantity_limit is None else max(self.quantity_limit - self.sold_count, 0)

    def sales_state(self, now: datetime | None = None) -> TierState:
        now = now or datetime.now(UTC)
        if self.sales_start_at is not None and now < self.sales_start_at:
            return TierState.UPCOMING
        if self.sales_end_at is not None and now >= self.sales_end_at:
            return TierState.ENDED
        return TierState.SOLD_OUT if self.left == 0 else TierState.ON_SALE


class TierState(enum.StrEnum):
    UPCOMING = "upcoming"
    ON_SALE = "on_sale"
    SOLD_OUT = "sold_out"  # its first N are sold: the next tier for the same seats prices them
    ENDED = "ended"


class EventCover(Base):
    """The re-encoded cover image, kept apart so listing queries never load its bytes."""

    __tablename__ = "event_covers"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
