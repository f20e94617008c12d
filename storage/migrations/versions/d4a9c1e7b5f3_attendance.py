"""attendance: who came to an event, when and how

Revision ID: d4a9c1e7b5f3
Revises: b8e1f4a7c3d2
Create Date: 2026-12-07 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = 'd4a9c1e7b5f3'
down_revision: str | None = 'b8e1f4a7c3d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended_at', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('attended_how', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('attended_how')
        batch_op.drop_column('attended_at')
