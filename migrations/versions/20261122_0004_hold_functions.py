"""seat hold and release as single-round-trip functions

The functions now live as .sql files beside the code that calls them (app/seating/sql/) and are installed from
there by 0007, so a rule is read where it is used; this revision is kept for the chain.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:30:00
"""

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
