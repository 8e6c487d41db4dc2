"""general admission areas

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:04:48.273535
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_areas",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("nextval('seat_versions')"), nullable=False),
        sa.CheckConstraint(
            "held >= 0 AND sold >= 0 AND held + sold <= capacity", name=op.f("ck_event_areas_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_areas_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "key", name=op.f("pk_event_areas")),
    )
    op.create_table(
        "area_holds",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("area_key", sa.String(length=64), nullable=False),
        sa.Column("cart_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_area_holds_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["carts.id"], name=op.f("fk_area_holds_cart_id_carts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["event_id", "area_key"],
            ["event_areas.event_id", "event_areas.key"],
            name=op.f("fk_area_holds_event_id_event_areas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "area_key", "cart_id", name=op.f("pk_area_holds")),
    )
    op.create_index("ix_area_holds_cart", "area_holds", ["cart_id"], unique=False)
    op.create_index("ix_area_holds_expiring", "area_holds", ["held_until"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_area_holds_expiring", table_name="area_holds")
    op.drop_index("ix_area_holds_cart", table_name="area_holds")
    op.drop_table("area_holds")
    op.drop_table("event_areas")
