"""Imports every domain's models so the metadata (Alembic, tests) sees all tables."""

from app.accounts.models import ApiToken, Invitation, Membership, Organization, PasswordResetToken, User
from app.checkin.models import Scan
from app.db import Base
from app.events.models import Event, EventCover, PriceTier
from app.mail.models import MailAttachment, OutboundMail
from app.orders.models import Order, OrderLine, PaymentRecord, PromoCode
from app.seating.models import AreaHold, Cart, EventArea, EventSeat
from app.tickets.models import OrganizationKey, Ticket
from app.venues.models import SeatLayout, SeatLayoutVersion, Venue

__all__ = [
    "ApiToken",
    "AreaHold",
    "Base",
    "Cart",
    "Event",
    "EventArea",
    "EventCover",
    "EventSeat",
    "Invitation",
    "MailAttachment",
    "Membership",
    "Order",
    "OrderLine",
    "Organization",
    "OrganizationKey",
    "OutboundMail",
    "PasswordResetToken",
    "PaymentRecord",
    "PriceTier",
    "PromoCode",
    "Scan",
    "SeatLayout",
    "SeatLayoutVersion",
    "Ticket",
    "User",
    "Venue",
]
