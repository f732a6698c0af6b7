"""feed change stamps

Revision ID: 0005
Revises: 0004
Create Date: 2026-09-16 16:40:00.000000

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Their names, addresses and bookers' names show in feeds, but they had no stamp for Last-Modified.
STAMPED = ('accommodation', 'room', 'provider', 'user')
# Every built feed reads the newest stamp of these two big tables.
INDEXED = ('occurrence', 'booking')


def upgrade():
    # Rows that exist are stamped with this migration's time: when they last changed is unknown, and a
    # stamp too new costs a subscriber one download where one too old would leave it a stale copy.
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    sqlite = op.get_bind().dialect.name == 'sqlite'
    # A plain string default (not an SQL expression): SQLite then adds the column in place. Copying the
    # table instead (batch mode's way) would drop the old one, and with foreign keys on, SQLite deletes
    # a dropped table's rows first, cascading to every booking, offer and occurrence that refers to it.
    stamp = now.replace(tzinfo=None).strftime('%Y-%m-%d %H:%M:%S.%f') if sqlite else now.isoformat()
    for table in STAMPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_at', roombook.db.UTCDateTime(timezone=True), nullable=False,
                                          server_default=stamp))
        if not sqlite:  # the app sets every stamp itself; SQLite keeps the default, dropping it means a copy
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column('updated_at', server_default=None)
    for table in INDEXED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_updated_at'), ['updated_at'], unique=False)


def downgrade():
    for table in INDEXED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_updated_at'))
    for table in reversed(STAMPED):
        op.drop_column(table, 'updated_at')  # in place on SQLite too (3.35 and later), for the reason above
