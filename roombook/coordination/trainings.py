"""Trainings: the coordinator creates one with its sessions (rooms booked through the booking engine, or an
outside place), volunteers sign up or join the waiting list, a freed seat goes to the first who waits until
the deadline, and attending every session completes the training and grants its qualification.

Seats are counted under a lock on the training's row (SELECT … FOR UPDATE on PostgreSQL; on SQLite
`transaction()` takes the database's write lock at once), so people signing up at the same moment for the
last seats each see the count the one before them left: never more confirmed than seats, and the waiting
list numbered without gaps or repeats.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from roombook.access import audit
from roombook.booking.errors import BookingConflict, BookingError
from roombook.booking.service import book_room
from roombook.clock import CITY_TIMEZONE
from roombook.coordination import qualifications
from roombook.i18n import language_of
from roombook.models import (
    Attendance,
    Booking,
    Room,
    Training,
    TrainingSession,
    TrainingSignup,
    User,
)
from roombook.models.people import Role
from roombook.models.trainings import SignupStatus
from roombook.notifications.outbox import enqueue

MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_PLACE = 300
MAX_SESSIONS = 20
MAX_SEATS = 1000
# The value of `qualification` that grants "completed this training" (a kind made for it).
COMPLETED = "training"


class TrainingError(ValueError):
    """A request about a training that cannot be honoured; `field` names the input at fault."""

    status = 422

    def __init__(self, message: str | LazyString, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


class SessionTaken(TrainingError):
    """A session's room is taken at that time (the booking engine said so, or the database's guard)."""

    status = 409


class AlreadySignedUp(TrainingError):
    status = 409


class SignupClosed(TrainingError):
    """The sign-up deadline has passed."""


class NotEligible(TrainingError):
    status = 403


@dataclass(frozen=True)
class PlannedSession:
    """A session as the coordinator gives it: a room to book, or an outside place."""

    start: dt.datetime
    end: dt.datetime
    room: Room | None = None
    place: str = ""


def _check_text(value: str, field: str, maximum: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise TrainingError(_l("Bitte einen Titel angeben."), field)
    if len(value) > maximum:
        raise TrainingError(_l("Höchstens %(count)d Zeichen.", count=maximum), field)
    return value


def create_training(session: Session, actor: User, *, title: str, description: str, seats: int,
                    deadline: dt.datetime, sessions: list[PlannedSession], qualification: str | None = None,
                    requires: str | None = None, now: dt.datetime) -> Training:
    """Create the training and book its rooms, all in the caller's transaction: a session whose room is taken
    raises SessionTaken naming the room and time, and nothing is kept."""
    title = _check_text(title, "title", MAX_TITLE, required=True)
    description = _check_text(description, "description", MAX_DESCRIPTION, required=False)
    if not 1 <= seats <= MAX_SEATS:
        raise TrainingError(_l("Plätze: 1 bis %(max)d.", max=MAX_SEATS), "seats")
    if not sessions:
        raise TrainingError(_l("Bitte mindestens einen Termin angeben."), "sessions")
    if len(sessions) > MAX_SESSIONS:
        raise TrainingError(_l("Höchstens %(max)d Termine.", max=MAX_SESSIONS), "sessions")
    first = min(s.start for s in sessions)
    if deadline > first:
        raise TrainingError(_l("Die Anmeldefrist endet spätestens mit dem ersten Termin."), "deadline")
    if deadline < now:
        raise TrainingError(_l("Die Anmeldefrist liegt in der Vergangenheit."), "deadline")
    training = Training(title=title, description=description, seats=seats, deadline=deadline,
                        created_by_id=actor.id)
    if requires:
        try:
            training.open_to, training.requires_kind = "qualified", qualifications.kind_for_code(session, requires)
        except qualifications.QualificationError as exc:
            raise TrainingError(exc.message, "requires") from None
    session.add(training)
    session.flush()
    for index, planned in enumerate(sessions):
        field = f"sessions[{index}]"
        if planned.end <= planned.start:
            raise TrainingError(_l("Das Ende muss nach dem Beginn liegen."), f"{field}.end")
        if planned.start < now:
            raise TrainingError(_l("Der Beginn liegt in der Vergangenheit."), f"{field}.start")
        booking, place = None, ""
        if planned.room is not None:
            try:
                booking = book_room(session, actor, planned.room, planned.start, planned.end, title,
                                    displaceable=False, now=now)
            except BookingConflict as exc:
                raise SessionTaken(exc._message, f"{field}.room") from None
            except BookingError as exc:
                raise TrainingError(exc._message, f"{field}.{exc.field if exc.field in ('start', 'end') else 'room'}") \
                    from None
        else:
            place = _check_text(planned.place, f"{field}.place", MAX_PLACE, required=False)
            if not place:
                raise TrainingError(_l("Bitte einen Raum oder einen Ort angeben."), f"{field}.place")
        session.add(TrainingSession(training=training, booking=booking, place=place, starts_at=planned.start,
                                    ends_at=planned.end))
    if qualification == COMPLETED:
        training.grants_kind = qualifications.training_kind(session, training.id, title)
    elif qualification:
        try:
            training.grants_kind = qualifications.kind_for_code(session, qualification)
        except qualifications.QualificationError as exc:
            raise TrainingError(exc.message, "qualification") from None
    session.flush()
    audit.record(session, actor, "training.created", training, seats=seats, sessions=len(sessions))
    return training


def _city_day(instant: dt.datetime) -> dt.date:
    """The city's date of an instant: qualifications hold by the day in Berlin, and `now` is UTC (its own
    date is yesterday's between midnight and one or two in the morning)."""
    return instant.astimezone(ZoneInfo(CITY_TIMEZONE)).date()


def _lock(session: Session, training: Training) -> Training:
    """The training's row locked until commit (PostgreSQL; SQLite's writers are serialised already)."""
    return session.scalars(sa.select(Training).where(Training.id == training.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _counts(session: Session, training_id: int) -> tuple[int, int]:
    """(confirmed, waiting) of a training, counted in the database."""
    rows = dict(session.execute(sa.select(TrainingSignup.status, sa.func.count())
                                .where(TrainingSignup.training_id == training_id)
                                .group_by(TrainingSignup.status)).all())
    return rows.get(SignupStatus.CONFIRMED, 0), rows.get(SignupStatus.WAITLISTED, 0)


def may_sign_up(session: Session, user: User, training: Training, today: dt.date) -> bool:
    """Volunteers; for a training open to the qualified only, those who hold its required kind."""
    return training.id in open_to_user(session, user, [training], today)


def open_to_user(session: Session, user: User, offered: list[Training], today: dt.date) -> set[int]:
    """The ids of the trainings in `offered` that `user` may sign up for (may_sign_up's rule, with one look at
    what they hold for them all)."""
    if user is None or user.role != Role.VOLUNTEER:
        return set()
    restricted = [t for t in offered if t.open_to == "qualified" and t.requires_kind_id is not None]
    held = qualifications.held_kinds(session, [user.id], today)[user.id] if restricted else set()
    return {t.id for t in offered if t not in restricted or t.requires_kind_id in held}


def sign_up(session: Session, user: User, training: Training, *, now: dt.datetime) -> TrainingSignup:
    """A seat if one is left, else the next place on the waiting list."""
    training = _lock(session, training)
    if now >= training.deadline:
        raise SignupClosed(_l("Die Anmeldefrist ist abgelaufen."), "deadline")
    if not may_sign_up(session, user, training, _city_day(now)):
        raise NotEligible(_l("Diese Schulung ist nur für Ehrenamtliche mit dem verlangten Nachweis."), "training")
    signup = session.scalar(sa.select(TrainingSignup).where(TrainingSignup.training_id == training.id,
                                                            TrainingSignup.user_id == user.id))
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        raise AlreadySignedUp(_l("Sie sind für diese Schulung schon angemeldet."), "training")
    confirmed, waiting = _counts(session, training.id)
    if signup is None:
        signup = TrainingSignup(training_id=training.id, user_id=user.id)
        session.add(signup)
    signup.created_at, signup.promoted_at = now, None
    if confirmed < training.seats:
        signup.status, signup.position = SignupStatus.CONFIRMED, None
    else:
        signup.status, signup.position = SignupStatus.WAITLISTED, waiting + 1
    session.flush()
    audit.record(session, user, "training.signed_up", training, status=signup.status, position=signup.position)
    return signup


def cancel_signup(session: Session, actor: User, signup: TrainingSignup, *, now: dt.datetime,
                  base_url: str) -> TrainingSignup | None:
    """Cancel the sign-up; a freed seat goes to the first who waits (until the deadline), who is told. Returns
    the one moved up, or None."""
    training = _lock(session, signup.training)
    session.refresh(signup)
    if signup.status == SignupStatus.CANCELLED:
        return None
    was, position = signup.status, signup.position
    signup.status, signup.position = SignupStatus.CANCELLED, None
    session.flush()
    if was == SignupStatus.WAITLISTED:
        _close_gap(session, training.id, position)
    audit.record(session, actor, "training.cancelled", training, signup=signup.id)
    if actor is None or actor.id != signup.user_id:
        _tell_taken_off(session, signup, was, base_url)
    if was != SignupStatus.CONFIRMED or now >= training.deadline:
        return None
    confirmed, _waiting = _counts(session, training.id)
    if confirmed >= training.seats:
        return None
    first = session.scalar(sa.select(TrainingSignup).where(TrainingSignup.training_id == training.id,
                                                           TrainingSignup.status == SignupStatus.WAITLISTED)
                           .order_by(TrainingSignup.position).limit(1))
    if first is None:
        return None
    first.status, first.position, first.promoted_at = SignupStatus.CONFIRMED, None, now
    session.flush()
    _close_gap(session, training.id, 1)
    _tell_moved_up(session, first, base_url)
    audit.record(session, None, "training.moved_up", training, signup=first.id)
    return first


def _close_gap(session: Session, training_id: int, position: int) -> None:
    """Those waiting behind `position` move one place forward (the training's row is locked: no one else
    numbers its list meanwhile)."""
    session.execute(sa.update(TrainingSignup).where(
        TrainingSignup.training_id == training_id, TrainingSignup.status == SignupStatus.WAITLISTED,
        TrainingSignup.position > position).values(position=TrainingSignup.position - 1))


def _tell_moved_up(session: Session, signup: TrainingSignup, base_url: str) -> None:
    user, training = signup.user, signup.training
    with force_locale(language_of(user)):
        subject = _("Sie haben einen Platz: %(title)s", title=training.title)
        body = render_template("mail/training_moved_up.txt", user=user, training=training,
                               sessions=training.sessions, tz=ZoneInfo(CITY_TIMEZONE),
                               link=f"{base_url.rstrip('/')}/my/trainings")
    enqueue(session, user.email, subject, body, kind="notice")


def _tell_taken_off(session: Session, signup: TrainingSignup, was: str, base_url: str) -> None:
    """The coordinator took the volunteer off the training (or its waiting list): they learn it from us, not
    at the door."""
    user, training = signup.user, signup.training
    with force_locale(language_of(user)):
        subject = _("Abgemeldet von der Schulung: %(title)s", title=training.title)
        body = render_template("mail/training_taken_off.txt", training=training,
                               waited=was == SignupStatus.WAITLISTED, link=f"{base_url.rstrip('/')}/my/trainings")
    enqueue(session, user.email, subject, body, kind="notice")


def record_attendance(session: Session, actor: User, training_session: TrainingSession, present_ids: set[int],
                      *, now: dt.datetime) -> list[TrainingSignup]:
    """Who of the confirmed was at the session (the others were not); returns those who thereby completed the
    training, who are granted its qualification."""
    training = _lock(session, training_session.training)
    confirmed = {s.id: s for s in training.signups if s.status == SignupStatus.CONFIRMED}
    unknown = present_ids - set(confirmed)
    if unknown:
        raise TrainingError(_l("Nur angemeldete Teilnehmende können anwesend sein."), "present")
    session.execute(sa.delete(Attendance).where(Attendance.session_id == training_session.id))
    for signup_id in sorted(present_ids):
        session.add(Attendance(session_id=training_session.id, signup_id=signup_id, recorded_at=now))
    session.flush()
    audit.record(session, actor, "training.attendance", training, start=training_session.starts_at.isoformat(),
                 present=len(present_ids))
    return _complete(session, actor, training, list(confirmed.values()), now)


def _complete(session: Session, actor: User, training: Training, signups: list[TrainingSignup],
              now: dt.datetime) -> list[TrainingSignup]:
    session_ids = {s.id for s in training.sessions}
    attended: dict[int, set[int]] = {}
    for session_id, signup_id in session.execute(sa.select(Attendance.session_id, Attendance.signup_id).where(
            Attendance.session_id.in_(session_ids))):
        attended.setdefault(signup_id, set()).add(session_id)
    completed = []
    for signup in signups:
        if signup.completed_at is None and attended.get(signup.id, set()) >= session_ids:
            signup.completed_at = now
            completed.append(signup)
            if training.grants_kind is not None:
                today, last_day = _city_day(now), _city_day(max(s.ends_at for s in training.sessions))
                qualifications.record_qualification(session, actor, signup.user, training.grants_kind,
                                                    seen_on=min(last_day, today), today=today)
    session.flush()
    return completed


# --- reading ----------------------------------------------------------------------------------------------------

# What the lists show of each training (seats, who waits, sessions and where), loaded with it in a few
# queries instead of a few per training.
_SHOWN = (selectinload(Training.signups).selectinload(TrainingSignup.user),
          selectinload(Training.sessions).selectinload(TrainingSession.booking).selectinload(Booking.room)
          .selectinload(Room.accommodation))


def _coming(now: dt.datetime) -> sa.Select:
    """Trainings whose last session has not ended, by their first session."""
    ends = sa.select(TrainingSession.training_id, sa.func.max(TrainingSession.ends_at).label("last"),
                     sa.func.min(TrainingSession.starts_at).label("first")) \
        .group_by(TrainingSession.training_id).subquery()
    return sa.select(Training).join(ends, ends.c.training_id == Training.id).where(ends.c.last > now) \
        .order_by(ends.c.first, Training.id)


def upcoming(session: Session, now: dt.datetime) -> list[Training]:
    """Trainings whose last session has not ended, by their first session."""
    return list(session.scalars(_coming(now).options(*_SHOWN)))


def all_trainings(session: Session) -> list[Training]:
    return list(session.scalars(sa.select(Training).options(*_SHOWN)
                                .order_by(Training.deadline.desc(), Training.id.desc())))


def coming_signups(session: Session, user: User, now: dt.datetime) -> list[tuple[Training, TrainingSignup]]:
    """The coming trainings the volunteer has a seat in or waits for, with the sign-up."""
    return [(training, signup) for training, signup in session.execute(
        _coming(now).add_columns(TrainingSignup).join(TrainingSignup, TrainingSignup.training_id == Training.id)
        .where(TrainingSignup.user_id == user.id, TrainingSignup.status != SignupStatus.CANCELLED))]


def signup_of(session: Session, training: Training, user: User) -> TrainingSignup | None:
    return session.scalar(sa.select(TrainingSignup).where(TrainingSignup.training_id == training.id,
                                                          TrainingSignup.user_id == user.id))


def signups_of_user(session: Session, user: User) -> dict[int, TrainingSignup]:
    return {s.training_id: s for s in session.scalars(sa.select(TrainingSignup)
                                                      .where(TrainingSignup.user_id == user.id))}


def confirmed_signups(training: Training) -> list[TrainingSignup]:
    """Those who have a seat, in the order they signed up."""
    return [s for s in training.signups if s.status == SignupStatus.CONFIRMED]


def seats_taken(training: Training) -> int:
    return len(confirmed_signups(training))


def waiting_list(training: Training) -> list[TrainingSignup]:
    return sorted((s for s in training.signups if s.status == SignupStatus.WAITLISTED), key=lambda s: s.position)


def attendance_of(session: Session, training: Training) -> set[tuple[int, int]]:
    """(session id, sign-up id) pairs recorded as present."""
    ids = [s.id for s in training.sessions]
    if not ids:
        return set()
    return set(session.execute(sa.select(Attendance.session_id, Attendance.signup_id)
                               .where(Attendance.session_id.in_(ids))).all())

