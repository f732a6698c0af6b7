"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL: a model changed
without its migration (or the other way round) fails here, not on a deployment's first `db upgrade`."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from roombook import create_app
from roombook.access.accounts import create_user
from roombook.access.api_tokens import create_api_token
from roombook.access.privacy import delete_user
from roombook.db import db, transaction
from roombook.feeds.tokens import create_feed_token
from roombook.models import IdempotencyKey, User


def test_the_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:  # the app fixture ran every migration
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def _contents(connection) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (what the migration must not lose or change)."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    return {name: sorted(connection.execute(sa.select(table)).all(), key=repr)
            for name, table in metadata.tables.items() if name != "alembic_version"}


def _referring_to_user(connection) -> set[str]:
    return {name for name in sa.inspect(connection).get_table_names()
            if any(fk["referred_table"] == "user" for fk in sa.inspect(connection).get_foreign_keys(name))}


def test_0008_keeps_every_row_of_the_demo_city_and_never_hands_out_a_user_id_again(scratch_url, monkeypatch):
    """0008 rebuilds SQLite's user table (AUTOINCREMENT), with a dozen tables referring to it; some cascade
    on delete, so a rebuild with the foreign keys on would empty them. On a copy of the demo city at 0007,
    with a token, a feed link, a stored API answer and the newest account deleted beforehand, every row of
    every table is the same afterwards, and the next account gets an id no one ever had."""
    scratch = create_app({"TESTING": True, "ROOMBOOK_DATABASE_URL": scratch_url, "ROOMBOOK_SECRET_KEY": "x",
                          "ROOMBOOK_SCHEDULER": False})
    with scratch.app_context():
        try:
            assert sa.inspect(db.engine).get_table_names() == []  # not the suite's database
            upgrade(revision="0007")
            # today's demo at 0007: the weeks a series leaves out have a table only from 0009 on
            monkeypatch.setattr("roombook.booking.service.record_gaps", lambda *args: None)
            result = scratch.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            with transaction() as session:
                volunteer = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
                create_api_token(session, volunteer, "Laptop")
                create_feed_token(session, volunteer, "volunteer", "Handy")
                session.add(IdempotencyKey(user_id=volunteer.id, key="k1", request_hash="0" * 64, status=201,
                                           body={}))
                newest = create_user(session, "newest@example.org", "volunteer", "pw")
                newest_id = newest.id
                delete_user(session, None, newest)
            db.session.remove()
            with db.engine.connect() as connection:
                before = _contents(connection)
                referring = _referring_to_user(connection)
            # the tables whose rows a cascading DROP TABLE would delete: each has rows to lose
            assert all(before[name] for name in ("user_accommodation", "volunteer_profile", "volunteer_wish",
                                                 "api_token", "feed_token", "idempotency_key"))
            # and those whose person it would set to NULL
            assert any(row.user_id for row in before["booking"])

            upgrade(revision="0008")  # what 0008 does, without the tables later revisions add
            with db.engine.connect() as connection:
                after = _contents(connection)
                assert _referring_to_user(connection) == referring | {"login"}
                if connection.dialect.name == "sqlite":
                    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                    assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                    assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                    assert "AUTOINCREMENT" in connection.exec_driver_sql(
                        "SELECT sql FROM sqlite_master WHERE name = 'user'").scalar()
            assert {name: rows for name, rows in after.items() if name != "login"} == before
            with transaction() as session:
                assert create_user(session, "next@example.org", "volunteer", "pw").id > newest_id
        finally:
            db.session.remove()
            db.engine.dispose()
