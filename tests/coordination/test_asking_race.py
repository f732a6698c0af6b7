"""One answer per question, and one offer per request, however many answer at once: threads with their own
connections, released together (on SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from roombook.access.accounts import create_user
from roombook.coordination import asking
from roombook.coordination.volunteers import save_profile
from roombook.db import transaction
from roombook.models import Accommodation, HelpAsk, HelpRequest, Offer, User

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
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def answer(ask_id: int, accept: bool) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with transaction():
                    ask = db.session.get(HelpAsk, ask_id)
                    volunteer = db.session.get(User, ask.volunteer_id)
                    asking.answer_request(db.session, volunteer, ask, accept=accept, base_url="http://rb.test/")
                result = "answered"
            except asking.AlreadyAnswered:
                result = "refused"
            except Exception as exc:  # anything else is a failure of the guarantee
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=answer, args=attempt) for attempt in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return sorted(outcomes)


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
