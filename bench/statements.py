"""What one SQL statement costs the app's process: psycopg alone, SQLAlchemy Core, the ORM session.

    scripts/with-postgres.sh .venv/bin/python bench/statements.py

The load benchmark's requests are a few statements each; this shows how much of a statement's client CPU
is the driver and how much the layers above it add. It runs the clash query of every availability and
booking request (`roombook.booking.availability._CLASHES`) and the room load of the API's access gate against
a throwaway database with the demo city, and prints CPU microseconds per statement (best of 3 rounds).
The database server's own CPU is not included.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

from roombook import clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROUNDS, PER_ROUND = 3, 3000


def per_statement(run) -> float:
    for _ in range(200):  # warm: the statement is prepared by psycopg after a few executions
        run()
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(PER_ROUND):
            run()
        best = min(best, (time.process_time() - started) / PER_ROUND)
    return best * 1e6


def main() -> None:
    url = os.environ.get("ROOMBOOK_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("needs PostgreSQL: run under scripts/with-postgres.sh")
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from roombook import create_app
    from roombook.booking.availability import clashes
    from roombook.db import db, transaction
    from roombook.models import Room
    from roombook.scenario.demo import load_demo

    availability_module = sys.modules["roombook.booking.availability"]
    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SCHEDULER": False})
    with app.app_context():
        upgrade()
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Room)):
            with transaction():
                load_demo(db.session, clock.today())
        session = db.session
        room = session.scalars(sa.select(Room).order_by(Room.id)).first()
        start = clock.now()
        params = {"room": room.id, "start": start, "end": start + dt.timedelta(days=7)}
        statement = availability_module._CLASHES
        connection = session.connection()
        compiled = statement.compile(dialect=db.engine.dialect)
        sql = compiled.string
        raw_params = {**compiled.params, **params}
        cursor = connection.connection.dbapi_connection.cursor()
        rows = len(connection.execute(statement, params).all())

        def raw():
            cursor.execute(sql, raw_params, prepare=True)
            cursor.fetchall()

        results = [
            ("psycopg, prepared, one cursor", per_statement(raw)),
            ("SQLAlchemy Core, Connection.execute", per_statement(lambda: connection.execute(statement, params).all())),
            ("ORM Session.execute (the app's clashes())",
             per_statement(lambda: clashes(session, room, params["start"], params["end"]))),
        ]
        room_id = room.id

        def room_load():
            session.expunge_all()
            session.get(Room, room_id)

        results.append(("ORM Session.get(Room) with its accommodation", per_statement(room_load)))
        print(f"clash query: {rows} rows; room load: 1 row of {len(Room.__table__.c)} + accommodation columns\n")
        print("| statement | client CPU µs |")
        print("| --- | ---: |")
        for name, micros in results:
            print(f"| {name} | {micros:.0f} |")
        session.rollback()


if __name__ == "__main__":
    main()
