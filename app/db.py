"""Engine, sessions and the declarative base shared by every domain's models.

A lost PostgreSQL connection (backend terminated, server restarted) costs the request that was using it a 503
(ServiceUnavailable, "try again"), never a 500, and never stays in the pool: a connection whose socket closed is
replaced at checkout (a local check, no round trip), one that dies mid-statement is invalidated on the spot.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import DateTime, MetaData, event, func, text
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from app.errors import ServiceUnavailable

log = logging.getLogger(__name__)

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


DATABASE_UNAVAILABLE = "We lost the connection to our database for a moment; please try again."
# A connection attempt that gets no answer fails after this long instead of asyncpg's 60 s.
CONNECT_TIMEOUT_SECONDS = 5
# What asyncpg raises when the server is gone, going or not yet back (not: a statement's own error).
CONNECTION_LOST = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)


def create_engine(database_url: str, *, pool_size: int = 20, pool_timeout: float = 15) -> AsyncEngine:
    engine = create_async_engine(
        database_url,
        # A fixed pool: under a burst requests queue for a connection instead of opening and closing overflow
        # connections (a new PostgreSQL backend costs ~100 ms and a process fork, exactly when load peaks).
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,  # then 503 'try again' (app/web.py): a burst must not hang requests
        # No pre-ping round trip per checkout (it costs a hot path dearly): dead connections are caught by the
        # checkout hook below and by the error handlers; stale ones are recycled.
        pool_recycle=1800,
        # Every lock wait is bounded: a stuck transaction yields an error, never a pile-up of waiting requests.
        connect_args={
            "timeout": CONNECT_TIMEOUT_SECONDS,
            "server_settings": {"timezone": "UTC", "application_name": "usher", "lock_timeout": "3s"},
        },
    )
    event.listen(engine.sync_engine, "do_connect", _connect_or_unavailable)
    event.listen(engine.sync_engine, "handle_error", _unavailable_on_lost_connection)
    event.listen(engine.sync_engine.pool, "checkout", _refuse_closed_connection)
    return engine


def _connection_lost(exc: BaseException) -> bool:
    return isinstance(exc, CONNECTION_LOST) or isinstance(exc.__cause__, CONNECTION_LOST)


def _connect_or_unavailable(dialect: Dialect, record: ConnectionPoolEntry, cargs: tuple, cparams: dict) -> Any:
    """PostgreSQL down or restarting: the request is told to try again (503) instead of failing with a 500."""
    try:
        return dialect.connect(*cargs, **cparams)
    except CONNECTION_LOST as exc:
        log.warning("cannot connect to PostgreSQL", extra={"error": f"{type(exc).__name__}: {exc}"})
        raise ServiceUnavailable(DATABASE_UNAVAILABLE) from exc


def _unavailable_on_lost_connection(context: ExceptionContext) -> None:
    """A statement on a connection that died: invalidate it (and the pool's older ones) and answer 503."""
    if context.is_disconnect or _connection_lost(context.original_exception):
        context.is_disconnect = True
        log.warning("PostgreSQL connection lost", extra={"error": str(context.original_exception)})
        raise ServiceUnavailable(DATABASE_UNAVAILABLE) from context.original_exception


def _refuse_closed_connection(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    # Its socket closed while it sat in the pool (backend terminated, server restarted): the pool replaces it.
    if proxy.driver_connection.is_closed():
        raise DisconnectionError("the PostgreSQL connection was closed while idle in the pool")


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
    inside one it joins it, and the caller's commit applies as usual. A lost connection is invalidated (SQLAlchemy
    never sees this statement, so it cannot) and raises ServiceUnavailable."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    try:
        return await driver.fetchrow(sql, *args)
    except Exception as exc:
        if not (isinstance(exc, CONNECTION_LOST) or driver.is_closed()):
            raise
        await connection.invalidate(exc)
        log.warning("PostgreSQL connection lost", extra={"error": f"{type(exc).__name__}: {exc}"})
        raise ServiceUnavailable(DATABASE_UNAVAILABLE) from exc


async def ping_database(engine: AsyncEngine) -> None:
    """One round trip to PostgreSQL (readiness probes)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def like_contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % _ and \\ taken literally (use with escape="\\")."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
