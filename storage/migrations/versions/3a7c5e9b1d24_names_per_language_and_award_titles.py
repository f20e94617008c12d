"""names per language and award titles (issue 13)

Revision ID: 3a7c5e9b1d24
Revises: a9d3e5f7c1b4
Create Date: 2026-12-07 19:15:00.000000
"""

from collections.abc import Sequence


revision: str = '3a7c5e9b1d24'
down_revision: str | None = 'a9d3e5f7c1b4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
