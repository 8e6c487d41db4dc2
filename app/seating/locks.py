"""The inventory's locks. Lock key spaces and the lock order are written once, in sql/locks.sql; Python takes them
only through these helpers, always inside the caller's transaction (the locks end with it)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.seating.models import Cart


async def lock_cart(session: AsyncSession, cart_id: uuid.UUID) -> None:
    """Requests of one cart run one at a time (the lock usher_hold_seats takes too); creates the cart if new."""
    await session.execute(select(func.usher_lock_cart(cart_id)))
    await session.execute(insert(Cart).values(id=cart_id).on_conflict_do_nothing(index_elements=[Cart.id]))


async def lock_client(session: AsyncSession, network: str | None, account: uuid.UUID | None) -> None:
    """Holds of one client (its network, its account) are counted one at a time; taken before the cart's lock."""
    await session.execute(select(func.usher_lock_client(network, account)))


async def lock_buyer(session: AsyncSession, event_id: uuid.UUID, email: str) -> None:
    """Orders of one e-mail address in one event are counted one at a time; taken before the cart's lock."""
    await session.execute(select(func.usher_lock_buyer(event_id, email)))
