"""JSON API of tickets: the public keys scanners and third parties verify ticket QR codes with."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import get
from sqlalchemy.ext.asyncio import AsyncSession

from app.api_schema import refusals
from app.config import Settings
from app.tickets.service import published_ticket_key


class TicketKeyOut(msgspec.Struct):
    algorithm: Literal["Ed25519"]
    format: Literal["raw"]
    public_key: str


@get(
    "/api/v1/organizations/{slug:str}/ticket-key",
    tags=["tickets"],
    summary="The key ticket QR codes are signed with",
    responses=refusals(400, 404),
)
async def ticket_key(db: AsyncSession, settings: Settings, slug: str) -> TicketKeyOut:
    key = await published_ticket_key(db, slug, settings.secret_key)
    return TicketKeyOut(algorithm="Ed25519", format="raw", public_key=key)


ticket_api_routes = [ticket_key]
