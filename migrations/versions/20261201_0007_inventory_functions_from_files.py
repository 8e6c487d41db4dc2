"""inventory SQL functions installed from app/seating/sql; events remember their first publication

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.seating.functions import drop_statements, install_statements

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("events", sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True))
    # An event with inventory has been published (its seat map is fixed).
    op.execute(
        "UPDATE events e SET first_published_at = e.updated_at WHERE EXISTS "
        "(SELECT 1 FROM event_seats s WHERE s.event_id = e.id) OR EXISTS "
        "(SELECT 1 FROM event_areas a WHERE a.event_id = e.id)"
    )
    for statement in install_statements():
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements():
        op.execute(statement)
    op.drop_column("events", "first_published_at")
