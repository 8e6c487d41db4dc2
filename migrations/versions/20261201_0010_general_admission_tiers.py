"""general-admission tiers are sold as areas of their own; an event with such places but no seat map is on sale

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

from app.seating.functions import install_statements

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in install_statements():
        op.execute(statement)
    # Events published before this change: their general-admission tiers get their areas now.
    op.execute("SELECT usher_add_tier_areas(id) FROM events WHERE status = 'published'")


def downgrade() -> None:
    # The areas stay (0009's code ignores areas of tiers it cannot price); only the new functions go.
    for signature in ("usher_add_tier_areas(uuid)", "usher_tier_category(uuid)", "usher_tier_area_key(uuid)"):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
