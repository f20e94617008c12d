"""programmes: a programme or project tag on events and contests

Revision ID: a9d3e5f7c1b4
Revises: f1a6c3d8b2e9
Create Date: 2026-12-07 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = 'a9d3e5f7c1b4'
down_revision: str | None = 'f1a6c3d8b2e9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'programmes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    for table, key in (('events', 'fk_events_programme_id'), ('contests', 'fk_contests_programme_id')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(key, 'programmes', ['programme_id'], ['id'],
                                        ondelete='SET NULL')


def downgrade() -> None:
    for table, key in (('contests', 'fk_contests_programme_id'), ('events', 'fk_events_programme_id')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(key, type_='foreignkey')
            batch_op.drop_column('programme_id')
    op.drop_table('programmes')
