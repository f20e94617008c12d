"""libraries, organizers, erasure, removed jurors, winner names

Organizers are scoped to libraries; erased profiles are marked; removed jurors
keep their row (their scores are excluded); contests choose how winners are named.

Revision ID: a5c2d3d08f8f
Revises: c7d41e9a2f60
Create Date: 2026-12-07 06:03:08.968223
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = 'a5c2d3d08f8f'
down_revision: str | None = 'c7d41e9a2f60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('libraries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('organizer_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('library_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['library_id'], ['libraries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('organizers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('library_id', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.BigInteger(), nullable=True),
    sa.Column('added_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['library_id'], ['libraries.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'library_id')
    )
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizers_library_id'), ['library_id'], unique=False)

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('library_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'winner_names', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
            server_default='initial'))
        batch_op.create_foreign_key('fk_contests_library_id', 'libraries', ['library_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('library_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_events_library_id', 'libraries', ['library_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('jurors', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('removed_at', storage.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('erased_at', storage.types.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('jurors', schema=None) as batch_op:
        batch_op.drop_column('removed_at')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_events_library_id', type_='foreignkey')
        batch_op.drop_column('library_id')

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_constraint('fk_contests_library_id', type_='foreignkey')
        batch_op.drop_column('winner_names')
        batch_op.drop_column('library_id')

    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizers_library_id'))

    op.drop_table('organizers')
    op.drop_table('organizer_invites')
    op.drop_table('libraries')
