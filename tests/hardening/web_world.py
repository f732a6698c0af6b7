"""The hardening `world`, grown for the web pages: everything a page can be asked about by id or key,
in accommodation B, so that manager_a (who manages A only) and the other volunteer meet someone
else's objects. Imported by tests/hardening/test_web_access_matrix.py."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from werkzeug.security import generate_password_hash

from roombook.booking import book_room, rooms
from roombook.changes import deciding
from roombook.changes.recording import record_closure
from roombook.feeds.tokens import (
    create_feed_token,
    create_team_feed_token,
    revoke_feed_token,
)
from roombook.models import (
    Booking,
    ChangeItem,
    Closure,
    Conflict,
    FeedToken,
    Offer,
    PlanRun,
    RoomChange,
    VolunteerAbsence,
)
from tests.hardening.conftest import NEXT_YEAR, PASSWORD, World, slot


@dataclass
class WebWorld(World):
    booking_b2: Booking | None = None  # other_volunteer's, in B, active
    closure_b: Closure | None = None  # in B, over booking_b: displaced it and opened conflict_b
    spare_closure_b: Closure | None = None  # in B, over nothing (removing it changes nothing else)
    conflict_b: Conflict | None = None  # open, in B: other_volunteer's displaced booking, with alternatives
    run_b: PlanRun | None = None  # failed, scope B (so it may be discarded)
    city_run: PlanRun | None = None  # failed, scope: the whole city
    offer_b: Offer | None = None  # in B, given by the department's provider
    feed_secret: str = ""  # the secret of volunteer's private feed link
    revoked_feed_secret: str = ""  # a link volunteer revoked
    team_token: FeedToken | None = None  # the department's provider's team link (its members and admins keep it)
    change_b: RoomChange | None = None  # proposed, in B: a closure over other_volunteer's "Chor"
    question_b: ChangeItem | None = None  # asked: other_volunteer decides about their "Lesekreis" in B
    public_offer_b: Booking | None = None  # other_volunteer's public offer for residents, in B
    absence_b: VolunteerAbsence | None = None  # other_volunteer's days away, next summer (may still be deleted)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Overrides the hardening conftest's scrypt hash for the web matrix only: every test id logs in
    through the real form, and several hundred scrypt checks would cost half a minute. The check
    itself (`User.check_password`) is the same code for either method."""
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def web_world(world, session, make_offer) -> WebWorld:
    w = WebWorld(**vars(world))
    coordinator = w.users["coordinator"]
    w.booking_b2 = book_room(session, w.users["other_volunteer"], w.room_b, *slot(2), "Spieleabend")
    start, end = slot(0)
    w.closure_b, opened = rooms.apply_closure(session, coordinator, w.room_b, start, end + dt.timedelta(hours=1),
                                              "Wasserschaden")
    w.conflict_b = opened[0]
    assert w.conflict_b.booking_id == w.booking_b.id and w.conflict_b.alternatives, "closure opened no choice"
    w.spare_closure_b, _ = rooms.apply_closure(session, coordinator, w.room_b, *slot(5), "Malerarbeiten")
    for week, title in ((3, "Chor"), (4, "Lesekreis")):
        book_room(session, w.users["other_volunteer"], w.room_b, *slot(week), title)
    w.change_b = record_closure(session, coordinator, w.room_b, *slot(3), "Lager", "other_use").change
    asked = record_closure(session, coordinator, w.room_b, *slot(4), "Lager", "other_use").change
    deciding.apply_change(session, coordinator, asked, [{"item": asked.items[0].id, "action": "ask_volunteer"}],
                          base_url="http://localhost/")
    w.question_b = asked.items[0]
    assert w.change_b.items[0].proposal and w.question_b.status == "asked", "the changes offer nothing to decide"
    w.run_b = PlanRun(created_by_id=w.users["manager_b"].id, scope=[w.room_b.accommodation.key], status="failed",
                      progress={})
    w.city_run = PlanRun(created_by_id=coordinator.id, scope=[], status="failed", progress={})
    session.add_all([w.run_b, w.city_run])
    w.offer_b = make_offer(room=w.room_b)
    w.public_offer_b = book_room(session, w.users["other_volunteer"], w.room_b, *slot(6), "Deutsch-Café",
                                 details={"category": "volunteer_activity", "public": True})
    w.users["department"].provider = w.offer_b.providers[0]
    w.absence_b = VolunteerAbsence(user_id=w.users["other_volunteer"].id, starts_on=dt.date(NEXT_YEAR, 8, 1),
                                   ends_on=dt.date(NEXT_YEAR, 8, 14))
    session.add(w.absence_b)
    _token, w.feed_secret = create_feed_token(session, w.users["volunteer"], "volunteer", "Handy")
    revoked, w.revoked_feed_secret = create_feed_token(session, w.users["volunteer"], "volunteer", "alt")
    revoke_feed_token(session, w.users["volunteer"], revoked)
    session.flush()
    w.team_token, _secret = create_team_feed_token(session, w.users["department"], w.offer_b.providers[0],
                                                   "department", "Teamkalender")
    return w
