"""Imports every domain's models so the metadata (Alembic, tests) sees all tables."""

from app.accounts.models import ApiToken, Invitation, Membership, Organization, PasswordResetToken, User
from app.db import Base
from app.events.models import Event, EventCover, PriceTier
from app.mail.models import OutboundMail
from app.venues.models import Venue

__all__ = [
    "ApiToken",
    "Base",
    "Event",
    "EventCover",
    "Invitation",
    "Membership",
    "Organization",
    "OutboundMail",
    "PasswordResetToken",
    "PriceTier",
    "User",
    "Venue",
]
