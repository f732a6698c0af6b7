"""How long the free-slot search across the city takes: `GET /api/v1/free-slots` over four weeks of a generated
city (bench/scenario_gen.py, its planted plan as the city's current one, so every room holds its offers' dates).

    .venv/bin/python bench/free_slots.py [--houses 100] [--rounds 15] [--database-url postgresql+psycopg://…]

Four searches a person would send, each `--rounds` times, as a volunteer (whose room rules apply: longest
booking, how far ahead, open bookings held) through the API in the app's process (Flask's test client, no
network): the wall time of the request, JSON included, and the CPU time of this process for it (the app's own
work, without the time spent waiting for a core on a busy machine; on PostgreSQL the server's work is not in
it). Target: median under 200 ms at 100 accommodations.
"""
from __future__ import annotations

import argparse
import datetime as dt
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
from roombook.models import Accommodation  # noqa: E402
from roombook.scenario.importer import import_scenario  # noqa: E402

# A week into the generated term: the four weeks searched are full of the plan's dates.
NOW = dt.datetime.combine(PERIOD[0] + dt.timedelta(days=7), dt.time(8), tzinfo=dt.timezone.utc)
FIRST = PERIOD[0] + dt.timedelta(days=7)
LAST = FIRST + dt.timedelta(weeks=4)


def searches(near: int) -> dict[str, str]:
    span = f"from={FIRST.isoformat()}&to={LAST.isoformat()}"
    return {
        "every 60-minute slot": f"{span}&duration=60",
        "Tuesday after 18:00, ≥10 seats": f"{span}&weekdays=tue&after=18:00&duration=90&min_capacity=10",
        "step-free, near h0": f"{span}&features=step_free&duration=120&near={near}",
        "4 weeks running, Mon/Wed mornings": f"{span}&weekdays=mon,wed&before=12:00&duration=90&weeks=4",
    }


def measure(url: str | None, houses: int, rounds: int) -> tuple[float, dict[str, tuple[list[float], list[float], int]]]:
    app = create_app({"ROOMBOOK_DATABASE_URL": empty_database(url, "slots")[0], "ROOMBOOK_SCHEDULER": False,
                      "ROOMBOOK_SECRET_KEY": "bench"})
    results = {}
    with app.app_context(), clock.frozen(NOW):
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        scenario = generate(houses, seed=11, with_plan=True)
        scenario["bookings"] = []  # generated beside a plan still to be found, some overlap the planted one
        with transaction():
            import_scenario(db.session, scenario)
        load_seconds = time.perf_counter() - started
        with transaction():
            volunteer = create_user(db.session, "bench@example.org", "volunteer", "bench-password")
            secret = create_api_token(db.session, volunteer, "bench")[1]
        near = db.session.scalar(sa.select(Accommodation.id).where(Accommodation.key == "h0"))
        db.session.remove()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        for name, query in searches(near).items():
            times, cpu, total = [], [], 0
            for _ in range(rounds):
                started, started_cpu = time.perf_counter(), time.process_time()
                answer = client.get(f"/api/v1/free-slots?{query}", headers=headers)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                if answer.status_code != 200:
                    raise SystemExit(f"{name}: {answer.status_code} {answer.get_json()}")
                total = answer.get_json()["total"]
            results[name] = (times, cpu, total)
        db.engine.dispose()
    return load_seconds, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--houses", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url else "SQLite"
    load, results = measure(args.database_url, args.houses, args.rounds)
    print(f"{database}, {args.houses} accommodations, {FIRST} to {LAST} (city loaded in {load:.1f} s):")
    for name, (times, cpu, total) in results.items():
        print(f"  {name}: median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f}, "
              f"max {max(times) * 1000:.0f}; CPU median {statistics.median(cpu) * 1000:.0f} ms ({total} slots)")


if __name__ == "__main__":
    main()
