"""Venues: where events happen; seat layouts attach here."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamps, UUIDPrimaryKey


class Venue(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "venues"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    timezone: Mapped[str] = mapped_column(String(64))
