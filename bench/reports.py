"""Report benchmark: the council's quarter report for a city of 300 accommodations with a year of occurrences.

Run from the repository root: `scripts/with-postgres.sh sh -c '.venv/bin/python bench/reports.py
--database-url "$ROOMBOOK_TEST_DATABASE_URL"'` (default: a temporary SQLite file). The city is the bulk insert of
bench/feeds.py (two rooms per house, about 10 weekly slots, a year of occurrences with cancelled and moved
dates, a booking per room and week), plus each house's requirements, its public holidays and a closure of
each kind. Measures the report's figures (all tables), the page as served (charts included), the XLSX, and
the two API answers. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.common import empty_database  # noqa: E402
from bench.feeds import make_city, timed  # noqa: E402
from roombook import clock, create_app  # noqa: E402
from roombook.access.accounts import create_user  # noqa: E402
from roombook.access.api_tokens import create_api_token  # noqa: E402
from roombook.booking.recurrence import to_utc  # noqa: E402
from roombook.coordination.categories import MANDATORY  # noqa: E402
from roombook.db import db  # noqa: E402
from roombook.models import Accommodation, Closure, Requirement, Room  # noqa: E402
from roombook.reports import council, exports, periods  # noqa: E402

TZ = "Europe/Berlin"
KINDS = ("maintenance", "other_use", "other")


def add_closures_and_requirements(session, first: dt.date, weeks: int) -> None:
    """Requirements for every house; Easter Monday and Christmas closed everywhere; a closure of each kind in
    every tenth house's common room (rows straight into the table: the occurrences stay as made)."""
    places = session.scalars(sa.select(Accommodation)).all()
    session.execute(sa.insert(Requirement), [{"accommodation_id": p.id, "category": c.value,
                                              "min_minutes_per_week": 120} for p in places for c in MANDATORY])
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(TZ)
    holidays = [first + dt.timedelta(weeks=w) for w in (5, 30)]
    rows = []
    for i, room in enumerate(session.scalars(sa.select(Room))):
        for day in holidays:
            rows.append({"room_id": room.id, "starts_at": to_utc(dt.datetime.combine(day, dt.time(0)), tz),
                         "ends_at": to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)), tz),
                         "reason": "Feiertag", "kind": "holiday", "purpose": "other"})
        if i % 20 == 0:
            for k, kind in enumerate(KINDS):
                day = first + dt.timedelta(weeks=10 + 3 * k, days=1)
                rows.append({"room_id": room.id, "starts_at": to_utc(dt.datetime.combine(day, dt.time(8)), tz),
                             "ends_at": to_utc(dt.datetime.combine(day, dt.time(16)), tz), "reason": kind,
                             "kind": "closure", "purpose": kind})
    session.execute(sa.insert(Closure), [{**r, "created_at": clock.now()} for r in rows])
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--houses", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url, _work = empty_database(args.database_url, "reports")
    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SECRET_KEY": "bench", "ROOMBOOK_SCHEDULER": False,
                      "WTF_CSRF_ENABLED": False})
    today = clock.today()
    first = periods.quarter_start(today) - dt.timedelta(days=300)
    first -= dt.timedelta(days=first.weekday())
    quarter = periods.last_complete_quarter(today)
    rows = []
    with app.app_context():
        upgrade()
        t = time.perf_counter()
        counts = make_city(db.session, args.houses, first, args.weeks)
        add_closures_and_requirements(db.session, first, args.weeks)
        coordinator = create_user(db.session, "coord@example.org", "coordinator", "bench-password")
        _token, secret = create_api_token(db.session, coordinator, "bench")
        db.session.commit()
        print(f"city: {args.houses} accommodations, {counts['slots']} weekly slots, {counts['occurrences']} "
              f"occurrences, {counts['bookings']} bookings over {args.weeks} weeks from {first} "
              f"({db.engine.dialect.name}, set up in {time.perf_counter() - t:.1f} s); report on {quarter[0]} to "
              f"{quarter[1]} (exclusive)\n", file=sys.stderr)
        places = db.session.scalars(sa.select(Accommodation).order_by(Accommodation.name)).all()

        def figures():
            council.build(db.session, list(places), *quarter)

        rows.append(("quarter report: every table (council.build)", *timed(figures, args.repeat), "< 2000"))
        report = council.build(db.session, list(places), *quarter)
        rows.append(("XLSX of the built report", *timed(lambda: exports.report_xlsx(report), args.repeat), "–"))
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"email": "coord@example.org", "password": "bench-password"})
    span = f"from={quarter[0]}&to={quarter[1]}"
    headers = {"Authorization": f"Bearer {secret}"}

    def get(url, **kw):
        def call():
            answer = client.get(url, **kw)
            assert answer.status_code == 200, (url, answer.status_code)
        return call

    rows.append(("GET /manage/reports (page with charts)", *timed(get(f"/manage/reports?{span}"), args.repeat),
                 "< 2000"))
    rows.append(("GET /manage/reports?format=xlsx", *timed(get(f"/manage/reports?{span}&format=xlsx"), args.repeat),
                 "< 2000"))
    rows.append(("GET /api/v1/reports/utilisation (per accommodation and week)", *timed(get(
        f"/api/v1/reports/utilisation?{span}&period=week", headers=headers), args.repeat), "< 2000"))
    rows.append(("GET /api/v1/reports/coverage (per week)", *timed(get(
        f"/api/v1/reports/coverage?{span}&period=week", headers=headers), args.repeat), "< 2000"))
    print("| what | median ms | best ms | CPU ms (median) | target ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for what, median, best, cpu, target in rows:
        print(f"| {what} | {median:.0f} | {best:.0f} | {cpu:.0f} | {target} |")


if __name__ == "__main__":
    main()
