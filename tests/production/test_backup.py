"""`flask backup FILE` and `flask restore FILE`: a round trip brings back exactly what was saved."""
from __future__ import annotations

import sqlalchemy as sa

from roombook.db import transaction
from roombook.models import Accommodation, Booking, Occupancy
from tests.production.conftest import seed_city


def _snapshot(db) -> dict:
    db.session.remove()
    return {"accommodations": db.session.scalars(sa.select(Accommodation.key).order_by(Accommodation.key)).all(),
            "bookings": db.session.execute(sa.select(Booking.id, Booking.title, Booking.starts_at)
                                           .order_by(Booking.id)).all(),
            "occupancy": db.session.scalar(sa.select(sa.func.count()).select_from(Occupancy))}


def test_backup_and_restore_round_trip(app, committed, tmp_path, dialect):
    from roombook.booking import book_room
    from roombook.models import Room, User
    from tests.factories import local

    room_ids, _tokens = seed_city(committed)
    with transaction() as session:
        room, user = session.get(Room, room_ids[0]), session.scalars(sa.select(User)).first()
        book_room(session, user, room, local(2031, 3, 4, 10), local(2031, 3, 4, 11), "Vor dem Backup",
                  now=local(2031, 1, 1))
    saved = _snapshot(committed)
    target = tmp_path / f"roombook.{dialect}.backup"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    with transaction() as session:
        room, user = session.get(Room, room_ids[0]), session.scalars(sa.select(User)).first()
        book_room(session, user, room, local(2031, 3, 5, 10), local(2031, 3, 5, 11), "Nach dem Backup",
                  now=local(2031, 1, 1))
        session.add(Accommodation(key="after", name="Später"))
    assert _snapshot(committed) != saved

    committed.session.remove()
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _snapshot(committed) == saved
    # the restored database still refuses double bookings
    with transaction() as session:
        room, user = session.get(Room, room_ids[0]), session.scalars(sa.select(User)).first()
        try:
            book_room(session, user, room, local(2031, 3, 4, 10), local(2031, 3, 4, 11), "Doppelt",
                      now=local(2031, 1, 1))
            raise AssertionError("double booking after restore")
        except Exception as exc:  # BookingConflict from the check or the database
            assert type(exc).__name__ == "BookingConflict"


def test_restore_refuses_a_file_that_is_no_backup(app, committed, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_text("hello")
    result = app.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0 and "not a" in result.output
