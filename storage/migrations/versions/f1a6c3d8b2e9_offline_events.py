"""offline events: an address and the door's check-in token

Revision ID: f1a6c3d8b2e9
Revises: e7f2b9c4a1d6
Create Date: 2026-12-07 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'f1a6c3d8b2e9'
down_revision: str | None = 'e7f2b9c4a1d6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(
            sa.Column('checkin_token', sqlmodel.sql.sqltypes.AutoString(length=64),
                      nullable=True))
        batch_op.create_index(batch_op.f('ix_events_checkin_token'), ['checkin_token'],
                              unique=True)


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_checkin_token'))
        batch_op.drop_column('checkin_token')
        batch_op.drop_column('address')
