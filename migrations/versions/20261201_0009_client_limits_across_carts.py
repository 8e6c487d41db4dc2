"""carts remember their client (network and account) so holds are limited per client across carts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.seating.functions import install_statements

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("carts", sa.Column("client_network", sa.String(length=64), nullable=True))
    op.add_column("carts", sa.Column("client_account", sa.Uuid(), nullable=True))
    op.create_index("ix_carts_client_network", "carts", ["client_network"], unique=False)
    op.create_index("ix_carts_client_account", "carts", ["client_account"], unique=False)
    # The new hold function takes the client too; the old signature would make calls ambiguous.
    op.execute("DROP FUNCTION IF EXISTS usher_hold_seats(text, uuid, text[], integer, integer)")
    for statement in install_statements():
        op.execute(statement)


def downgrade() -> None:
    # The hold function stays: called without a client (as 0008's code calls it) it never reads these columns.
    op.drop_index("ix_carts_client_account", table_name="carts")
    op.drop_index("ix_carts_client_network", table_name="carts")
    op.drop_column("carts", "client_account")
    op.drop_column("carts", "client_network")
