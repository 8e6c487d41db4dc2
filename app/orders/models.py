"""Orders: what a buyer pays for (frozen prices), and promo codes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, Timestamps, UUIDPrimaryKey


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for payment until expires_at
    PAID = "paid"
    EXPIRED = "expired"  # the payment window closed; seats went back on sale
    REFUND_DUE = "refund_due"  # money to give back (late payment, organizer refund); the worker settles it
    REFUNDED = "refunded"


class Order(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'paid', 'expired', 'refund_due', 'refunded')", name="status"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        CheckConstraint(
            "subtotal_minor >= 0 AND discount_minor >= 0 AND fee_minor >= 0 "
            "AND total_minor = subtotal_minor - discount_minor + fee_minor",
            name="totals_add_up",
        ),
        CheckConstraint(  # every refund says why (migration 0014)
            "status NOT IN ('refund_due', 'refunded') OR btrim(coalesce(refund_reason, '')) <> ''",
            name="refund_reason_given",
        ),
        Index("ix_orders_expiring", "expires_at", postgresql_where=text("status = 'pending'")),
        Index("ix_orders_refund_due", "updated_at", postgresql_where=text("status = 'refund_due'")),
        Index("ix_orders_event_created", "event_id", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(12), unique=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    origin_cart_id: Mapped[uuid.UUID] = mapped_column(index=True)  # the basket it was made from (re-sent forms)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    buyer_email: Mapped[str] = mapped_column(String(320), index=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer, default=0)
    fee_minor: Mapped[int] = mapped_column(Integer, default=0)
    total_minor: Mapped[int] = mapped_column(Integer)
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("promo_codes.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(255), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refund_reason: Mapped[str | None] = mapped_column(Text)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", lazy="selectin", order_by="OrderLine.position", cascade="all, delete-orphan"
    )


class OrderLine(Base):
    """One seat, or N places of a standing area, at the price frozen when the order was made."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("kind IN ('seat', 'area')", name="kind"),
        CheckConstraint("quantity > 0 AND (kind = 'area' OR quantity = 1)", name="quantity"),
        CheckConstraint("unit_price_minor >= 0", name="price_not_negative"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(64))  # seat key or area key
    label: Mapped[str] = mapped_column(String(200))  # "Stalls left · row A · seat 3", "Standing floor"
    category: Mapped[str] = mapped_column(String(64))
    tier_name: Mapped[str] = mapped_column(String(120))
    price_type: Mapped[str] = mapped_column(String(60), default="", server_default="")  # "" when the tier has none
    # The tier that priced it: an order never paid gives an early bird's tickets back to it.
    tier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("price_tiers.id", ondelete="SET NULL"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    attendee_name: Mapped[str | None] = mapped_column(String(200))
    attendee_email: Mapped[str | None] = mapped_column(String(320))

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class PromoKind(enum.StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class PromoCode(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "promo_codes"
    __table_args__ = (
        UniqueConstraint("event_id", "code", name="event_code"),
        CheckConstraint("kind IN ('percent', 'fixed')", name="kind"),
        CheckConstraint("value > 0 AND (kind = 'fixed' OR value <= 100)", name="value"),
        CheckConstraint("max_uses IS NULL OR (max_uses > 0 AND used_count <= max_uses)", name="uses"),
        CheckConstraint("used_count >= 0", name="used_not_negative"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))  # stored upper-case; buyers type it in any case
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[int] = mapped_column(Integer)  # percent, or minor units of the event's currency
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    max_uses: Mapped[int | None] = mapped_column(Integer)
    used_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class PaymentRecord(UUIDPrimaryKey, Base):
    """Everything a payment provider told us, once each: the idempotency key of every callback."""

    __tablename__ = "payment_records"
    __table_args__ = (UniqueConstraint("provider", "external_id", name="provider_external_id"),)

    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(255))  # Stripe event id, or the test provider's attempt id
    kind: Mapped[str] = mapped_column(String(60))  # payment_intent.succeeded, declined, refund, ...
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
