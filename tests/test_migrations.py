"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL: a model changed
without its migration (or the other way round) fails here, not on a deployment's first `db upgrade`."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from roombook.db import db


def test_the_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:  # the app fixture ran every migration
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
