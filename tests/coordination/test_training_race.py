"""30 volunteers at once for the last 5 seats, each from a connection of its own: exactly 5 get a seat, the
others wait at places 1–25, and each cancellation then moves exactly one up."""
from __future__ import annotations

import functools

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from roombook.coordination import trainings
from roombook.db import transaction
from roombook.models import Training, TrainingSignup, User
from roombook.models.trainings import SignupStatus
from tests.concurrency import at_once
from tests.factories import local

RACERS = 30
SEATS_LEFT = 5
NOW = local(2027, 3, 1, 9)


def _seed(db) -> tuple[int, list[int]]:
    password_hash = generate_password_hash("pw")
    with transaction():
        coordinator = User(email="race-coordinator@example.org", role="coordinator", password_hash=password_hash)
        early = [User(email=f"early{i}@example.org", role="volunteer", password_hash=password_hash)
                 for i in range(3)]
        racers = [User(email=f"racer{i}@example.org", role="volunteer", password_hash=password_hash)
                  for i in range(RACERS)]
        db.session.add_all([coordinator, *early, *racers])
        db.session.flush()
        training = trainings.create_training(
            db.session, coordinator, title="Grundlagen Asylrecht", description="", seats=3 + SEATS_LEFT,
            deadline=local(2027, 3, 5, 18), sessions=[trainings.PlannedSession(
                start=local(2027, 3, 8, 10), end=local(2027, 3, 8, 12), place="Volkshochschule, Raum 3")],
            now=NOW)
        for person in early:  # three seats are gone already
            trainings.sign_up(db.session, person, training, now=NOW)
        return training.id, [r.id for r in racers]


def test_thirty_at_once_for_five_seats_five_get_one_and_each_cancellation_moves_one_up(app, committed):
    db = committed
    training_id, racer_ids = _seed(db)

    def attempt(user_id: int) -> str:
        # `now` is given: the clock is one for all threads, not to be frozen in one
        return trainings.sign_up(db.session, db.session.get(User, user_id), db.session.get(Training, training_id),
                                 now=NOW).status

    outcomes = at_once(app, db, [functools.partial(attempt, uid) for uid in racer_ids])
    assert outcomes == ["confirmed"] * SEATS_LEFT + ["waitlisted"] * (RACERS - SEATS_LEFT), outcomes
    waiting = db.session.scalars(sa.select(TrainingSignup.position).where(
        TrainingSignup.status == SignupStatus.WAITLISTED).order_by(TrainingSignup.position)).all()
    assert waiting == list(range(1, RACERS - SEATS_LEFT + 1))

    for round_ in range(3):
        confirmed = db.session.scalars(sa.select(TrainingSignup).where(
            TrainingSignup.status == SignupStatus.CONFIRMED).order_by(TrainingSignup.id)).all()
        first_waiting = db.session.scalar(sa.select(TrainingSignup.id).where(TrainingSignup.position == 1))
        with transaction():
            moved = trainings.cancel_signup(db.session, confirmed[0].user, confirmed[0], now=NOW,
                                            base_url="http://roombook.test/")
        assert moved.id == first_waiting
        counts = dict(db.session.execute(sa.select(TrainingSignup.status, sa.func.count())
                                         .group_by(TrainingSignup.status)).all())
        assert counts == {"confirmed": 3 + SEATS_LEFT, "waitlisted": RACERS - SEATS_LEFT - 1 - round_,
                          "cancelled": 1 + round_}
        positions = db.session.scalars(sa.select(TrainingSignup.position).where(
            TrainingSignup.status == SignupStatus.WAITLISTED).order_by(TrainingSignup.position)).all()
        assert positions == list(range(1, len(positions) + 1))
