"""mails people expect: each person's mail settings, calendar parts of outbox messages, invitations sent, reminders sent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import roombook.db

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('confirmations', sa.Boolean(), nullable=False),
    sa.Column('reminders', sa.Boolean(), nullable=False),
    sa.Column('reminder_time', sa.String(length=8), nullable=False),
    sa.CheckConstraint("reminder_time IN ('evening','morning')", name=op.f('ck_mail_settings_reminder_time_known')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_settings_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mail_settings'))
    )
    op.add_column('outbox_message', sa.Column('calendars', sa.JSON(), nullable=True))
    op.create_table('calendar_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('uid', sa.String(length=200), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_invitation')),
    sa.UniqueConstraint('recipient', 'uid', name='uq_calendar_invitation_recipient_uid')
    )
    with op.batch_alter_table('calendar_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_invitation_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_invitation_series_id'), ['series_id'], unique=False)
    op.create_table('reminder_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_sent_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
    sa.UniqueConstraint('user_id', 'day', name='uq_reminder_sent_user_day')
    )


def downgrade():
    op.drop_table('reminder_sent')
    with op.batch_alter_table('calendar_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_invitation_series_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_invitation_booking_id'))
    op.drop_table('calendar_invitation')
    op.drop_column('outbox_message', 'calendars')  # a plain DROP COLUMN (SQLite 3.35 and later)
    op.drop_table('mail_settings')
