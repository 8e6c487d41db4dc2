"""JSON API for seats and holds (the contract benchmarks and API users rely on; see docs/api.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import Request, Response, Router, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.api_schema import CART_HEADER, CART_TOKEN, TOKEN_REQUIRED, refusals
from app.config import Settings
from app.errors import ValidationFailed
from app.events.service import get_public_event
from app.seating import actions
from app.seating.availability import area_states, cart_area_holds, seat_states
from app.seating.carts import cart_from_token, extend_basket_hold, sign_cart
from app.seating.rules import AreaFull, SeatsUnavailable

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


class SeatsTakenOut(msgspec.Struct, kw_only=True):
    """A refused hold: `unavailable` lists the seats someone else has; other conflicts (not on sale) carry the
    common error body instead."""

    detail: str
    status_code: int | msgspec.UnsetType = msgspec.UNSET
    unavailable: list[str] | msgspec.UnsetType = msgspec.UNSET


@get(
    "/events/{slug:str}/seats",
    summary="Every seat of a seated event with its live status",
    responses=refusals(400, 404, 429),
    before_request=actions.limit_seat_list,
)
async def seats(db: AsyncSession, settings: Settings, slug: str, x_cart: str | None = CART_TOKEN) -> SeatsOut:
    event = await get_public_event(db, slug)
    cart_id = cart_from_token(settings.secret_key, x_cart)
    seq, states = await seat_states(db, event.id)
    return SeatsOut(
        seq=seq,
        seats=[SeatOut(s.key, s.status, s.category, s.cart_id is not None and s.cart_id == cart_id) for s in states],
    )


@post(
    "/events/{slug:str}/holds",
    summary="Hold seats for the cart in X-Cart (a new cart when absent or forged)",
    request_max_body_size=HOLD_BODY_LIMIT,
    response_headers=[CART_HEADER],
    responses={
        **refusals(400, 404, 413, 422, 429),
        409: ResponseSpec(SeatsTakenOut, description="Taken seats, or not on sale", generate_examples=False),
    },
)
async def create_hold(
    request: Request,
    db: AsyncSession,
    settings: Settings,
    slug: str,
    data: HoldRequest,
    x_cart: str | None = CART_TOKEN,
) -> Response[HoldOut]:
    if any(not isinstance(k, str) or not k or len(k) > 64 for k in data.seats):
        raise ValidationFailed({"seats": "Seat keys are non-empty strings of at most 64 characters."})
    cart_id = cart_from_token(settings.secret_key, x_cart) or uuid.uuid4()
    token = sign_cart(settings.secret_key, cart_id)
    try:
        result = await actions.hold(actions.SeatRequest.of(request, db, settings, cart_id), slug, data.seats)
    except SeatsUnavailable as exc:
        return Response(
            SeatsTakenOut(detail=exc.message, unavailable=exc.keys), status_code=409, headers={"X-Cart": token}
        )
    return Response(
        HoldOut(cart=token, seats=result.seats, expires_at=result.expires_at),
        status_code=201,
        headers={"X-Cart": token},
    )


@delete(
    "/events/{slug:str}/holds/{key:str}",
    summary="Release one seat held by the cart in X-Cart",
    status_code=204,
    responses=refusals(400, 404, 409, 422),
)
async def release_hold(
    request: Request, db: AsyncSession, settings: Settings, slug: str, key: str, x_cart: str | None = CART_TOKEN
) -> None:
    cart_id = cart_from_token(settings.secret_key, x_cart)
    if cart_id is None:
        raise ValidationFailed({"X-Cart": "Send the cart token you were given in the X-Cart header."})
    await actions.release(actions.SeatRequest.of(request, db, settings, cart_id), slug, key)


class ExtensionOut(msgspec.Struct):
    cart: str
    expires_at: datetime


@post(
    "/events/{slug:str}/holds/extend",
    summary="Extend every hold of the cart in X-Cart once, by HOLD_EXTENSION_SECONDS (never past the end of sales)",
    status_code=200,
    responses=refusals(400, 404, 409, 422),
)
async def extend_holds(
    db: AsyncSession, settings: Settings, slug: str, x_cart: str | None = CART_TOKEN
) -> ExtensionOut:
    """409 after the holds expired, on a second extension, or when the event is no longer on sale."""
    cart_id = cart_from_token(settings.secret_key, x_cart)
    if cart_id is None:
        raise ValidationFailed({"X-Cart": "Send the cart token you were given in the X-Cart header."})
    event = await get_public_event(db, slug, with_tiers=False)
    until = await extend_basket_hold(db, event.id, cart_id, seconds=settings.hold_extension_seconds)
    return ExtensionOut(cart=sign_cart(settings.secret_key, cart_id), expires_at=until)


class AreaOut(msgspec.Struct):
    key: str
    name: str
    category: str
    capacity: int
    left: int
    mine: int


class AreasOut(msgspec.Struct):
    areas: list[AreaOut]


class AreaHoldRequest(msgspec.Struct, forbid_unknown_fields=True):
    quantity: int


class AreaHoldOut(msgspec.Struct):
    cart: str
    area: str
    quantity: int
    expires_at: datetime | None


class AreaFullOut(msgspec.Struct, kw_only=True):
    """A refused area hold: `left` says how many places remain; other conflicts (not on sale) carry the common
    error body instead."""

    detail: str
    status_code: int | msgspec.UnsetType = msgspec.UNSET
    left: int | msgspec.UnsetType = msgspec.UNSET


@get(
    "/events/{slug:str}/areas",
    summary="Standing (general-admission) areas with the places left",
    responses=refusals(400, 404, 429),
    before_request=actions.limit_seat_list,
)
async def list_areas(db: AsyncSession, settings: Settings, slug: str, x_cart: str | None = CART_TOKEN) -> AreasOut:
    event = await get_public_event(db, slug, with_tiers=False)
    cart_id = cart_from_token(settings.secret_key, x_cart)
    mine = {p.key: p.quantity for p in await cart_area_holds(db, event.id, cart_id)} if cart_id else {}
    return AreasOut(
        areas=[
            AreaOut(a.key, a.name, a.category, a.capacity, max(a.left, 0), mine.get(a.key, 0))
            for a in await area_states(db, event.id)
        ]
    )


@put(
    "/events/{slug:str}/areas/{area:str}/hold",
    summary="Set how many places of a standing area the cart in X-Cart holds (0 releases them)",
    request_max_body_size=1024,
    response_headers=[CART_HEADER],
    responses={
        **refusals(400, 404, 413, 422, 429),
        409: ResponseSpec(AreaFullOut, description="Too few places left, or not on sale", generate_examples=False),
    },
)
async def hold_area(
    request: Request,
    db: AsyncSession,
    settings: Settings,
    slug: str,
    area: str,
    data: AreaHoldRequest,
    x_cart: str | None = CART_TOKEN,
) -> Response[AreaHoldOut]:
    event = await get_public_event(db, slug, with_tiers=False)
    cart_id = cart_from_token(settings.secret_key, x_cart) or uuid.uuid4()
    token = sign_cart(settings.secret_key, cart_id)
    try:
        result = await actions.hold_area(
            actions.SeatRequest.of(request, db, settings, cart_id), event, area, data.quantity
        )
    except AreaFull as exc:
        return Response(AreaFullOut(detail=exc.message, left=exc.left), status_code=409, headers={"X-Cart": token})
    return Response(
        AreaHoldOut(cart=token, area=area, quantity=result.quantity, expires_at=result.expires_at),
        status_code=200,
        headers={"X-Cart": token},
    )


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
    security=TOKEN_REQUIRED,
    responses=refusals(400, 401, 403, 404, 409, 413, 422),
)
async def block_seats(request: Request, db: AsyncSession, actor: Actor, slug: str, data: BlockRequest) -> BlockOut:
    changes = await actions.block(db, request.app.state.redis, actor, slug, data.seats, blocked=data.blocked)
    return BlockOut(seats=[c.key for c in changes], status="blocked" if data.blocked else "available")


seating_api_routes = [
    Router(
        path="/api/v1",
        tags=["seats"],
        route_handlers=[seats, create_hold, extend_holds, release_hold, list_areas, hold_area, block_seats],
    ),
]
