"""volunteer profiles: skills and wishes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'volunteer_profile',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('skills', sa.JSON(), nullable=False),
        sa.Column('available', sa.JSON(), nullable=False),
        sa.Column('max_minutes_per_week', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('updated_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('max_minutes_per_week IS NULL OR max_minutes_per_week BETWEEN 0 AND 10080',
                           name=op.f('ck_volunteer_profile_minutes_in_a_week')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_volunteer_profile_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_volunteer_profile')),
    )
    op.create_table(
        'volunteer_wish',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('accommodation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['accommodation_id'], ['accommodation.id'],
                                name=op.f('fk_volunteer_wish_accommodation_id_accommodation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['volunteer_profile.user_id'],
                                name=op.f('fk_volunteer_wish_user_id_volunteer_profile'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'accommodation_id', name=op.f('pk_volunteer_wish')),
    )


def downgrade():
    op.drop_table('volunteer_wish')
    op.drop_table('volunteer_profile')
