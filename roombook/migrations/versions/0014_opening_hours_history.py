"""opening-hours history: the weekly windows each room had from when, for reports on past periods

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06 19:00:00.000000

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

# The hours before the history was kept are not known: the rooms' present hours stand for all the past.
SINCE_EVER = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)


def upgrade():
    table = op.create_table(
        'room_opening_hours',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', roombook.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('open', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_opening_hours_room_id_room'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_room_opening_hours')),
        sa.UniqueConstraint('room_id', 'valid_from', name=op.f('uq_room_opening_hours_start')),
    )
    with op.batch_alter_table('room_opening_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_opening_hours_room_id'), ['room_id'], unique=False)
    room = sa.table('room', sa.column('id', sa.Integer()), sa.column('open', sa.JSON()))
    rows = op.get_bind().execute(sa.select(room.c.id, room.c.open)).all()
    if rows:
        op.bulk_insert(table, [{"room_id": room_id, "valid_from": SINCE_EVER, "open": windows or []}
                               for room_id, windows in rows])


def downgrade():
    with op.batch_alter_table('room_opening_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_opening_hours_room_id'))
    op.drop_table('room_opening_hours')
