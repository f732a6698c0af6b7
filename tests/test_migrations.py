"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL: a model changed
without its migration (or the other way round) fails here, not on a deployment's first `db upgrade`."""
from __future__ import annotations

import json
from contextlib import contextmanager

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from roombook import create_app
from roombook.access import audit
from roombook.access.accounts import create_user
from roombook.access.api_tokens import create_api_token
from roombook.db import db, transaction
from roombook.feeds.tokens import create_feed_token
from roombook.models import IdempotencyKey, User


def test_the_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:  # the app fixture ran every migration
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def _contents(connection, like: dict | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (what the migration must not lose or change); with `like`,
    only the columns the tables had there (later revisions add columns)."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    contents = {}
    for name, table in metadata.tables.items():
        if name == "alembic_version":
            continue
        columns = [c for c in table.columns if like is None or name not in like or c.name in like[name][0]._fields] \
            if like and like.get(name) else list(table.columns)
        contents[name] = sorted(connection.execute(sa.select(*columns)).all(), key=repr)
    return contents


def _referring_to_user(connection) -> set[str]:
    return {name for name in sa.inspect(connection).get_table_names()
            if any(fk["referred_table"] == "user" for fk in sa.inspect(connection).get_foreign_keys(name))}


@contextmanager
def demo_at_head(scratch_url):
    """The demo city in a scratch database migrated to the newest revision (a migration test takes it down
    and up again from there); the scratch database is let go afterwards."""
    scratch = create_app({"TESTING": True, "ROOMBOOK_DATABASE_URL": scratch_url, "ROOMBOOK_SECRET_KEY": "x",
                          "ROOMBOOK_SCHEDULER": False})
    with scratch.app_context():
        try:
            assert sa.inspect(db.engine).get_table_names() == []  # not the suite's database
            upgrade()
            result = scratch.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            db.session.remove()
            yield scratch
        finally:
            db.session.remove()
            db.engine.dispose()


def test_0008_keeps_every_row_of_the_demo_city_and_never_hands_out_a_user_id_again(scratch_url):
    """0008 rebuilds SQLite's user table (AUTOINCREMENT), with a dozen tables referring to it; some cascade
    on delete, so a rebuild with the foreign keys on would empty them. On a copy of the demo city at 0007,
    with a token, a feed link, a stored API answer and the newest account deleted beforehand, every row of
    every table is the same afterwards, and the next account gets an id no one ever had.

    The city is made with today's models at the head and taken down to 0007 (the models may have columns
    that 0007 lacks), then brought up to 0008 alone."""
    with demo_at_head(scratch_url):
        with transaction() as session:
            volunteer = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
            create_api_token(session, volunteer, "Laptop")
            create_feed_token(session, volunteer, "volunteer", "Handy")
            session.add(IdempotencyKey(user_id=volunteer.id, key="k1", request_hash="0" * 64, status=201,
                                       body={}))
            newest = create_user(session, "newest@example.org", "volunteer", "pw")
            newest_id = newest.id
            # what delete_user does to the row and the audit trail at 0007 (today's delete_user also clears
            # tables that later revisions add)
            session.execute(sa.delete(User).where(User.id == newest_id))
            audit.record_about(session, None, "user.deleted", "user", str(newest_id))
        db.session.remove()
        downgrade(revision="0007")
        with db.engine.connect() as connection:
            before = _contents(connection)
            referring = _referring_to_user(connection)
        # the tables whose rows a cascading DROP TABLE would delete: each has rows to lose
        assert all(before[name] for name in ("user_accommodation", "volunteer_profile", "volunteer_wish",
                                             "api_token", "feed_token", "idempotency_key"))
        # and those whose person it would set to NULL
        assert any(row.user_id for row in before["booking"])

        upgrade(revision="0008")  # this revision's doing: later ones add tables of their own
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
        upgrade()
        with db.engine.connect() as connection:
            latest = _contents(connection)
        # 0014 records every room's present opening hours as having held since ever
        assert {row.room_id: (row.valid_from.year, row.open) for row in latest["room_opening_hours"]} == {
            row.id: (1900, row.open) for row in latest["room"]}
        with transaction() as session:
            assert create_user(session, "next@example.org", "volunteer", "pw").id > newest_id


def test_0015_keeps_the_german_half_of_the_pairs_the_app_once_stored_and_leaves_typed_text_alone(scratch_url):
    with demo_at_head(scratch_url):
        with db.engine.begin() as connection:
            first, second = connection.execute(sa.text("SELECT id FROM booking ORDER BY id LIMIT 2")).scalars()
            set_reason = sa.text("UPDATE booking SET status_reason = :reason WHERE id = :id")
            connection.execute(set_reason, {"reason": "storniert / cancelled", "id": first})
            connection.execute(set_reason, {"reason": "Chor / Orchester", "id": second})  # typed by a person
            connection.execute(sa.text("UPDATE closure SET reason = 'Malerarbeiten / painting'"))
        downgrade(revision="0015")
        downgrade(revision="-1")  # to the revision before 0015
        upgrade()
        with db.engine.connect() as connection:
            reasons = dict(connection.execute(sa.text("SELECT id, status_reason FROM booking WHERE id IN "
                                                      "(:a, :b)"), {"a": first, "b": second}).all())
            closures = set(connection.execute(sa.text("SELECT reason FROM closure")).scalars())
        assert reasons == {first: "storniert", second: "Chor / Orchester"}
        assert closures == {"Malerarbeiten"}


def test_0016_maps_typed_equipment_onto_the_vocabulary(scratch_url):
    with demo_at_head(scratch_url):
        typed = sa.text("UPDATE room SET features = :value WHERE key = :key").bindparams(
            sa.bindparam("value", type_=sa.JSON))
        with db.engine.begin() as connection:
            connection.execute(typed, {"value": ["Whiteboard", "barrierefrei", "beamer", "Klavier"],
                                       "key": "nord-gr"})
            connection.execute(typed, {"value": ["kitchen"], "key": "west-gr"})
        downgrade(revision="0015")
        upgrade()
        with db.engine.connect() as connection:
            features = dict(connection.execute(sa.text("SELECT key, features FROM room WHERE key IN "
                                                       "('nord-gr', 'west-gr')")).all())
        decoded = {key: value if isinstance(value, list) else json.loads(value) for key, value in features.items()}
        assert decoded == {"nord-gr": ["whiteboard", "step_free", "projector"], "west-gr": ["kitchen"]}
