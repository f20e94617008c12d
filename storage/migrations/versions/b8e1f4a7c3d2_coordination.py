"""coordination of several processes: reader leases, handled updates, send slots and log, job leases

Revision ID: b8e1f4a7c3d2
Revises: a5c2d3d08f8f
Create Date: 2026-12-07 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = 'b8e1f4a7c3d2'
down_revision: str | None = 'a5c2d3d08f8f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reader_lease',
        sa.Column('reader', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('until', storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('reader'),
    )
    op.create_table(
        'handled_update',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('reader', sa.BigInteger(), nullable=True),
        sa.Column('handled_at', storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('update_id'),
    )
    op.create_index('ix_handled_update_reader', 'handled_update', ['reader'])
    op.create_index('ix_handled_update_handled_at', 'handled_update', ['handled_at'])
    op.create_table(
        'send_slot',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('next_at', storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_send_slot_next_at', 'send_slot', ['next_at'])
    op.create_table(
        'send_log',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('lane', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('at', storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_send_log_lane_at', 'send_log', ['lane', 'at'])
    op.create_table(
        'job_lease',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('until', storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('job_lease')
    op.drop_index('ix_send_log_lane_at', table_name='send_log')
    op.drop_table('send_log')
    op.drop_index('ix_send_slot_next_at', table_name='send_slot')
    op.drop_table('send_slot')
    op.drop_index('ix_handled_update_handled_at', table_name='handled_update')
    op.drop_index('ix_handled_update_reader', table_name='handled_update')
    op.drop_table('handled_update')
    op.drop_table('reader_lease')
