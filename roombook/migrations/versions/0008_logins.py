"""logins: a row per sign-in that the cookies name by a secret; user ids never handed out twice on SQLite

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 10:00:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa

import roombook.db


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_CREATE_USER = re.compile(r'^CREATE TABLE\s+(?:user|"user"|`user`|\[user\])\s*\(')
_PLAIN_ID = re.compile(r'\bid INTEGER NOT NULL,')
_PK_CONSTRAINT = re.compile(r'\s*CONSTRAINT pk_user PRIMARY KEY \(id\),')
_AUTOINCREMENT_ID = re.compile(r'\bid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,')
_FIRST_CONSTRAINT = re.compile(r'(\n\s*)CONSTRAINT ')


def upgrade():
    # First, before anything of this revision: the rebuild commits what ran before it (see _rebuild_user).
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_user(autoincrement=True)
    op.create_table('login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', roombook.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_login_secret_hash'))
    )
    with op.batch_alter_table('login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_user_id'))
    op.drop_table('login')
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_user(autoincrement=False)


def _rebuild_user(autoincrement: bool) -> None:
    """Give SQLite's `user` table AUTOINCREMENT (or take it away), keeping every row that refers to a user.

    Without AUTOINCREMENT SQLite hands out the highest id plus one, so deleting the newest account gave its
    id to the next one. PostgreSQL's sequences never go back. SQLite cannot alter a primary key in place:
    this is its documented twelve-step procedure (https://www.sqlite.org/lang_altertable.html#otheralter).
    With foreign keys on, DROP TABLE first deletes the rows, and that deletion cascades: logins, tokens,
    profiles and manager assignments would go, bookings and audit events would lose their person. So the
    foreign keys are switched off, which SQLite does only outside a transaction: Alembic's transaction
    (the revisions before this one) is committed first, as its autocommit_block would, and a new one is
    begun afterwards for the rest. Run again after a failure, a finished rebuild is not repeated.
    """
    raw = op.get_bind().connection.driver_connection  # sqlite3, transactions begun by hand (roombook.db)
    (sql,) = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'user'").fetchone()
    if ("AUTOINCREMENT" in sql) == autoincrement:
        return
    rebuilt = _CREATE_USER.sub("CREATE TABLE user_rebuilt (", sql)
    if autoincrement:
        rebuilt = _exactly_once(_PK_CONSTRAINT, "", _exactly_once(
            _PLAIN_ID, "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", rebuilt))
    else:
        rebuilt = _exactly_once(_FIRST_CONSTRAINT, r"\1CONSTRAINT pk_user PRIMARY KEY (id), \1CONSTRAINT ",
                                _exactly_once(_AUTOINCREMENT_ID, "id INTEGER NOT NULL,", rebuilt), count=1)
    if rebuilt == sql or not rebuilt.startswith("CREATE TABLE user_rebuilt ("):
        raise RuntimeError(f"the user table is not the one this migration knows: {sql}")
    # step 3: the indexes and triggers of the table, made again after the rename (views name no table here)
    dependents = [row[0] for row in raw.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'user' AND type IN ('index', 'trigger') AND sql IS NOT NULL")]
    columns = ", ".join(f'"{row[1]}"' for row in raw.execute('PRAGMA table_info("user")'))

    if raw.in_transaction:
        raw.execute("COMMIT")
    (foreign_keys,) = raw.execute("PRAGMA foreign_keys").fetchone()
    raw.execute("PRAGMA foreign_keys = OFF")  # step 1
    try:
        raw.execute("BEGIN IMMEDIATE")  # step 2
        try:
            raw.execute(rebuilt)  # step 4
            raw.execute(f'INSERT INTO user_rebuilt ({columns}) SELECT {columns} FROM "user"')  # step 5
            raw.execute('DROP TABLE "user"')  # step 6: no cascade, the foreign keys are off
            raw.execute('ALTER TABLE user_rebuilt RENAME TO "user"')  # step 7
            for statement in dependents:  # step 8
                raw.execute(statement)
            if autoincrement:
                _remember_deleted_ids(raw)
            problems = [row for row in raw.execute("PRAGMA foreign_key_check") if row[2] == "user"]  # step 10
            if problems:
                raise RuntimeError(f"rebuilding the user table broke foreign keys: {problems[:5]}")
            raw.execute("COMMIT")  # step 11
        except BaseException:
            raw.execute("ROLLBACK")
            raise
    finally:
        raw.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")  # step 12
        raw.execute("BEGIN")  # Alembic goes on in the transaction it believes open


def _remember_deleted_ids(raw) -> None:
    """The copy told SQLite the highest id still there; an account deleted before this migration may have
    had a higher one, and its deletion is on record (audit event 'user.deleted' about 'user' <id>)."""
    (highest,) = raw.execute("SELECT max(CAST(object_id AS INTEGER)) FROM audit_event "
                             "WHERE object_type = 'user'").fetchone()
    if not highest:
        return
    if raw.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'user'", (highest,)).rowcount == 0:
        raw.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('user', ?)", (highest,))


def _exactly_once(pattern: re.Pattern, replacement: str, text: str, count: int = 0) -> str:
    changed, n = pattern.subn(replacement, text, count=count)
    if n != 1:
        raise RuntimeError(f"the user table is not the one this migration knows ({pattern.pattern!r} "
                           f"found {n} times): {text}")
    return changed
