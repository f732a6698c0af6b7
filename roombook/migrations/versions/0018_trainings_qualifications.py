"""trainings and qualifications: trainings with sessions, sign-ups and attendance; qualification kinds, the
proofs seen per volunteer, and the qualifications offers require

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

UTC = roombook.db.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        'qualification_kind',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('validity_months', sa.Integer(), nullable=True),
        sa.CheckConstraint('validity_months IS NULL OR validity_months BETWEEN 1 AND 600',
                           name=op.f('ck_qualification_kind_validity_sane')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification_kind')),
        sa.UniqueConstraint('code', name=op.f('uq_qualification_kind_code')),
    )
    op.create_table(
        'qualification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind_id', sa.Integer(), nullable=False),
        sa.Column('seen_on', sa.Date(), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('reminded_for', sa.Date(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', UTC, nullable=False),
        sa.CheckConstraint('valid_until IS NULL OR valid_until >= seen_on',
                           name=op.f('ck_qualification_valid_after_seen')),
        sa.ForeignKeyConstraint(['kind_id'], ['qualification_kind.id'],
                                name=op.f('fk_qualification_kind_id_qualification_kind'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_qualification_recorded_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_qualification_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification')),
        sa.UniqueConstraint('user_id', 'kind_id', name='uq_qualification_user_kind'),
    )
    op.create_index(op.f('ix_qualification_user_id'), 'qualification', ['user_id'], unique=False)
    op.create_table(
        'offer_requirement',
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('kind_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['kind_id'], ['qualification_kind.id'],
                                name=op.f('fk_offer_requirement_kind_id_qualification_kind'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_requirement_offer_id_offer'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('offer_id', 'kind_id', name=op.f('pk_offer_requirement')),
    )
    op.create_table(
        'training',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('deadline', UTC, nullable=False),
        sa.Column('open_to', sa.String(length=16), nullable=False),
        sa.Column('requires_kind_id', sa.Integer(), nullable=True),
        sa.Column('grants_kind_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.CheckConstraint('seats BETWEEN 1 AND 1000', name=op.f('ck_training_seats_sane')),
        sa.CheckConstraint("open_to IN ('volunteers','qualified')", name=op.f('ck_training_open_to_known')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_training_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['grants_kind_id'], ['qualification_kind.id'],
                                name=op.f('fk_training_grants_kind_id_qualification_kind'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['requires_kind_id'], ['qualification_kind.id'],
                                name=op.f('fk_training_requires_kind_id_qualification_kind'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training')),
    )
    op.create_table(
        'training_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('training_id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('starts_at', UTC, nullable=False),
        sa.Column('ends_at', UTC, nullable=False),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_training_session_ordered')),
        sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_training_session_booking_id_booking'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['training_id'], ['training.id'],
                                name=op.f('fk_training_session_training_id_training'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session')),
    )
    op.create_index(op.f('ix_training_session_training_id'), 'training_session', ['training_id'], unique=False)
    op.create_table(
        'training_signup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('training_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('position', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('promoted_at', UTC, nullable=True),
        sa.Column('completed_at', UTC, nullable=True),
        sa.CheckConstraint("status IN ('confirmed','waitlisted','cancelled')",
                           name=op.f('ck_training_signup_status_known')),
        sa.CheckConstraint("(status = 'waitlisted') = (position IS NOT NULL)",
                           name=op.f('ck_training_signup_position_when_waiting')),
        sa.ForeignKeyConstraint(['training_id'], ['training.id'],
                                name=op.f('fk_training_signup_training_id_training'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_training_signup_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_signup')),
        sa.UniqueConstraint('training_id', 'user_id', name='uq_training_signup_person'),
    )
    op.create_index(op.f('ix_training_signup_training_id'), 'training_signup', ['training_id'], unique=False)
    op.create_index(op.f('ix_training_signup_user_id'), 'training_signup', ['user_id'], unique=False)
    op.create_table(
        'attendance',
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('signup_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['training_session.id'],
                                name=op.f('fk_attendance_session_id_training_session'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['signup_id'], ['training_signup.id'],
                                name=op.f('fk_attendance_signup_id_training_signup'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('session_id', 'signup_id', name=op.f('pk_attendance')),
    )


def downgrade():
    op.drop_table('attendance')
    op.drop_table('training_signup')
    op.drop_table('training_session')
    op.drop_table('training')
    op.drop_table('offer_requirement')
    op.drop_table('qualification')
    op.drop_table('qualification_kind')
