"""series of dates: event_series and events.series_id

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_series",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=True),
        sa.Column("fee_percent_bp", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fee_fixed_minor", sa.Integer(), server_default="0", nullable=False),
        sa.Column("template_tiers", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "fee_percent_bp BETWEEN 0 AND 10000 AND fee_fixed_minor >= 0", name=op.f("ck_event_series_fees")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_event_series_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_series")),
        sa.UniqueConstraint("slug", name=op.f("uq_event_series_slug")),
    )
    op.create_index("ix_event_series_organization_id", "event_series", ["organization_id"])
    op.add_column("events", sa.Column("series_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_events_series_id_event_series"), "events", "event_series", ["series_id"], ["id"], ondelete="RESTRICT"
    )
    op.create_index("ix_events_series_id", "events", ["series_id"])


def downgrade() -> None:
    op.drop_index("ix_events_series_id", table_name="events")
    op.drop_constraint(op.f("fk_events_series_id_event_series"), "events", type_="foreignkey")
    op.drop_column("events", "series_id")
    op.drop_index("ix_event_series_organization_id", table_name="event_series")
    op.drop_table("event_series")
