"""refund reasons: every order set for refund or refunded says why (organizers must give a reason)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASON_GIVEN = "status NOT IN ('refund_due', 'refunded') OR btrim(coalesce(refund_reason, '')) <> ''"


def upgrade() -> None:
    # Refunds made before reasons were required read as the buyer's order page always showed them.
    op.execute(
        "UPDATE orders SET refund_reason = 'This order was refunded.' "
        "WHERE status IN ('refund_due', 'refunded') AND btrim(coalesce(refund_reason, '')) = ''"
    )
    op.create_check_constraint(op.f("ck_orders_refund_reason_given"), "orders", REASON_GIVEN)


def downgrade() -> None:
    op.drop_constraint(op.f("ck_orders_refund_reason_given"), "orders", type_="check")
