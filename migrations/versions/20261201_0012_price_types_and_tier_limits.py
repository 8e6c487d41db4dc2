"""price types and early-bird limits: price_tiers.price_type, quantity_limit, sold_count; order_lines.price_type, tier_id

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("price_tiers", sa.Column("price_type", sa.String(length=60), server_default="", nullable=False))
    op.add_column("price_tiers", sa.Column("quantity_limit", sa.Integer(), nullable=True))
    op.add_column("price_tiers", sa.Column("sold_count", sa.Integer(), server_default="0", nullable=False))
    op.create_check_constraint(
        op.f("ck_price_tiers_quantity_limit"),
        "price_tiers",
        "quantity_limit IS NULL OR (quantity_limit > 0 AND sold_count <= quantity_limit)",
    )
    op.add_column("order_lines", sa.Column("price_type", sa.String(length=60), server_default="", nullable=False))
    op.add_column("order_lines", sa.Column("tier_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_order_lines_tier_id_price_tiers"),
        "order_lines",
        "price_tiers",
        ["tier_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_order_lines_tier_id_price_tiers"), "order_lines", type_="foreignkey")
    op.drop_column("order_lines", "tier_id")
    op.drop_column("order_lines", "price_type")
    op.drop_constraint(op.f("ck_price_tiers_quantity_limit"), "price_tiers", type_="check")
    op.drop_column("price_tiers", "sold_count")
    op.drop_column("price_tiers", "quantity_limit")
    op.drop_column("price_tiers", "price_type")
