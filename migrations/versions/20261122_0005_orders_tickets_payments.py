"""orders tickets payments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:45:35.205847
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization_keys",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_organization_keys")),
    )
    op.create_table(
        "promo_codes",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('percent', 'fixed')", name=op.f("ck_promo_codes_kind")),
        sa.CheckConstraint("value > 0 AND (kind = 'fixed' OR value <= 100)", name=op.f("ck_promo_codes_value")),
        sa.CheckConstraint(
            "max_uses IS NULL OR (max_uses > 0 AND used_count <= max_uses)", name=op.f("ck_promo_codes_uses")
        ),
        sa.CheckConstraint("used_count >= 0", name=op.f("ck_promo_codes_used_not_negative")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_promo_codes_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_codes")),
        sa.UniqueConstraint("event_id", "code", name="event_code"),
    )
    op.create_table(
        "orders",
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("origin_cart_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("buyer_email", sa.String(length=320), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal_minor", sa.Integer(), nullable=False),
        sa.Column("discount_minor", sa.Integer(), nullable=False),
        sa.Column("fee_minor", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("promo_code_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_reason", sa.Text(), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_orders_currency_iso")),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'expired', 'refund_due', 'refunded')", name=op.f("ck_orders_status")
        ),
        sa.CheckConstraint(
            "subtotal_minor >= 0 AND discount_minor >= 0 AND fee_minor >= 0 AND total_minor = subtotal_minor - discount_minor + fee_minor",
            name=op.f("ck_orders_totals_add_up"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_orders_event_id_events"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_orders_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["promo_code_id"], ["promo_codes.id"], name=op.f("fk_orders_promo_code_id_promo_codes"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_orders_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_orders_number")),
        sa.UniqueConstraint("provider_reference", name=op.f("uq_orders_provider_reference")),
    )
    op.create_index(op.f("ix_orders_buyer_email"), "orders", ["buyer_email"], unique=False)
    op.create_index("ix_orders_event_created", "orders", ["event_id", "created_at"], unique=False)
    op.create_index(
        "ix_orders_expiring", "orders", ["expires_at"], unique=False, postgresql_where=sa.text("status = 'pending'")
    )
    op.create_index(op.f("ix_orders_origin_cart_id"), "orders", ["origin_cart_id"], unique=False)
    op.create_index(
        "ix_orders_refund_due",
        "orders",
        ["updated_at"],
        unique=False,
        postgresql_where=sa.text("status = 'refund_due'"),
    )
    op.create_index(op.f("ix_orders_user_id"), "orders", ["user_id"], unique=False)
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("tier_name", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.Integer(), nullable=False),
        sa.Column("attendee_name", sa.String(length=200), nullable=True),
        sa.Column("attendee_email", sa.String(length=320), nullable=True),
        sa.CheckConstraint("kind IN ('seat', 'area')", name=op.f("ck_order_lines_kind")),
        sa.CheckConstraint("quantity > 0 AND (kind = 'area' OR quantity = 1)", name=op.f("ck_order_lines_quantity")),
        sa.CheckConstraint("unit_price_minor >= 0", name=op.f("ck_order_lines_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", "position", name=op.f("pk_order_lines")),
    )
    op.create_table(
        "payment_records",
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_records_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_records")),
        sa.UniqueConstraint("provider", "external_id", name="provider_external_id"),
    )
    op.create_index(op.f("ix_payment_records_order_id"), "payment_records", ["order_id"], unique=False)
    op.create_table(
        "tickets",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("seat_key", sa.String(length=64), nullable=True),
        sa.Column("area_key", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("tier_name", sa.String(length=120), nullable=False),
        sa.Column("attendee_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("status IN ('valid', 'void')", name=op.f("ck_tickets_status")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_tickets_event_id_events"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_tickets_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_tickets_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("code", name=op.f("uq_tickets_code")),
    )
    op.create_index(op.f("ix_tickets_event_id"), "tickets", ["event_id"], unique=False)
    op.create_index(op.f("ix_tickets_order_id"), "tickets", ["order_id"], unique=False)
    op.create_index(
        "uq_tickets_valid_seat",
        "tickets",
        ["event_id", "seat_key"],
        unique=True,
        postgresql_where=sa.text("status = 'valid' AND seat_key IS NOT NULL"),
    )
    op.create_table(
        "mail_attachments",
        sa.Column("mail_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outbound_mail.id"],
            name=op.f("fk_mail_attachments_mail_id_outbound_mail"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mail_id", "position", name=op.f("pk_mail_attachments")),
    )
    op.add_column("events", sa.Column("fee_percent_bp", sa.Integer(), server_default="0", nullable=False))
    op.add_column("events", sa.Column("fee_fixed_minor", sa.Integer(), server_default="0", nullable=False))
    op.add_column("events", sa.Column("collect_attendees", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("outbound_mail", sa.Column("order_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_outbound_mail_order_id"), "outbound_mail", ["order_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_outbound_mail_order_id_orders"), "outbound_mail", "orders", ["order_id"], ["id"], ondelete="SET NULL"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_outbound_mail_order_id_orders"), "outbound_mail", type_="foreignkey")
    op.drop_index(op.f("ix_outbound_mail_order_id"), table_name="outbound_mail")
    op.drop_column("outbound_mail", "order_id")
    op.drop_column("events", "collect_attendees")
    op.drop_column("events", "fee_fixed_minor")
    op.drop_column("events", "fee_percent_bp")
    op.drop_table("mail_attachments")
    op.drop_index(
        "uq_tickets_valid_seat",
        table_name="tickets",
        postgresql_where=sa.text("status = 'valid' AND seat_key IS NOT NULL"),
    )
    op.drop_index(op.f("ix_tickets_order_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_event_id"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index(op.f("ix_payment_records_order_id"), table_name="payment_records")
    op.drop_table("payment_records")
    op.drop_table("order_lines")
    op.drop_index(op.f("ix_orders_user_id"), table_name="orders")
    op.drop_index("ix_orders_refund_due", table_name="orders", postgresql_where=sa.text("status = 'refund_due'"))
    op.drop_index(op.f("ix_orders_origin_cart_id"), table_name="orders")
    op.drop_index("ix_orders_expiring", table_name="orders", postgresql_where=sa.text("status = 'pending'"))
    op.drop_index("ix_orders_event_created", table_name="orders")
    op.drop_index(op.f("ix_orders_buyer_email"), table_name="orders")
    op.drop_table("orders")
    op.drop_table("promo_codes")
    op.drop_table("organization_keys")
