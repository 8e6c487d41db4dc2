"""door check-in

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 23:16:54.017404
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("local_id", sa.String(length=64), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("offline", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("result IN ('valid', 'duplicate', 'invalid', 'undone')", name=op.f("ck_scans_result")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_scans_event_id_events"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["users.id"], name=op.f("fk_scans_staff_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_scans_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
    )
    op.create_index(
        "ix_scans_device_local",
        "scans",
        ["device", "local_id"],
        unique=True,
        postgresql_where=sa.text("local_id IS NOT NULL"),
    )
    op.create_index("ix_scans_event_time", "scans", ["event_id", "scanned_at"], unique=False)
    op.create_index(op.f("ix_scans_ticket_id"), "scans", ["ticket_id"], unique=False)
    op.add_column("tickets", sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("checked_in_by_id", sa.Uuid(), nullable=True))
    op.add_column("tickets", sa.Column("checked_in_device", sa.String(length=64), nullable=True))
    op.create_foreign_key(
        op.f("fk_tickets_checked_in_by_id_users"), "tickets", "users", ["checked_in_by_id"], ["id"], ondelete="SET NULL"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_tickets_checked_in_by_id_users"), "tickets", type_="foreignkey")
    op.drop_column("tickets", "checked_in_device")
    op.drop_column("tickets", "checked_in_by_id")
    op.drop_column("tickets", "checked_in_at")
    op.drop_index(op.f("ix_scans_ticket_id"), table_name="scans")
    op.drop_index("ix_scans_event_time", table_name="scans")
    op.drop_index("ix_scans_device_local", table_name="scans", postgresql_where=sa.text("local_id IS NOT NULL"))
    op.drop_table("scans")
