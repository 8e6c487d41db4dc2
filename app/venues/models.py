"""Venues: where events happen; seat layouts attach here."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamps, UUIDPrimaryKey


class Venue(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "venues"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    timezone: Mapped[str] = mapped_column(String(64))


class SeatLayout(UUIDPrimaryKey, Timestamps, Base):
    """A named seat map of a venue; every save is a new SeatLayoutVersion, never an edit."""

    __tablename__ = "seat_layouts"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class SeatLayoutVersion(UUIDPrimaryKey, Base):
    __tablename__ = "seat_layout_versions"
    __table_args__ = (UniqueConstraint("layout_id", "version"),)

    layout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat_layouts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSONB)
    seat_count: Mapped[int] = mapped_column(Integer)
    ga_capacity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
