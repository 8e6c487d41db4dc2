"""What a seat request does end to end: limit the rate, change inventory in one transaction, announce the
committed change. Shared by the seat-picker page and the JSON API."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app import ratelimit
from app.config import Settings
from app.events.models import Event
from app.live import SeatChange, publish_seat_changes
from app.seating import areas, service
from app.seating.best_available import hold_best_available
from app.seating.carts import holder_tag


async def _limit_holds(redis: Redis, settings: Settings, cart_id: uuid.UUID, client_ip: str) -> None:
    limits = []
    if settings.hold_rate_per_cart:
        limits.append(
            ratelimit.Limit(
                f"hold-rate:cart:{cart_id}", settings.hold_rate_per_cart, "Too many seat requests from this basket."
            )
        )
    if settings.hold_rate_per_ip:
        limits.append(
            ratelimit.Limit(
                f"hold-rate:ip:{client_ip}", settings.hold_rate_per_ip, "Too many seat requests from your network."
            )
        )
    await ratelimit.count_attempts(redis, limits, window_seconds=settings.hold_rate_window_seconds)


async def hold(
    db: AsyncSession,
    redis: Redis,
    settings: Settings,
    slug: str,
    cart_id: uuid.UUID,
    keys: list[str],
    client_ip: str,
) -> service.HoldResult:
    await _limit_holds(redis, settings, cart_id, client_ip)
    result = await service.hold_seats(
        db,
        slug,
        cart_id,
        keys,
        ttl_seconds=settings.hold_ttl_seconds,
        max_seats=settings.max_seats_per_cart,
        holder_tag=holder_tag(settings.secret_key, cart_id),
    )
    await publish_seat_changes(redis, result.event_id, result.changes)
    return result


async def hold_best(
    db: AsyncSession,
    redis: Redis,
    settings: Settings,
    event: Event,
    cart_id: uuid.UUID,
    category: str,
    quantity: int,
    client_ip: str,
) -> service.HoldResult:
    await _limit_holds(redis, settings, cart_id, client_ip)
    result = await hold_best_available(
        db,
        event,
        cart_id,
        category,
        quantity,
        ttl_seconds=settings.hold_ttl_seconds,
        max_seats=settings.max_seats_per_cart,
        holder_tag=holder_tag(settings.secret_key, cart_id),
    )
    await publish_seat_changes(redis, event.id, result.changes)
    return result


async def release(db: AsyncSession, redis: Redis, slug: str, cart_id: uuid.UUID, key: str) -> list[SeatChange]:
    event_id, changes = await service.release_seat(db, slug, cart_id, key)
    await publish_seat_changes(redis, event_id, changes)
    return changes


async def hold_area(
    db: AsyncSession,
    redis: Redis,
    settings: Settings,
    event: Event,
    cart_id: uuid.UUID,
    area_key: str,
    quantity: int,
    client_ip: str,
) -> areas.AreaHoldResult:
    await _limit_holds(redis, settings, cart_id, client_ip)
    result = await areas.hold_area(
        db,
        event,
        cart_id,
        area_key,
        quantity,
        ttl_seconds=settings.hold_ttl_seconds,
        max_seats=settings.max_seats_per_cart,
    )
    await publish_seat_changes(redis, event.id, result.changes)
    return result
