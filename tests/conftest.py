"""Fixtures: the real database (SQLite by default, PostgreSQL when ROOMBOOK_TEST_DATABASE_URL is set),
migrated once per run with the project's Alembic migrations; each test in a rolled-back transaction."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id

import roombook
from roombook import create_app
from roombook.db import db

pytest_plugins = ["tests.factories"]

# The suite tests the tree it sits in. The virtualenv may hold roombook as an editable install of another
# checkout (a worktree shares its main checkout's .venv): what the suite imports must come from this tree, and so
# must every process it starts (gunicorn, `flask scheduler`, the solver's child process), whatever their
# working directory.
ROOT = Path(__file__).resolve().parents[1]
if Path(roombook.__file__).resolve().parents[1] != ROOT:
    raise pytest.UsageError(f"the suite in {ROOT} imported roombook from {roombook.__file__}: run pytest from "
                            f"{ROOT} (or with PYTHONPATH={ROOT})")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("ROOMBOOK_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        return _worker_database(url, worker)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _worker_database(url: str, worker: str) -> str:
    """A database of its own for each pytest-xdist worker on the same PostgreSQL server."""
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_database(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    _reset_database(database_url)
    app = create_app({
        "TESTING": True,
        "ROOMBOOK_DATABASE_URL": database_url,
        "ROOMBOOK_SECRET_KEY": "test-secret",
        "ROOMBOOK_SCHEDULER": False,
    })
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture
def session(app):
    """A session whose every commit is a savepoint inside one outer transaction rolled back at the end."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # a plain Session honours `bind` (Flask-SQLAlchemy's own picks engines by bind key)
        factory = sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        db.session = sa.orm.scoped_session(factory, scopefunc=_app_ctx_id)
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def scratch_url(app, database_url, tmp_path):
    """An empty database of the suite's kind, for migration tests: a file for SQLite, a schema of its own for
    PostgreSQL."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite'}"
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS scratch CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA scratch"))
    # only that schema on the path, or Alembic would find the suite's alembic_version in public; btree_gist,
    # which the occupancy constraint needs, is the database's, installed by the suite's migration (`app`)
    yield url.update_query_dict({"options": "-csearch_path=scratch"}).render_as_string(False)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA scratch CASCADE"))
    engine.dispose()


@pytest.fixture
def committed(app):
    """For tests that need their own connections (threads, the CLI): data is committed, then wiped."""
    with app.app_context():
        yield db
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def as_new_request() -> None:
    """The tests' app context outlives its requests, and Flask-Login and Flask-WTF keep the user and the CSRF
    token in its `g`: forget both, so that the next request finds them through its own cookies, as every
    request does in production."""
    if has_app_context():
        g.pop("_login_user", None)
        g.pop("csrf_token", None)


def login(client, email: str, password: str = "demo", *, remember: bool = False, address: str | None = None,
          base_url: str = "http://localhost", check: bool = True):
    """Sign in through the login form, as a person does, and return the answer. With `check` (the default) a
    refusal fails the test; tests of refusals pass check=False. `address` is the browser's IP address (the
    rate limits count by it); over HTTPS the form must come from our own page, so the Referer is sent."""
    environ = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    as_new_request()
    page = client.get("/login", base_url=base_url, **environ)
    data = {"email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))}
    if remember:
        data["remember"] = "y"
    answer = client.post("/login", data=data, base_url=base_url, headers={"Referer": f"{base_url}/login"},
                         **environ)
    as_new_request()
    if check:
        assert answer.status_code == 302 and "/login" not in answer.headers["Location"], answer.status_code
    return answer
