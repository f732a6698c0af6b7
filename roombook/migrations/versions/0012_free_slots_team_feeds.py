"""accommodation coordinates (free slots near a place); feed links owned by a department

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, no batch: rebuilding accommodation on SQLite with the foreign keys on would delete
    # its rooms (DROP TABLE cascades). feed_token is rebuilt (user_id becomes nullable): no table refers to it.
    op.add_column('accommodation', sa.Column('latitude', sa.Float(), nullable=True))
    op.add_column('accommodation', sa.Column('longitude', sa.Float(), nullable=True))
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('provider_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_feed_token_provider_id_provider'), 'provider',
                                    ['provider_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_feed_token_provider_id'), ['provider_id'], unique=False)
        batch_op.create_check_constraint(op.f('ck_feed_token_one_owner'),
                                         '(user_id IS NULL) <> (provider_id IS NULL)')


def downgrade():
    op.execute("DELETE FROM feed_token WHERE user_id IS NULL")
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_feed_token_one_owner'), type_='check')
        batch_op.drop_index(batch_op.f('ix_feed_token_provider_id'))
        batch_op.drop_constraint(batch_op.f('fk_feed_token_provider_id_provider'), type_='foreignkey')
        batch_op.drop_column('provider_id')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
    op.drop_column('accommodation', 'longitude')
    op.drop_column('accommodation', 'latitude')
