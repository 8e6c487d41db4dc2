"""Engine, sessions and the declarative base shared by every domain's models."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, func, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_engine(database_url: str, *, pool_size: int = 20) -> AsyncEngine:
    return create_async_engine(
        database_url,
        # A fixed pool: under a burst requests queue for a connection instead of opening and closing overflow
        # connections (a new PostgreSQL backend costs ~100 ms and a process fork, exactly when load peaks).
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=15,
        # No pre-ping round trip per checkout (it costs a hot path dearly); stale connections are recycled instead.
        pool_recycle=1800,
        # Every lock wait is bounded: a stuck transaction yields an error, never a pile-up of waiting requests.
        connect_args={"server_settings": {"timezone": "UTC", "application_name": "usher", "lock_timeout": "3s"}},
    )


async def warm_pool(engine: AsyncEngine, size: int) -> None:
    """Open the pool's connections before the first burst of traffic instead of during it."""
    async with AsyncExitStack() as stack:
        await asyncio.gather(*(stack.enter_async_context(engine.connect()) for _ in range(size)))


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def session_scope(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session per request; services commit explicitly, anything left open is rolled back."""
    async with sessionmaker() as session:
        try:
            yield session
        finally:
            if session.in_transaction():
                await session.rollback()


async def fetch_row(session: AsyncSession, sql: str, *args: object) -> Any:
    """Run one statement straight through asyncpg on the session's connection: a single round trip. Without an
    open transaction on the session it commits by itself (the hot inventory paths call one SQL function so);
    inside one it joins it, and the caller's commit applies as usual."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return await raw.driver_connection.fetchrow(sql, *args)


async def ping_database(engine: AsyncEngine) -> None:
    """One round trip to PostgreSQL (readiness probes)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
