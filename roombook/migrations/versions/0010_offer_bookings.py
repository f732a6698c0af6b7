"""offer bookings: a booking can be an offer for residents (category, languages, audience, description,
participants, public, public contact, hidden by its managers); titles and descriptions in further languages

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CATEGORY_CHECK = ("category IN ('language_course','daily_life_course','office_hours','counselling',"
                  "'procedural_counselling','volunteer_activity','training','other')")
AUDIENCE_CHECK = "audience IN ('everyone','women','men','children','youth','families','seniors')"
CHECKED = (
    ('category', 'VARCHAR(32)', sa.String(length=32), 'ck_booking_category_known', CATEGORY_CHECK),
    ('audience', 'VARCHAR(16)', sa.String(length=16), 'ck_booking_audience_known', AUDIENCE_CHECK),
    ('participants', 'INTEGER', sa.Integer(), 'ck_booking_participants_positive', 'participants >= 1'),
)


def upgrade():
    # Columns are added in place: a batch rebuild of `booking` on SQLite would drop the table that occupancy
    # rows cascade from. SQLite takes a CHECK constraint only with the column it checks.
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, sql_type, type_, check_name, check in CHECKED:
        if sqlite:
            op.execute(f"ALTER TABLE booking ADD COLUMN {name} {sql_type} CONSTRAINT {check_name} CHECK ({check})")
        else:
            op.add_column('booking', sa.Column(name, type_, nullable=True))
            op.create_check_constraint(check_name, 'booking', check)
    op.add_column('booking', sa.Column('languages', sa.JSON(), nullable=True))
    op.add_column('booking', sa.Column('description', sa.Text(), server_default='', nullable=False))
    op.add_column('booking', sa.Column('public', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('booking', sa.Column('public_contact', sa.String(length=200), server_default='', nullable=False))
    op.add_column('booking', sa.Column('hidden_reason', sa.String(length=300), nullable=True))
    op.add_column('booking', sa.Column('hidden_at', roombook.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column('booking', sa.Column('translations', sa.JSON(), nullable=True))
    op.add_column('offer', sa.Column('translations', sa.JSON(), nullable=True))
    op.add_column('room', sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('room', 'translations')
    op.drop_column('offer', 'translations')
    for name in ('translations', 'hidden_at', 'hidden_reason', 'public_contact', 'public', 'description',
                 'languages'):
        op.drop_column('booking', name)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, _sql_type, _type, check_name, _check in reversed(CHECKED):
        if not sqlite:
            op.drop_constraint(check_name, 'booking', type_='check')
        op.drop_column('booking', name)
