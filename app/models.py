"""Imports every domain's models so the metadata (Alembic, tests) sees all tables."""

from app.accounts.models import ApiToken, Invitation, Membership, Organization, PasswordResetToken, User
from app.db import Base
from app.events.models import Event, EventCover, PriceTier
from app.mail.models import OutboundMail
from app.seating.models import Cart, EventSeat
from app.venues.models import SeatLayout, SeatLayoutVersion, Venue

__all__ = [
    "ApiToken",
    "Base",
    "Cart",
    "Event",
    "EventCover",
    "EventSeat",
    "Invitation",
    "Membership",
    "Organization",
    "OutboundMail",
    "PasswordResetToken",
    "PriceTier",
    "SeatLayout",
    "SeatLayoutVersion",
    "User",
    "Venue",
]
