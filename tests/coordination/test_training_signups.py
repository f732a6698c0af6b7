"""Signing up, the waiting list, moving up when a seat frees, attendance and completion."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.coordination import qualifications, trainings
from roombook.models import Booking, OutboxMessage, Qualification, Training
from tests.coordination.conftest import NOW, after
from tests.factories import local

BASE = "http://roombook.test/"


def test_seats_first_then_the_waiting_list_in_order(session, make_training, volunteers):
    training = make_training(seats=2)
    answers = [trainings.sign_up(session, v, training, now=NOW) for v in volunteers(4)]
    assert [(s.status, s.position) for s in answers] == [
        ("confirmed", None), ("confirmed", None), ("waitlisted", 1), ("waitlisted", 2)]


def test_a_second_sign_up_is_refused_and_none_after_the_deadline(session, make_training, volunteers):
    training = make_training()
    first, late = volunteers(2)
    trainings.sign_up(session, first, training, now=NOW)
    with pytest.raises(trainings.AlreadySignedUp):
        trainings.sign_up(session, first, training, now=NOW)
    with pytest.raises(trainings.SignupClosed):
        trainings.sign_up(session, late, training, now=local(2027, 3, 5, 18))


def test_a_refresher_is_open_only_to_those_who_hold_its_kind_that_day(
        session, make_training, volunteers, coordinator, make_room):
    basic = make_training()
    refresher = trainings.create_training(
        session, coordinator, title="Auffrischung", description="", seats=5, deadline=local(2027, 3, 5, 18),
        sessions=[trainings.PlannedSession(start=local(2027, 3, 8, 14), end=local(2027, 3, 8, 16), room=make_room())],
        requires="first_aid", now=NOW)
    holder, lapsed, newcomer = volunteers(3)
    kind = qualifications.kind_for(session, "first_aid")
    qualifications.record_qualification(session, coordinator, holder, kind, seen_on=local(2026, 6, 1).date(),
                                        today=NOW.date())
    qualifications.record_qualification(session, coordinator, lapsed, kind, seen_on=local(2025, 1, 1).date(),
                                        valid_until=local(2027, 2, 28).date(), today=NOW.date())
    offered = [basic, refresher]
    assert trainings.open_to_user(session, holder, offered, NOW.date()) == {basic.id, refresher.id}
    assert trainings.open_to_user(session, lapsed, offered, NOW.date()) == {basic.id}
    assert trainings.open_to_user(session, newcomer, offered, NOW.date()) == {basic.id}
    assert trainings.open_to_user(session, coordinator, offered, NOW.date()) == set()
    with pytest.raises(trainings.NotEligible):
        trainings.sign_up(session, lapsed, refresher, now=NOW)
    assert trainings.sign_up(session, holder, refresher, now=NOW).status == "confirmed"


def test_a_cancelled_seat_goes_to_the_first_who_waits_who_is_told_in_their_language(
        session, make_training, volunteers):
    training = make_training(seats=1)
    seated, english, second = volunteers(1) + volunteers(1, language="en") + volunteers(1)
    mine = trainings.sign_up(session, seated, training, now=NOW)
    waiting = trainings.sign_up(session, english, training, now=NOW)
    behind = trainings.sign_up(session, second, training, now=NOW)
    moved = trainings.cancel_signup(session, seated, mine, now=after(1), base_url=BASE)
    assert moved.id == waiting.id and (moved.status, moved.position, moved.promoted_at) == ("confirmed", None,
                                                                                            after(1))
    assert (behind.status, behind.position) == ("waitlisted", 1)
    (mail,) = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == english.email)).all()
    assert "Erste Hilfe am Kind" in mail.subject and "You have a place" in mail.subject
    assert f"{BASE}my/trainings" in mail.body


def test_no_one_moves_up_after_the_deadline(session, make_training, volunteers):
    training = make_training(seats=1)
    seated, waiting = volunteers(2)
    mine = trainings.sign_up(session, seated, training, now=NOW)
    trainings.sign_up(session, waiting, training, now=NOW)
    assert trainings.cancel_signup(session, seated, mine, now=local(2027, 3, 6, 9), base_url=BASE) is None


def test_leaving_the_waiting_list_closes_the_gap(session, make_training, volunteers):
    training = make_training(seats=1)
    signups = [trainings.sign_up(session, v, training, now=NOW) for v in volunteers(4)]
    trainings.cancel_signup(session, signups[2].user, signups[2], now=NOW, base_url=BASE)
    assert [(s.status, s.position) for s in signups] == [("confirmed", None), ("waitlisted", 1),
                                                         ("cancelled", None), ("waitlisted", 2)]


def test_attending_every_session_completes_the_training_and_grants_its_qualification(
        session, make_training, volunteers, coordinator):
    training = make_training(seats=3, sessions=2, qualification="first_aid")
    came, missed = volunteers(2)
    a, b = (trainings.sign_up(session, v, training, now=NOW) for v in (came, missed))
    first, second = training.sessions
    with clock.frozen(local(2027, 3, 9, 13)):
        assert trainings.record_attendance(session, coordinator, first, {a.id, b.id}, now=clock.now()) == []
        assert trainings.record_attendance(session, coordinator, second, {a.id}, now=clock.now()) == [a]
    held = session.scalars(sa.select(Qualification)).all()
    assert [(q.user_id, q.kind.code, q.seen_on) for q in held] == [(came.id, "first_aid", local(2027, 3, 9).date())]
    assert held[0].valid_until == local(2029, 3, 9).date()  # first aid counts two years


def test_a_training_may_grant_completed_this_training(session, make_training, volunteers, coordinator):
    training = make_training(seats=1, sessions=1, qualification=trainings.COMPLETED)
    (person,) = volunteers(1)
    signup = trainings.sign_up(session, person, training, now=NOW)
    trainings.record_attendance(session, coordinator, training.sessions[0], {signup.id}, now=local(2027, 3, 8, 13))
    (held,) = qualifications.qualifications_of(session, person.id)
    assert held.kind.code == f"training-{training.id}" and held.kind.label == "Erste Hilfe am Kind"


def test_a_session_whose_room_is_taken_is_refused_naming_the_room_and_nothing_is_kept(
        session, make_training, make_room):
    room = make_room(name="Saal Ost")
    make_training(room=room)
    before = session.scalar(sa.select(sa.func.count()).select_from(Training))
    with pytest.raises(trainings.SessionTaken) as refused:
        with session.begin_nested():
            make_training(room=room)
    assert "Saal Ost" in str(refused.value.message) and refused.value.field == "sessions[0].room"
    assert session.scalar(sa.select(sa.func.count()).select_from(Training)) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 2


def test_taken_off_by_the_coordinator_the_volunteer_is_told_once_in_their_language(
        session, make_training, volunteers, coordinator):
    training = make_training(seats=1)
    (seated,) = volunteers(1, language="en")
    (waiting, leaving) = volunteers(2)
    seat, wait, own = (trainings.sign_up(session, v, training, now=NOW) for v in (seated, waiting, leaving))
    trainings.cancel_signup(session, coordinator, seat, now=NOW, base_url=BASE)
    trainings.cancel_signup(session, coordinator, seat, now=NOW, base_url=BASE)  # a second click tells no one
    trainings.cancel_signup(session, leaving, own, now=NOW, base_url=BASE)  # one's own cancellation: no mail

    def mails_to(person):
        return session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == person.email)
                               .order_by(OutboxMessage.id)).all()

    (mail,) = mails_to(seated)
    assert mail.subject == "Taken off the training: Erste Hilfe am Kind"
    assert "no longer kept for you" in mail.body and f"{BASE}my/trainings" in mail.body
    assert mails_to(leaving) == []
    trainings.cancel_signup(session, coordinator, wait, now=NOW, base_url=BASE)  # moved up, then taken off
    assert [m.subject for m in mails_to(waiting)] == ["Sie haben einen Platz: Erste Hilfe am Kind",
                                                     "Abgemeldet von der Schulung: Erste Hilfe am Kind"]


def test_dates_are_the_citys_after_midnight_though_the_clock_is_utc(session, volunteers, coordinator):
    """At 00:30 in Berlin the UTC date is still yesterday's: a proof that ended yesterday no longer opens a
    refresher, and a training completed then is dated today."""
    refresher = trainings.create_training(
        session, coordinator, title="Auffrischung", description="", seats=5, deadline=local(2027, 3, 5, 18),
        sessions=[trainings.PlannedSession(start=local(2027, 3, 8, 22), end=local(2027, 3, 9, 0, 30),
                                           place="Nachtcafé")],
        requires="first_aid", qualification="asylum_law", now=NOW)
    lapsed, holder = volunteers(2)
    kind = qualifications.kind_for(session, "first_aid")
    for person, until in ((lapsed, local(2027, 3, 1).date()), (holder, local(2027, 3, 2).date())):
        qualifications.record_qualification(session, coordinator, person, kind, seen_on=local(2026, 6, 1).date(),
                                            valid_until=until, today=NOW.date())
    just_after_midnight = local(2027, 3, 2, 0, 30).astimezone(dt.timezone.utc)
    with pytest.raises(trainings.NotEligible):
        trainings.sign_up(session, lapsed, refresher, now=just_after_midnight)
    signup = trainings.sign_up(session, holder, refresher, now=just_after_midnight)
    ended = local(2027, 3, 9, 0, 40).astimezone(dt.timezone.utc)
    trainings.record_attendance(session, coordinator, refresher.sessions[0], {signup.id}, now=ended)
    (granted,) = [q for q in qualifications.qualifications_of(session, holder.id) if q.kind.code == "asylum_law"]
    assert granted.seen_on == local(2027, 3, 9).date()


def test_the_start_page_lists_the_coming_trainings_one_is_in_or_waits_for(session, make_training, volunteers):
    seated_in, waits_in, left = (make_training(seats=1) for _ in range(3))
    me, other = volunteers(2)
    trainings.sign_up(session, other, waits_in, now=NOW)
    for training in (seated_in, waits_in, left):
        trainings.sign_up(session, me, training, now=NOW)
    trainings.cancel_signup(session, me, trainings.signup_of(session, left, me), now=NOW, base_url=BASE)
    shown = trainings.coming_signups(session, me, NOW)
    assert [(t.id, s.status) for t, s in shown] == [(seated_in.id, "confirmed"), (waits_in.id, "waitlisted")]
    assert trainings.coming_signups(session, me, local(2027, 3, 9, 12)) == []  # the last sessions have ended
