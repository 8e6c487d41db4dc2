"""The SQL functions of inventory, read from sql/*.sql beside the code that calls them and installed by migrations
with CREATE OR REPLACE. A migration that changes a .sql file calls `install_statements()` again; the files may
use only tables and columns that exist at that migration."""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
# Dependencies first: rules use locks, holds use rules.
FILES = ("locks.sql", "rules.sql", "hold_seats.sql", "general_admission.sql")
SIGNATURES = (
    "usher_add_tier_areas(uuid)",
    "usher_tier_category(uuid)",
    "usher_tier_area_key(uuid)",
    "usher_release_seat(text, uuid, text)",
    "usher_hold_seats(text, uuid, text[], integer, integer, text, uuid, integer, integer)",
    "usher_extend_cart(uuid, uuid, timestamptz)",
    "usher_live_hold_deadlines(uuid, uuid)",
    "usher_extend_hold(uuid, uuid, integer)",
    "usher_client_may_hold(uuid, uuid, text, uuid, integer, integer, integer)",
    "usher_cart_holding(uuid, uuid)",
    "usher_seat_status(text, timestamptz)",
    "usher_hold_is_live(timestamptz)",
    "usher_sales_state(events)",
    "usher_lock_buyer(uuid, text)",
    "usher_lock_client(text, uuid)",
    "usher_lock_cart(uuid)",
)


def install_statements() -> list[str]:
    """One statement per function (drivers prepare statements one at a time); each function ends with `$$;`."""
    statements = []
    for name in FILES:
        for chunk in (SQL_DIR / name).read_text().split("$$;"):
            if "CREATE" in chunk:
                statements.append(chunk.strip() + "$$")
    return statements


def drop_statements() -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {signature}" for signature in SIGNATURES]
