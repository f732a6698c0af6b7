"""How long recording a room change takes, proposal included: a three-week closure of the busiest room of a
generated city (bench/scenario_gen.py), through `POST /api/v1/closures` as a facility manager would send it.

    .venv/bin/python bench/room_change.py --houses 100 300 [--rounds 3] \
        [--database-url postgresql+psycopg://…]

Each round closes the busiest room not yet closed (so each records a fresh change with the same load) and prints
the request's wall time, the series it grouped and how many got a proposal. The rooms are the busiest of
accommodations with a second room (in a one-room house the search has nowhere to go and ends at once). The city
clock stands a week before the generated term, so every lost date lies ahead. Targets: 3 s for 100
accommodations, 10 s for 300.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from bench.common import empty_database  # noqa: E402
from scenario_gen import PERIOD, generate  # noqa: E402

from roombook import clock, create_app  # noqa: E402
from roombook.access.accounts import create_user  # noqa: E402
from roombook.access.api_tokens import create_api_token  # noqa: E402
from roombook.db import db, transaction  # noqa: E402
from roombook.models import Occurrence, Room  # noqa: E402
from roombook.scenario.importer import import_scenario  # noqa: E402

BEFORE_TERM = dt.datetime.combine(PERIOD[0] - dt.timedelta(days=7), dt.time(9), tzinfo=dt.timezone.utc)


def measure(url: str | None, houses: int, rounds: int) -> list[dict]:
    app = create_app({"ROOMBOOK_DATABASE_URL": empty_database(url, "change")[0], "ROOMBOOK_SCHEDULER": False,
                      "ROOMBOOK_SECRET_KEY": "bench"})
    results = []
    with app.app_context(), clock.frozen(BEFORE_TERM):
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        scenario = generate(houses, seed=11, with_plan=True)  # the planted plan is the city's current one
        scenario["bookings"] = []  # generated to sit beside a plan still to be found, some overlap the planted one
        with transaction():
            import_scenario(db.session, scenario)
        load_seconds = time.perf_counter() - started
        with transaction():
            admin = create_user(db.session, "bench@example.org", "coordinator", os.urandom(8).hex())
            secret = create_api_token(db.session, admin, "bench")[1]
        # the busiest rooms of accommodations with a second room: where the repair has somewhere to go
        shared = sa.select(Room.accommodation_id).group_by(Room.accommodation_id).having(sa.func.count() > 1)
        busiest = db.session.execute(
            sa.select(Occurrence.room_id, sa.func.count()).join(Room, Room.id == Occurrence.room_id)
            .where(Room.accommodation_id.in_(shared)).group_by(Occurrence.room_id)
            .order_by(sa.func.count().desc(), Occurrence.room_id).limit(rounds)).all()
        client = app.test_client()
        monday = PERIOD[0] + dt.timedelta(days=(7 - PERIOD[0].weekday()) % 7 + 7)
        for room_id, count in busiest:
            room = db.session.get(Room, room_id)
            started = time.perf_counter()
            answer = client.post("/api/v1/closures", headers={"Authorization": f"Bearer {secret}"}, json={
                "room": room_id, "start": f"{monday}T00:00", "end": f"{monday + dt.timedelta(weeks=3)}T00:00",
                "kind": "other_use", "reason": "Verwaltung nutzt den Raum als Lager"})
            seconds = time.perf_counter() - started
            if answer.status_code != 201:
                raise SystemExit(f"closure refused: {answer.status_code} {answer.get_json()}")
            items = answer.get_json()["change"]["items"]
            results.append({"houses": houses, "room": room.key, "occurrences": count, "seconds": seconds,
                            "series": len(items), "dates": sum(len(i["dates"]) for i in items),
                            "proposed": sum(i["proposal"] is not None for i in items), "load": load_seconds})
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--houses", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url else "SQLite"
    for houses in args.houses:
        rows = measure(args.database_url, houses, args.rounds)
        print(f"{database}, {houses} accommodations (city loaded in {rows[0]['load']:.1f} s):")
        for row in rows:
            print(f"  {row['room']}: {row['seconds'] * 1000:.0f} ms for {row['series']} series "
                  f"({row['dates']} dates), {row['proposed']} with a proposal")
        print(f"  median {statistics.median(r['seconds'] for r in rows) * 1000:.0f} ms, "
              f"max {max(r['seconds'] for r in rows) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
