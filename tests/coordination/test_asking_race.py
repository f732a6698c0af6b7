"""One answer per question, and one offer per request, however many answer at once: threads with their own
connections, released together (on SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa

from roombook.access.accounts import create_user
from roombook.coordination import asking
from roombook.coordination.volunteers import save_profile
from roombook.db import transaction
from roombook.models import Accommodation, HelpAsk, HelpRequest, Offer, User
from tests.concurrency import at_once

VOLUNTEERS = 4
NAMES = ["Ada", "Ben", "Cem", "Dana"]


def _seed(db) -> list[int]:
    """A request for counselling in one place that asked four volunteers; the ids of their questions."""
    with transaction():
        place = Accommodation(key="race-help", name="Unterkunft Wettlauf")
        coordinator = create_user(db.session, "coord@example.org", "coordinator", "pw")
        request = HelpRequest(accommodation=place, category="counselling", week=dt.date(2027, 3, 1), minutes=60,
                              asked_by_id=coordinator.id)
        db.session.add_all([place, request])
        for n, name in enumerate(NAMES):
            volunteer = create_user(db.session, f"v{n}@example.org", "volunteer", "pw", display_name=f"{name} X.")
            save_profile(db.session, volunteer, languages=["de"], skills=["counselling"], accommodation_ids=[],
                         available=[], max_hours=None, note="")
            db.session.add(HelpAsk(request=request, volunteer_id=volunteer.id, status="asked"))
        db.session.flush()
        return [a.id for a in request.asks]


def _race(app, db, attempts: list[tuple[int, bool]]) -> list[str]:
    def answer(ask_id: int, accept: bool) -> str:
        ask = db.session.get(HelpAsk, ask_id)
        volunteer = db.session.get(User, ask.volunteer_id)
        asking.answer_request(db.session, volunteer, ask, accept=accept, base_url="http://rb.test/")
        return "answered"

    return at_once(app, db, [functools.partial(answer, *attempt) for attempt in attempts],
                   {asking.AlreadyAnswered: "refused"})


def test_two_answers_at_once_to_one_question_only_one_counts(app, committed):
    first, *_ = _seed(committed)
    assert _race(app, committed, [(first, True), (first, False)]) == ["answered", "refused"]
    assert committed.session.get(HelpAsk, first).status in ("accepted", "declined")


def test_all_accepting_at_once_make_one_offer_run_by_all_their_groups(app, committed):
    asks = _seed(committed)
    assert _race(app, committed, [(a, True) for a in asks]) == ["answered"] * VOLUNTEERS
    (offer,) = committed.session.scalars(sa.select(Offer)).all()
    assert sorted(p.name for p in offer.providers) == NAMES
    assert committed.session.scalar(sa.select(HelpRequest.offer_id)) == offer.id
