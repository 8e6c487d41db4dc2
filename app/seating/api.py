"""JSON API for seats and holds (the contract benchmarks and API users rely on; see docs/api.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import Request, Response, Router, delete, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.errors import ValidationFailed
from app.events.service import get_event_for
from app.live import publish_seat_changes
from app.seating import commands, service
from app.seating.carts import cart_from_token, sign_cart

HOLD_BODY_LIMIT = 16 * 1024


class SeatOut(msgspec.Struct):
    key: str
    status: str
    category: str
    mine: bool


class SeatsOut(msgspec.Struct):
    seq: int
    seats: list[SeatOut]


class HoldRequest(msgspec.Struct, forbid_unknown_fields=True):
    seats: list[str]


class HoldOut(msgspec.Struct):
    cart: str
    seats: list[str]
    expires_at: datetime | None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@get("/events/{slug:str}/seats", summary="Every seat of a seated event with its live status")
async def seats(request: Request, db: AsyncSession, settings: Settings, slug: str) -> SeatsOut:
    event = await service.published_event(db, slug)
    cart_id = cart_from_token(settings.secret_key, request.headers.get("x-cart"))
    seq, states = await service.seat_states(db, event.id)
    return SeatsOut(
        seq=seq,
        seats=[SeatOut(s.key, s.status, s.category, s.cart_id is not None and s.cart_id == cart_id) for s in states],
    )


@post(
    "/events/{slug:str}/holds",
    summary="Hold seats for the cart in X-Cart (a new cart when absent or forged)",
    request_max_body_size=HOLD_BODY_LIMIT,
)
async def create_hold(request: Request, db: AsyncSession, settings: Settings, slug: str, data: HoldRequest) -> Response:
    if any(not isinstance(k, str) or not k or len(k) > 64 for k in data.seats):
        raise ValidationFailed({"seats": "Seat keys are non-empty strings of at most 64 characters."})
    event = await service.published_event(db, slug, with_tiers=False)
    cart_id = cart_from_token(settings.secret_key, request.headers.get("x-cart")) or uuid.uuid4()
    token = sign_cart(settings.secret_key, cart_id)
    try:
        result = await commands.hold(
            db, request.app.state.redis, settings, event, cart_id, data.seats, client_ip(request)
        )
    except service.SeatsUnavailable as exc:
        return Response({"detail": exc.message, "unavailable": exc.keys}, status_code=409, headers={"X-Cart": token})
    return Response(
        HoldOut(cart=token, seats=result.seats, expires_at=result.expires_at),
        status_code=201,
        headers={"X-Cart": token},
    )


@delete("/events/{slug:str}/holds/{key:str}", summary="Release one seat held by the cart in X-Cart", status_code=204)
async def release_hold(request: Request, db: AsyncSession, settings: Settings, slug: str, key: str) -> None:
    cart_id = cart_from_token(settings.secret_key, request.headers.get("x-cart"))
    if cart_id is None:
        raise ValidationFailed({"X-Cart": "Send the cart token you were given in the X-Cart header."})
    event = await service.published_event(db, slug, with_tiers=False)
    await commands.release(db, request.app.state.redis, event, cart_id, key)


class BlockRequest(msgspec.Struct, forbid_unknown_fields=True):
    seats: list[str]
    blocked: bool = True


class BlockOut(msgspec.Struct):
    seats: list[str]
    status: str


@post(
    "/events/{slug:str}/blocks",
    summary="Block (house seats, sight-line kills) or unblock seats",
    status_code=200,
    request_max_body_size=256 * 1024,
)
async def block_seats(request: Request, db: AsyncSession, actor: Actor, slug: str, data: BlockRequest) -> BlockOut:
    event = await get_event_for(db, actor, slug, Role.MANAGER)
    changes = await service.set_blocked(db, actor, event, data.seats, data.blocked)
    await publish_seat_changes(request.app.state.redis, event.id, changes)
    return BlockOut(seats=[c.key for c in changes], status="blocked" if data.blocked else "available")


seating_api_routes = [
    Router(path="/api/v1", tags=["seats"], route_handlers=[seats, create_hold, release_hold, block_seats]),
]
