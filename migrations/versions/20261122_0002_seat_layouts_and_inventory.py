"""seat layouts and inventory

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:35:16.496518
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("seat_versions")))
    op.create_table(
        "carts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
    )
    op.create_table(
        "seat_layouts",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("venue_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_seat_layouts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_seat_layouts_venue_id_venues"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_layouts")),
    )
    op.create_index(op.f("ix_seat_layouts_organization_id"), "seat_layouts", ["organization_id"], unique=False)
    op.create_index(op.f("ix_seat_layouts_venue_id"), "seat_layouts", ["venue_id"], unique=False)
    op.create_table(
        "seat_layout_versions",
        sa.Column("layout_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("seat_count", sa.Integer(), nullable=False),
        sa.Column("ga_capacity", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_seat_layout_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["layout_id"],
            ["seat_layouts.id"],
            name=op.f("fk_seat_layout_versions_layout_id_seat_layouts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_layout_versions")),
        sa.UniqueConstraint("layout_id", "version", name=op.f("uq_seat_layout_versions_layout_id")),
    )
    op.create_index(op.f("ix_seat_layout_versions_layout_id"), "seat_layout_versions", ["layout_id"], unique=False)
    op.create_table(
        "event_seats",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("section_key", sa.String(length=64), nullable=False),
        sa.Column("section_name", sa.String(length=120), nullable=False),
        sa.Column("row_label", sa.String(length=20), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("seat_index", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("flags", postgresql.ARRAY(sa.String(length=20)), server_default="{}", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="available", nullable=False),
        sa.Column("cart_id", sa.Uuid(), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("nextval('seat_versions')"), nullable=False),
        sa.CheckConstraint(
            "(status = 'held') = (cart_id IS NOT NULL AND held_until IS NOT NULL)",
            name=op.f("ck_event_seats_hold_shape"),
        ),
        sa.CheckConstraint("status IN ('available', 'held', 'sold', 'blocked')", name=op.f("ck_event_seats_status")),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["carts.id"], name=op.f("fk_event_seats_cart_id_carts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_seats_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "key", name=op.f("pk_event_seats")),
    )
    op.create_index(
        "ix_event_seats_cart", "event_seats", ["cart_id"], unique=False, postgresql_where=sa.text("cart_id IS NOT NULL")
    )
    op.create_index(
        "ix_event_seats_expiring",
        "event_seats",
        ["held_until"],
        unique=False,
        postgresql_where=sa.text("status = 'held'"),
    )
    op.add_column("events", sa.Column("layout_version_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_events_layout_version_id_seat_layout_versions"),
        "events",
        "seat_layout_versions",
        ["layout_version_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_events_layout_version_id_seat_layout_versions"), "events", type_="foreignkey")
    op.drop_column("events", "layout_version_id")
    op.drop_index("ix_event_seats_expiring", table_name="event_seats", postgresql_where=sa.text("status = 'held'"))
    op.drop_index("ix_event_seats_cart", table_name="event_seats", postgresql_where=sa.text("cart_id IS NOT NULL"))
    op.drop_table("event_seats")
    op.drop_index(op.f("ix_seat_layout_versions_layout_id"), table_name="seat_layout_versions")
    op.drop_table("seat_layout_versions")
    op.drop_index(op.f("ix_seat_layouts_venue_id"), table_name="seat_layouts")
    op.drop_index(op.f("ix_seat_layouts_organization_id"), table_name="seat_layouts")
    op.drop_table("seat_layouts")
    op.drop_table("carts")
    op.execute(sa.schema.DropSequence(sa.Sequence("seat_versions")))
