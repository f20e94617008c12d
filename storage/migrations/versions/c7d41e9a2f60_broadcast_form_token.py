"""broadcast form token: one /broadcast form makes one broadcast

Revision ID: c7d41e9a2f60
Revises: 5b8f0c2d9a41
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'c7d41e9a2f60'
down_revision: str | None = '5b8f0c2d9a41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('form_token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_broadcasts_form_token'), ['form_token'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcasts_form_token'))
        batch_op.drop_column('form_token')
