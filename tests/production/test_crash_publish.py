"""Crash safety of publishing a plan: the server is killed (-9) while it publishes; after a restart the
plan is either wholly published (run 'published', new slots, occurrences, conflicts) or not at all
(run still 'done', the city as before), and the occupancy guard still holds."""
from __future__ import annotations

import threading
import time

import requests
import sqlalchemy as sa

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.db import transaction
from roombook.models import (
    Booking,
    Conflict,
    Occupancy,
    Occurrence,
    OfferSession,
    PlanRun,
    Provider,
    User,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus
from roombook.planning import runs as plan_runs
from roombook.scenario.demo import load_demo

KILL_AFTER = (0.05, 0.15, 0.3, 0.6, 1.2, 2.4)


def _city(db) -> tuple:
    """What publishing changes, as one comparable value."""
    db.session.remove()
    s = db.session
    return (s.scalars(sa.select(PlanRun.status)).all(),
            s.execute(sa.select(OfferSession.offer_id, OfferSession.index, OfferSession.day, OfferSession.start,
                                OfferSession.room_id, OfferSession.valid_from, OfferSession.valid_until)
                      .order_by(OfferSession.id)).all(),
            s.scalar(sa.select(sa.func.count()).select_from(Occurrence)),
            s.scalar(sa.select(sa.func.count()).select_from(Conflict)))


def _occupancy_consistent(db) -> None:
    db.session.remove()
    s = db.session
    active_bookings = s.scalar(sa.select(sa.func.count()).select_from(Booking)
                               .where(Booking.status == BookingStatus.ACTIVE))
    active_occurrences = s.scalar(sa.select(sa.func.count()).select_from(Occurrence)
                                  .where(Occurrence.status != OccurrenceStatus.CANCELLED))
    assert s.scalar(sa.select(sa.func.count()).select_from(Occupancy)) == active_bookings + active_occurrences


def test_kill_while_publishing_a_plan_leaves_all_or_nothing(app, serve, committed, dialect):
    db = committed
    with transaction():
        load_demo(db.session, clock.today())
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    with transaction():  # the department lost its Mondays, so the plan must move an office hour
        provider = db.session.scalar(sa.select(Provider).where(Provider.key == "fb-soziales"))
        provider.available = [w for w in provider.available if w["day"] != "mon"]
    with transaction():
        _token, secret = create_api_token(db.session, coordinator, "crash")
        run = plan_runs.start_run(db.session, coordinator, [], time_limit=10)
        plan_runs.run_now(db.session, run, app.config["ROOMBOOK_TIMEZONE"], 10)
        run_id, status = run.id, run.status
    assert status == "done"
    before = _city(db)
    headers = {"Authorization": f"Bearer {secret}"}
    server = serve(workers=1)
    outcomes = []
    for delay in KILL_AFTER:
        answer: dict = {}

        def publish() -> None:
            try:
                answer["status"] = requests.post(server.url + f"/api/v1/plan-runs/{run_id}/publish",
                                                 headers=headers, timeout=120).status_code
            except requests.RequestException as exc:
                answer["error"] = type(exc).__name__

        thread = threading.Thread(target=publish)
        thread.start()
        time.sleep(delay)
        server.kill()
        thread.join(timeout=60)
        server = serve(workers=1)
        after = _city(db)
        _occupancy_consistent(db)
        if after[0] == ["done"]:
            assert after == before, f"partly published after a kill at {delay} s ({dialect})"
            outcomes.append("none")
            continue
        assert after[0] == ["published"] and after[1] != before[1]
        outcomes.append("all")
        break
    else:
        answer = requests.post(server.url + f"/api/v1/plan-runs/{run_id}/publish", headers=headers, timeout=120)
        assert answer.status_code == 200
        outcomes.append("published without a kill")
    print(f"\n{dialect}: kills while publishing → {outcomes}")
    assert "none" in outcomes, "no kill landed before the publish committed"
