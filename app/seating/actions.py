"""What a seat request does end to end: limit the rate, change inventory in one transaction, announce the
committed change. Shared by the seat-picker page, the organizer pages and the JSON API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app import ratelimit
from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.events.models import Event
from app.events.service import get_event_for
from app.live import SeatChange, publish_seat_changes
from app.seating import areas, holds, inventory
from app.seating.best_available import hold_best_available
from app.seating.carts import holder_tag
from app.web import client_ip


@dataclass(frozen=True)
class SeatRequest:
    """Who asks (a cart, from an address) and what serves them (a session, Redis, the settings)."""

    db: AsyncSession
    redis: Redis
    settings: Settings
    cart_id: uuid.UUID
    client_ip: str

    @classmethod
    def of(cls, request: Request, db: AsyncSession, settings: Settings, cart_id: uuid.UUID) -> SeatRequest:
        return cls(db, request.app.state.redis, settings, cart_id, client_ip(request))

    @property
    def holder_tag(self) -> str:
        return holder_tag(self.settings.secret_key, self.cart_id)

    async def limit_rate(self) -> None:
        settings = self.settings
        limits = []
        if settings.hold_rate_per_cart:
            limits.append(
                ratelimit.Limit(
                    f"hold-rate:cart:{self.cart_id}",
                    settings.hold_rate_per_cart,
                    "Too many seat requests from this basket.",
                )
            )
        if settings.hold_rate_per_ip:
            limits.append(
                ratelimit.Limit(
                    f"hold-rate:ip:{self.client_ip}",
                    settings.hold_rate_per_ip,
                    "Too many seat requests from your network.",
                )
            )
        await ratelimit.count_attempts(self.redis, limits, window_seconds=settings.hold_rate_window_seconds)


async def hold(ask: SeatRequest, slug: str, keys: list[str]) -> holds.HoldResult:
    await ask.limit_rate()
    result = await holds.hold_seats(
        ask.db,
        slug,
        ask.cart_id,
        keys,
        ttl_seconds=ask.settings.hold_ttl_seconds,
        max_seats=ask.settings.max_seats_per_cart,
        holder_tag=ask.holder_tag,
    )
    await publish_seat_changes(ask.redis, result.event_id, result.changes)
    return result


async def hold_best(ask: SeatRequest, event: Event, category: str, quantity: int) -> holds.HoldResult:
    await ask.limit_rate()
    result = await hold_best_available(
        ask.db,
        event,
        ask.cart_id,
        category,
        quantity,
        ttl_seconds=ask.settings.hold_ttl_seconds,
        max_seats=ask.settings.max_seats_per_cart,
        holder_tag=ask.holder_tag,
    )
    await publish_seat_changes(ask.redis, result.event_id, result.changes)
    return result


async def hold_area(ask: SeatRequest, event: Event, area_key: str, quantity: int) -> areas.AreaHoldResult:
    await ask.limit_rate()
    result = await areas.hold_area(
        ask.db,
        event,
        ask.cart_id,
        area_key,
        quantity,
        ttl_seconds=ask.settings.hold_ttl_seconds,
        max_seats=ask.settings.max_seats_per_cart,
    )
    await publish_seat_changes(ask.redis, event.id, result.changes)
    return result


async def release(ask: SeatRequest, slug: str, key: str) -> list[SeatChange]:
    event_id, changes = await holds.release_seat(ask.db, slug, ask.cart_id, key)
    await publish_seat_changes(ask.redis, event_id, changes)
    return changes


async def block(
    db: AsyncSession, redis: Redis, actor: Actor, slug: str, keys: list[str], *, blocked: bool
) -> list[SeatChange]:
    """An organizer blocks or unblocks seats; the live maps hear of it once it is committed."""
    event = await get_event_for(db, actor, slug, Role.MANAGER)
    changes = await inventory.set_blocked(db, actor, event, keys, blocked)
    await publish_seat_changes(redis, event.id, changes)
    return changes
