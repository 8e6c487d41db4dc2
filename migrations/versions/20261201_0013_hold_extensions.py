"""hold extensions: a cart (an order's cart too) may be extended once, recorded in carts.extended_at

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.seating.functions import install_statements

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("carts", sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True))
    # usher_extend_cart now returns the cart's deadline; CREATE OR REPLACE cannot change a return type.
    op.execute("DROP FUNCTION IF EXISTS usher_extend_cart(uuid, uuid, timestamptz)")
    for statement in install_statements():
        op.execute(statement)


def downgrade() -> None:
    # usher_extend_cart keeps returning the deadline (0012's callers ignore what it returns), and keeps the
    # usher_live_hold_deadlines it reads.
    op.execute("DROP FUNCTION IF EXISTS usher_extend_hold(uuid, uuid, integer)")
    op.drop_column("carts", "extended_at")
