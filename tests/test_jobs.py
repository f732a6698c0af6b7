"""Scheduled jobs run once per trigger however many processes run a scheduler."""
from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from roombook import clock
from roombook.db import claim_run
from roombook.jobs import extend_occurrence_horizon
from roombook.models import JobRun, Occurrence, Offer, OfferSession


def test_only_one_of_several_processes_claims_a_run(app, committed):
    barrier = threading.Barrier(6)
    wins = []

    def contender():
        with app.app_context():
            barrier.wait(timeout=30)
            wins.append(claim_run("nightly", "2027-03-01"))
            committed.session.remove()

    threads = [threading.Thread(target=contender) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(wins) == [False] * 5 + [True]
    assert committed.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 1


def test_horizon_job_materialises_once_per_day(app, committed):
    app.test_cli_runner().invoke(args=["demo"])
    # open-ended series: the job must keep materialising them as days pass
    committed.session.execute(sa.update(Offer).values(valid_until=None))
    committed.session.execute(sa.update(OfferSession).values(valid_until=None))
    committed.session.commit()
    before = committed.session.scalar(sa.select(sa.func.count()).select_from(Occurrence))
    today = clock.today()
    added = extend_occurrence_horizon(app, today + dt.timedelta(weeks=20))
    assert added and added > 0
    assert extend_occurrence_horizon(app, today + dt.timedelta(weeks=20)) is None
    committed.session.rollback()  # end the read snapshot taken before the job ran
    after = committed.session.scalar(sa.select(sa.func.count()).select_from(Occurrence))
    assert after == before + added


def test_the_daily_job_keeps_public_holidays_known_two_years_ahead(app, session, make_room):
    """Hardening 14: holidays existed only for the years an import loaded, so rooms were open on later ones."""
    from roombook.booking.occurrences import extend_horizon
    from roombook.models import Closure

    room = make_room()
    today = dt.date(2031, 6, 1)
    extend_horizon(session, today, 4, now=dt.datetime(2031, 6, 1, 8, tzinfo=dt.timezone.utc))
    years = {c.starts_at.year for c in session.scalars(sa.select(Closure).where(Closure.room_id == room.id,
                                                                                  Closure.kind == "holiday"))}
    assert {2031, 2032, 2033} <= years
    christmas = session.scalar(sa.select(Closure).where(Closure.room_id == room.id, Closure.kind == "holiday",
                                                        Closure.reason.like("%Weihnachtstag%"),
                                                        Closure.starts_at >= dt.datetime(2033, 1, 1,
                                                                                         tzinfo=dt.timezone.utc)))
    assert christmas is not None
    before = session.scalar(sa.select(sa.func.count()).select_from(Closure))
    extend_horizon(session, today, 4, now=dt.datetime(2031, 6, 2, 8, tzinfo=dt.timezone.utc))
    assert session.scalar(sa.select(sa.func.count()).select_from(Closure)) == before  # known ones are kept
