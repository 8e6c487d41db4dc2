"""The inventory's locks. Lock key spaces and the row-lock order are written once, in sql/locks.sql; Python takes
them only through these helpers, always inside the caller's transaction (the locks end with it)."""

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
