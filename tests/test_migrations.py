"""Alembic migrations run up, all the way down, and up again on an empty database."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
from alembic import command
from alembic.config import Config

from app.config import PROJECT_ROOT
from tests.conftest import _admin, asyncpg_dsn, run_blocking, with_database


def _alembic(url: str, action: str, revision: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes.update(database_url=url, configure_logging=False)
    getattr(command, action)(config, revision)


async def _tables(url: str) -> set[str]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {r["tablename"] for r in rows}


def test_upgrade_downgrade_upgrade_on_an_empty_database(server_urls):
    base_url = server_urls[0]
    name = f"usher_migrations_{secrets.token_hex(4)}"
    run_blocking(asyncio.run, _admin(base_url, f'CREATE DATABASE "{name}"'))
    url = with_database(base_url, name)
    try:
        run_blocking(_alembic, url, "upgrade", "head")
        assert {"users", "organizations", "events", "price_tiers", "outbound_mail"} <= run_blocking(
            asyncio.run, _tables(url)
        )
        run_blocking(_alembic, url, "downgrade", "base")
        assert run_blocking(asyncio.run, _tables(url)) == {"alembic_version"}
        run_blocking(_alembic, url, "upgrade", "head")
        assert "events" in run_blocking(asyncio.run, _tables(url))
    finally:
        run_blocking(asyncio.run, _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
