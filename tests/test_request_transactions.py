"""How a request's own transaction ends: one that only read is committed (psycopg keeps its prepared
statements, which every ROLLBACK would throw away), anything else is rolled back as before."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from roombook.db import _end_read_transaction, db, transaction
from roombook.models import Accommodation


@pytest.fixture
def endings(committed):
    """The commits and rollbacks the engine sees, in order."""
    seen: list[str] = []
    listeners = {"commit": lambda conn: seen.append("commit"), "rollback": lambda conn: seen.append("rollback")}
    for name, fn in listeners.items():
        sa.event.listen(db.engine, name, fn)
    yield seen
    for name, fn in listeners.items():
        sa.event.remove(db.engine, name, fn)


def _place(key: str) -> None:
    with transaction() as session:
        session.add(Accommodation(key=key, name=f"Unterkunft {key}"))


def _get_as_a_server_would(app, path: str):
    """The request in a thread of its own: no app context is pushed there yet, so the request's own app
    context ends (and tears down its session) with the request, as under a real server."""
    answers = []
    worker = threading.Thread(target=lambda: answers.append(app.test_client().get(path)))
    worker.start()
    worker.join(timeout=60)
    return answers[0]


def test_a_page_that_only_reads_ends_its_transaction_with_commit(app, endings):
    _place("lesen")
    endings.clear()
    page = _get_as_a_server_would(app, "/")
    assert page.status_code == 200 and "Unterkunft lesen" in page.get_data(as_text=True)
    assert endings == ["commit"]


def test_a_transaction_that_wrote_outside_a_transaction_block_is_rolled_back(app, endings):
    db.session.execute(sa.insert(Accommodation).values(key="halb", name="Halb geschrieben"))
    _end_read_transaction(None)
    db.session.remove()
    assert endings == ["rollback"]
    assert db.session.scalar(sa.select(Accommodation).where(Accommodation.key == "halb")) is None


def test_pending_changes_are_not_committed_by_the_end_of_a_request(app, endings):
    _place("bleibt")
    endings.clear()
    place = db.session.scalar(sa.select(Accommodation).where(Accommodation.key == "bleibt"))
    place.name = "nur angezeigt"
    _end_read_transaction(None)
    db.session.remove()
    assert endings == ["rollback"]
    assert db.session.scalar(sa.select(Accommodation.name).where(Accommodation.key == "bleibt")) == "Unterkunft bleibt"


def test_a_failed_request_is_rolled_back(app, endings):
    db.session.scalar(sa.select(sa.func.count()).select_from(Accommodation))
    _end_read_transaction(RuntimeError("the view failed"))
    db.session.remove()
    assert endings == ["rollback"]


def test_a_block_after_reading_commits_once_and_only_postgresql_keeps_the_read_transaction(app, endings):
    begins: list[str] = []
    listener = lambda conn: begins.append("begin")  # noqa: E731
    sa.event.listen(db.engine, "begin", listener)
    try:
        db.session.scalar(sa.select(sa.func.count()).select_from(Accommodation))  # loading the request's objects
        _place("weiter")
    finally:
        sa.event.remove(db.engine, "begin", listener)
    assert db.session.scalar(sa.select(Accommodation.name).where(Accommodation.key == "weiter")) == "Unterkunft weiter"
    if db.engine.dialect.name == "sqlite":  # the block needs BEGIN IMMEDIATE: the read transaction ends first
        assert (begins, endings) == (["begin", "begin"], ["commit", "commit"])
    else:  # READ COMMITTED: the block's statements see the latest data in the same transaction
        assert (begins, endings) == (["begin"], ["commit"])


def test_a_failing_block_keeps_what_was_written_before_it(app, endings):
    db.session.add(Accommodation(key="vorher", name="Vorher geschrieben"))
    db.session.flush()  # written, not yet committed, when the block starts
    with pytest.raises(RuntimeError):
        with transaction() as session:
            session.add(Accommodation(key="im-block", name="Im Block"))
            session.flush()
            raise RuntimeError("the block failed")
    db.session.remove()
    keys = db.session.scalars(sa.select(Accommodation.key).order_by(Accommodation.key)).all()
    assert keys == ["vorher"]
