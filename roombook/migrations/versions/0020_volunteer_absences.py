"""volunteer absences: dated days off, decided as a change (cause "absence"), dates taken over by the group

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

CAUSES = ("('closure','opening_hours')", "('closure','opening_hours','absence')")
STATUSES = ("('open','moved','cancelled','asked','kept')", "('open','moved','cancelled','asked','kept','taken_over')")


def _checks(cause: str, status: str) -> None:
    # SQLite has no ALTER for a CHECK: batch mode copies the tables with the new ones
    with op.batch_alter_table('room_change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_room_change_cause_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_room_change_cause_known'), f"cause IN {cause}")
    with op.batch_alter_table('room_change_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_room_change_item_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_room_change_item_status_known'), f"status IN {status}")


def upgrade():
    op.create_table('volunteer_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_volunteer_absence_ordered')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_volunteer_absence_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_absence'))
    )
    with op.batch_alter_table('volunteer_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_absence_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('room_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('absence_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_room_change_absence_id'), ['absence_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_room_change_absence_id_volunteer_absence'), 'volunteer_absence',
                                    ['absence_id'], ['id'], ondelete='SET NULL')
    _checks(CAUSES[1], STATUSES[1])


def downgrade():
    op.execute("DELETE FROM room_change WHERE cause = 'absence'")
    op.execute("UPDATE room_change_item SET status = 'moved' WHERE status = 'taken_over'")
    _checks(CAUSES[0], STATUSES[0])
    with op.batch_alter_table('room_change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_room_change_absence_id_volunteer_absence'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_room_change_absence_id'))
        batch_op.drop_column('absence_id')
    with op.batch_alter_table('volunteer_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_absence_user_id'))
    op.drop_table('volunteer_absence')
