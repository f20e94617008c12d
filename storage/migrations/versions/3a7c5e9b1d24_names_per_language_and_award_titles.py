"""names per language and award titles (issue 13)

Revision ID: 3a7c5e9b1d24
Revises: a9d3e5f7c1b4
Create Date: 2026-12-07 19:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '3a7c5e9b1d24'
down_revision: str | None = 'a9d3e5f7c1b4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        # Partners stored so far have one spelling, kept in `name` and `city`.
        batch_op.add_column(
            sa.Column('names', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(
            sa.Column('cities', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table('contests', schema=None) as batch_op:
        # Winners so far were given diplomas.
        batch_op.add_column(
            sa.Column('award', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False,
                      server_default='diploma'))


def downgrade() -> None:
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('award')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('cities')
        batch_op.drop_column('names')
