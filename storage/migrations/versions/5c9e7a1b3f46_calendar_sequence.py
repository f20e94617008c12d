"""calendar sequence (issue 13)

Revision ID: 5c9e7a1b3f46
Revises: 3a7c5e9b1d24
Create Date: 2026-12-07 19:15:00.000000
"""

from collections.abc import Sequence


revision: str = '5c9e7a1b3f46'
down_revision: str | None = '3a7c5e9b1d24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
