"""How cheap could booking creation be on this stack? The app's request against the same statements
sent with rows instead of objects: through SQLAlchemy Core, and through psycopg alone.

    scripts/with-postgres.sh .venv/bin/python bench/booking_floor.py [--requests 1000]

The load target asks booking creation for a third of the trivial endpoint's throughput. This measures
how far leaving the ORM, or SQLAlchemy altogether, would take it. Two bench-only routes (registered
here, never in the app) do what `POST /api/v1/bookings` does for an admin, in the same order with the
app's own statements: parse the body, look up the token, load the room, check the interval and the
opening hours, query the clashes, insert the booking, its occupancy and its audit event, commit, answer
with the booking's JSON. One runs the statements through SQLAlchemy Core on the request's session; the
other sends their compiled SQL through one psycopg connection with prepared statements. Both skip the
objects, the idempotency check (not taken without an Idempotency-Key header, as in the load run) and the
error paths, so they are floors, not alternative implementations.

Prints CPU per request (best of 3 rounds): the app's process (Flask's test client, no gunicorn or
network) and PostgreSQL's processes, then the ratio each would give in `bench/load.py`: the trivial
request's cost measured there (gunicorn's HTTP handling and the client's share, which this in-process
run does not see) plus what the request costs here beyond the trivial one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from request_cpu import (  # noqa: E402
    ROUNDS,
    arguments,
    city,
    cpu_per_request,
    postgres_cpu,
    projected_ratio,
    sender,
)

from roombook import clock  # noqa: E402


def main() -> None:
    args = arguments(__doc__).parse_args()
    url, info = city(args)

    import psycopg
    import sqlalchemy as sa
    from flask import request
    from sqlalchemy.dialects import postgresql

    from roombook import create_app
    from roombook.access.api_tokens import _BY_HASH
    from roombook.access.permissions import csrf
    from roombook.api.access import _by_id
    from roombook.booking.availability import _CLASHES
    from roombook.booking.intervals import contains
    from roombook.booking.recurrence import windows_between
    from roombook.db import db
    from roombook.models import AuditEvent, Booking, Occupancy, Room

    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SCHEDULER": False})
    dialect = postgresql.psycopg.dialect()

    def sql(statement, columns: tuple[str, ...] | None = None) -> str:
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        literals.update(compiled.params)  # the statement's own constants (the clash query's literal NULLs)
        return str(compiled)

    literals: dict = {}
    inserted = {"booking": ("room_id", "user_id", "starts_at", "ends_at", "title", "displaceable", "status",
                            "status_reason", "sequence", "created_at", "updated_at"),
                "occupancy": ("room_id", "starts_at", "ends_at", "booking_id"),
                "audit": ("at", "actor_id", "action", "object_type", "object_id", "details")}
    statements = {"token": _BY_HASH, "room": _by_id(Room), "clashes": _CLASHES,
                  "booking": sa.insert(Booking.__table__).returning(*Booking.__table__.c),
                  "occupancy": sa.insert(Occupancy.__table__).inline(),
                  "audit": sa.insert(AuditEvent.__table__).inline()}
    texts = {name: sql(statement, inserted.get(name)) for name, statement in statements.items()}
    room_columns = [c.key for c in Room.__table__.c]
    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    zones: dict = {}

    def through_psycopg(name: str, params: dict):
        if name == "audit":
            params = {**params, "details": json.dumps(params["details"])}
        return connection.execute(texts[name], {**literals, **params}, prepare=True)

    def through_core(name: str, params: dict):
        return db.session.connection().execute(statements[name], params)

    def book(run, commit):
        """What POST /api/v1/bookings does for an admin, with rows instead of objects."""
        body = json.loads(request.get_data())
        secret = request.headers["Authorization"].partition(" ")[2]
        now = clock.now()
        user = run("token", {"token_hash": hashlib.sha256(secret.encode()).hexdigest()}).fetchone()
        if user is None or not user[6] or user[10] is not None:
            return {"title": "Unauthorized"}, 401
        row = run("room", {"id": int(body["room"])}).fetchone()
        room = dict(zip(room_columns, row))
        tz = zones.setdefault(row[-2], ZoneInfo(row[-2]))  # the accommodation's time zone (joined last)
        start = dt.datetime.fromisoformat(body["start"]).replace(tzinfo=tz).astimezone(dt.timezone.utc)
        end = dt.datetime.fromisoformat(body["end"]).replace(tzinfo=tz).astimezone(dt.timezone.utc)
        title = body["title"].strip()
        if not (title and now <= start < end):
            return {"title": "Booking refused"}, 422
        opening = windows_between(room["open"], tz, start - dt.timedelta(days=1), end + dt.timedelta(days=1))
        if not contains(opening, start, end):
            return {"title": "Booking refused"}, 422
        if run("clashes", {"room": room["id"], "start": start, "end": end}).fetchall():
            return {"title": "Room taken"}, 409
        booking = run("booking", {"room_id": room["id"], "user_id": user[0], "starts_at": start, "ends_at": end,
                                  "title": title, "displaceable": True, "status": "active", "status_reason": "",
                                  "sequence": 0, "created_at": now, "updated_at": now}).fetchone()
        run("occupancy", {"room_id": room["id"], "starts_at": start, "ends_at": end, "booking_id": booking[0]})
        run("audit", {"at": now, "actor_id": user[0], "action": "booking.created", "object_type": "booking",
                      "object_id": str(booking[0]),
                      "details": {"room": room["key"], "start": start.isoformat(), "end": end.isoformat()}})
        commit()
        return {"id": booking[0], "room": room["id"], "start": start.astimezone(tz).isoformat(),
                "end": end.astimezone(tz).isoformat(), "title": title, "status": "active", "mine": True}, 201

    @app.post("/bench/psycopg-booking")
    def psycopg_booking():
        return book(through_psycopg, connection.commit)

    @app.post("/bench/core-booking")
    def core_booking():
        return book(through_core, db.session.commit)

    for view in (psycopg_booking, core_booking):
        csrf.exempt(view)  # bearer-token requests like the API's

    client = app.test_client()
    postgres = postgres_cpu(url)

    def measure(name: str, path: str | None = None, first: int = 0) -> tuple[float, float]:
        return cpu_per_request(sender(client, name, info, path=path, first=first), args.requests, postgres)

    rooms = len(info["room_ids"])  # each booking run books its own slots, weeks apart
    rows = [("trivial", measure("trivial")),
            ("booking creation (the app)", measure("booking creation")),
            ("the same statements, rows through SQLAlchemy Core",
             measure("booking creation", "/bench/core-booking", first=rooms * 8 * 700)),
            ("the same statements through psycopg alone (the floor)",
             measure("booking creation", "/bench/psycopg-booking", first=rooms * 8 * 1400))]
    trivial_app = rows[0][1][0]
    print(f"{info['accommodations']} accommodations, {args.requests} requests per round, best of {ROUNDS}\n")
    print("| request | app CPU ms | PostgreSQL CPU ms | ratio it would give in bench/load.py |")
    print("| --- | ---: | ---: | ---: |")
    for name, (app_ms, pg_ms) in rows:
        print(f"| {name} | {app_ms:.2f} | {pg_ms:.2f} | {projected_ratio(app_ms, pg_ms, trivial_app):.2f} |")
    connection.close()


if __name__ == "__main__":
    main()
