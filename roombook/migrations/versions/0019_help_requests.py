"""help requests: the coordinator asks volunteers to fill a coverage gap, each answers once

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

CATEGORIES = ("language_course", "daily_life_course", "office_hours", "counselling", "procedural_counselling",
              "volunteer_activity", "training", "other")


def upgrade():
    op.create_table(
        'help_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('accommodation_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('asked_by_id', sa.Integer(), nullable=True),
        sa.Column('offer_id', sa.Integer(), nullable=True),
        sa.Column('created_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(sa.text("category IN (" + ",".join(f"'{c}'" for c in CATEGORIES) + ")"),
                           name=op.f('ck_help_request_category_known')),
        sa.CheckConstraint('minutes > 0', name=op.f('ck_help_request_minutes_positive')),
        sa.ForeignKeyConstraint(['accommodation_id'], ['accommodation.id'],
                                name=op.f('fk_help_request_accommodation_id_accommodation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['asked_by_id'], ['user.id'], name=op.f('fk_help_request_asked_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_help_request_offer_id_offer'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_request')),
    )
    op.create_index(op.f('ix_help_request_accommodation_id'), 'help_request', ['accommodation_id'])
    op.create_table(
        'help_ask',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('answered_at', roombook.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('asked','accepted','declined','withdrawn')",
                           name=op.f('ck_help_ask_status_known')),
        sa.ForeignKeyConstraint(['request_id'], ['help_request.id'], name=op.f('fk_help_ask_request_id_help_request'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['volunteer_id'], ['user.id'], name=op.f('fk_help_ask_volunteer_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_ask')),
        sa.UniqueConstraint('request_id', 'volunteer_id', name=op.f('uq_help_ask_request_volunteer')),
    )
    op.create_index(op.f('ix_help_ask_request_id'), 'help_ask', ['request_id'])
    op.create_index(op.f('ix_help_ask_volunteer_id'), 'help_ask', ['volunteer_id'])


def downgrade():
    op.drop_table('help_ask')
    op.drop_table('help_request')
