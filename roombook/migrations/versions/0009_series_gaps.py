"""booking series gaps: the weeks of a series that hold no booking (skipped for a closure, refused), kept
so the series still shows them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_series_gap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_booking_series_gap_ordered')),
    sa.CheckConstraint("state IN ('skipped','refused')", name=op.f('ck_booking_series_gap_state_known')),
    sa.ForeignKeyConstraint(['series_id'], ['booking_series.id'],
                            name=op.f('fk_booking_series_gap_series_id_booking_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series_gap')),
    sa.UniqueConstraint('series_id', 'starts_at', name='uq_booking_series_gap_week')
    )
    with op.batch_alter_table('booking_series_gap', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_gap_series_id'), ['series_id'], unique=False)


def downgrade():
    with op.batch_alter_table('booking_series_gap', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_gap_series_id'))
    op.drop_table('booking_series_gap')
