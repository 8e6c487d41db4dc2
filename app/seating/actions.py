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
from app.web import client_network


@dataclass(frozen=True)
class SeatRequest:
    """Who asks (a cart, from a network, maybe logged in) and what serves them (a session, Redis, the settings)."""

    db: AsyncSession
    redis: Redis
    settings: Settings
    cart_id: uuid.UUID
    network: str  # an IPv4 address or an IPv6 /64 (app/web.py client_network)
    account: uuid.UUID | None = None

    @classmethod
    def of(
        cls,
        request: Request,
        db: AsyncSession,
        settings: Settings,
        cart_id: uuid.UUID,
        account: uuid.UUID | None = None,
    ) -> SeatRequest:
        return cls(db, request.app.state.redis, settings, cart_id, client_network(request), account)

    @property
    def holder_tag(self) -> str:
        return holder_tag(self.settings.secret_key, self.cart_id)

    @property
    def client(self) -> holds.Client | None:
        """The client whose holds across all its carts are limited (counted in PostgreSQL, not here), by the
        identities whose limit is on: a hold takes no lock for a limit that is off."""
        settings = self.settings
        network = self.network if settings.max_held_per_network > 0 else None
        account = self.account if settings.max_held_per_account > 0 else None
        if network is None and account is None:
            return None
        return holds.Client(network, account, settings.max_held_per_network, settings.max_held_per_account)

    async def limit_rate(self) -> None:
        settings = self.settings
        limits = [
            ratelimit.Limit(
                f"hold-rate:cart:{self.cart_id}",
                settings.hold_rate_per_cart,
                "Too many seat requests from this basket.",
            ),
            ratelimit.Limit(
                f"hold-rate:net:{self.network}",
                settings.hold_rate_per_ip,
                "Too many seat requests from your internet connection.",
            ),
        ]
        await ratelimit.count_attempts(self.redis, limits, window_seconds=settings.hold_rate_window_seconds)


async def limit_seat_list(request: Request) -> None:
    """Public reads of a whole seat list are heavy; limited per client network (live maps follow the stream)."""
    settings: Settings = request.app.state.settings
    await ratelimit.enforce(
        request.app.state.redis,
        f"seat-list:net:{client_network(request)}",
        settings.seat_list_rate_limit,
        settings.seat_list_rate_window_seconds,
        "Too many seat list reads from your internet connection.",
    )


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
        client=ask.client,
    )
    await publish_seat_changes(ask.redis, result.event_id, result.changes)
    return result


async def hold_best(
    ask: SeatRequest, event: Event, category: str, quantity: int, *, wheelchair: bool = False
) -> holds.HoldResult:
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
        client=ask.client,
        wheelchair=wheelchair,
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
        client=ask.client,
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
