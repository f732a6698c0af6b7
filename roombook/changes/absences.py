"""A volunteer's dated absence as a room change (cause "absence"): the weekly template stays as it is, and the
dates the absence hits are one decision, not one conflict per date.

Which dates it hits: the volunteer's own bookings, and the dates of the offers their group runs that no one
else of the group covers, i.e. no other active volunteer of the group who is not away that day and whose
wished times hold the date. (Nobody is recorded as an offer's leader; the wishes say who is there when.)

The dates are grouped as a closure's are, one change per accommodation (whose staff decide it) and an item
per series, with a proposal each: an offer's dates stay where they are when another volunteer of the group
could take them over ("taken over"), otherwise they are cancelled; the volunteer's own bookings are cancelled.
Nothing is taken out of a room until a person decides on the change page (roombook.changes.deciding), and
everyone concerned is told once then (roombook.changes.telling).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.changes.repair import hits_of_bookings, hits_of_occurrences
from roombook.coordination.volunteers import within_wishes
from roombook.db import storable
from roombook.models import (
    Booking,
    BookingSeries,
    ChangeItem,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    RoomChange,
    User,
    VolunteerAbsence,
    VolunteerProfile,
)
from roombook.models.changes import ChangeStatus
from roombook.models.offers import OccurrenceStatus
from roombook.models.people import ProviderKind, Role
from roombook.models.reservations import BookingStatus

ABSENCE = "absence"
TAKEN_OVER = "volunteer"  # the proposal's tier: the dates stay, another volunteer of the group runs them
NO_VOLUNTEER = "no_volunteer"  # why there is no proposal: no one else in the group
ABSENT = "absent"              # why there is no proposal: the absent volunteer's own booking
MAX_NOTE = 300
LONGEST = dt.timedelta(days=366)


class AbsenceError(ValueError):
    """Input the volunteer must correct; `field` names the form input."""

    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message, self.field = message, field


def absences_of(session: Session, user: User, *, today: dt.date | None = None) -> list[VolunteerAbsence]:
    """The volunteer's absences not yet over, soonest first."""
    today = today or clock.today()
    return list(session.scalars(sa.select(VolunteerAbsence).where(VolunteerAbsence.user_id == user.id,
                                                                  VolunteerAbsence.ends_on >= today)
                                .order_by(VolunteerAbsence.starts_on, VolunteerAbsence.id)))


def record_absence(session: Session, user: User, starts_on: dt.date | None, ends_on: dt.date | None, note: str = "",
                   *, now: dt.datetime | None = None) -> tuple[VolunteerAbsence, list[RoomChange]]:
    """Write the absence and open one change per accommodation for the dates it hits (none when it hits
    nothing). An AbsenceError names the first bad field, and nothing is written."""
    now = now or clock.now()
    today = clock.today()
    if starts_on is None:
        raise AbsenceError(_l("Bitte den ersten Tag angeben."), "starts_on")
    if ends_on is None:
        raise AbsenceError(_l("Bitte den letzten Tag angeben."), "ends_on")
    if starts_on < today:
        raise AbsenceError(_l("Eine Abwesenheit lässt sich nur ab heute eintragen."), "starts_on")
    if ends_on < starts_on:
        raise AbsenceError(_l("Der letzte Tag darf nicht vor dem ersten liegen."), "ends_on")
    if ends_on - starts_on >= LONGEST:
        raise AbsenceError(_l("Höchstens ein Jahr am Stück."), "ends_on")
    note = (note or "").strip()
    if len(note) > MAX_NOTE or not storable(note):
        raise AbsenceError(_l("Die Notiz ist zu lang oder enthält Zeichen, die nicht gespeichert werden können."),
                           "note")
    if session.scalar(sa.select(VolunteerAbsence.id).where(VolunteerAbsence.user_id == user.id,
                                                           VolunteerAbsence.starts_on <= ends_on,
                                                           VolunteerAbsence.ends_on >= starts_on)):
        raise AbsenceError(_l("Für einige dieser Tage ist schon eine Abwesenheit eingetragen."), "starts_on")
    absence = VolunteerAbsence(user_id=user.id, starts_on=starts_on, ends_on=ends_on, note=note)
    session.add(absence)
    session.flush()
    changes = _open_changes(session, user, absence, now)
    # the days, not the note: why someone is away is theirs (the note is for the coordination's page)
    audit.record(session, user, "absence.recorded", absence, starts_on=starts_on.isoformat(),
                 ends_on=ends_on.isoformat(), changes=[c.id for c in changes])
    return absence, changes


def may_take_back(absence: VolunteerAbsence, today: dt.date | None = None) -> bool:
    """Only an absence that has not begun may be taken back: from its first day on, its dates were planned
    without the volunteer."""
    return absence.starts_on > (today or clock.today())


def delete_absence(session: Session, user: User, absence: VolunteerAbsence) -> None:
    """The volunteer takes back an absence that has not begun: its undecided changes are withdrawn (no one
    was told of them yet); a change already decided stays decided, as its dates were told."""
    if absence.user_id != user.id:
        raise AbsenceError(_l("Nicht gefunden."), "absence")
    if not may_take_back(absence):
        raise AbsenceError(_l("Eine begonnene Abwesenheit lässt sich nicht mehr löschen."), "absence")
    withdrawn = []
    for change in session.scalars(sa.select(RoomChange).where(RoomChange.absence_id == absence.id)):
        if change.status == ChangeStatus.PROPOSED:
            change.status = ChangeStatus.DISCARDED
            withdrawn.append(change.id)
        change.absence_id = None  # the database would too (SET NULL); the objects loaded should agree
    audit.record(session, user, "absence.deleted", absence, starts_on=absence.starts_on.isoformat(),
                 ends_on=absence.ends_on.isoformat(), withdrawn=withdrawn)
    session.delete(absence)
    session.flush()


def _group(session: Session, user: User) -> Provider | None:
    provider = session.get(Provider, user.provider_id) if user.provider_id is not None else None
    return provider if provider is not None and provider.kind == ProviderKind.VOLUNTEER else None


def _span(absence: VolunteerAbsence) -> tuple[dt.datetime, dt.datetime]:
    """The absence's days in UTC, a day wider either side: each date is then checked in its room's zone."""
    return (dt.datetime.combine(absence.starts_on - dt.timedelta(days=1), dt.time(0), tzinfo=dt.timezone.utc),
            dt.datetime.combine(absence.ends_on + dt.timedelta(days=2), dt.time(0), tzinfo=dt.timezone.utc))


def _on_days(absence: VolunteerAbsence, instant: dt.datetime, tz) -> bool:
    return absence.starts_on <= instant.astimezone(tz).date() <= absence.ends_on


def _others(session: Session, group: Provider, user: User) -> list[tuple[User, VolunteerProfile | None,
                                                                         list[VolunteerAbsence]]]:
    """The group's other active volunteers, each with their profile and absences."""
    others = session.scalars(sa.select(User).where(User.provider_id == group.id, User.role == Role.VOLUNTEER,
                                                   User.active, User.id != user.id).order_by(User.id)).all()
    ids = [o.id for o in others]
    away = defaultdict(list)
    for absence in session.scalars(sa.select(VolunteerAbsence).where(VolunteerAbsence.user_id.in_(ids))):
        away[absence.user_id].append(absence)
    profiles = {p.user_id: p for p in session.scalars(sa.select(VolunteerProfile)
                                                      .where(VolunteerProfile.user_id.in_(ids)))}
    return [(o, profiles.get(o.id), away[o.id]) for o in others]


def _present(absences: list[VolunteerAbsence], occurrence: Occurrence) -> bool:
    return not any(_on_days(a, occurrence.starts_at, occurrence.room.tz) for a in absences)


def _covers(profile: VolunteerProfile | None, occurrence: Occurrence) -> bool:
    """Whether a volunteer's wished times hold the date (no wished times promise nothing)."""
    return profile is not None and bool(profile.available) \
        and within_wishes(profile.available, occurrence.room.tz, occurrence.starts_at, occurrence.ends_at)


def _hit_occurrences(session: Session, group: Provider, absence: VolunteerAbsence, now: dt.datetime,
                     others) -> list[Occurrence]:
    start, end = _span(absence)
    found = session.scalars(
        sa.select(Occurrence).join(Occurrence.offer_session).join(OfferSession.offer).join(Offer.providers)
        .where(Provider.id == group.id, Occurrence.status != OccurrenceStatus.CANCELLED,
               Occurrence.starts_at >= now, Occurrence.starts_at < end, Occurrence.ends_at > start)
        .order_by(Occurrence.starts_at)).unique().all()
    return [o for o in found if _on_days(absence, o.starts_at, o.room.tz)
            and not any(_present(away, o) and _covers(profile, o) for _user, profile, away in others)]


def _hit_bookings(session: Session, user: User, absence: VolunteerAbsence, now: dt.datetime) -> list[Booking]:
    start, end = _span(absence)
    found = session.scalars(sa.select(Booking).where(
        Booking.user_id == user.id, Booking.status == BookingStatus.ACTIVE, Booking.starts_at >= now,
        Booking.starts_at < end, Booking.ends_at > start).order_by(Booking.starts_at)).all()
    return [b for b in found if _on_days(absence, b.starts_at, b.room.tz)]


def _open_changes(session: Session, user: User, absence: VolunteerAbsence, now: dt.datetime) -> list[RoomChange]:
    group = _group(session, user)
    others = _others(session, group, user) if group is not None else []
    occurrences = _hit_occurrences(session, group, absence, now, others) if group is not None else []
    bookings = _hit_bookings(session, user, absence, now)
    by_place: dict[int, list] = defaultdict(list)
    for thing in [*occurrences, *bookings]:
        by_place[thing.room.accommodation_id].append(thing)
    changes = []
    name = user.display_name or user.email
    for things in by_place.values():
        first = min(things, key=lambda t: t.starts_at)
        change = RoomChange(accommodation_id=first.room.accommodation_id, room_id=first.room_id, cause=ABSENCE,
                            absence_id=absence.id, reason=f"Abwesenheit: {name}"[:300],
                            starts_at=first.starts_at, ends_at=max(t.ends_at for t in things),
                            created_by_id=user.id)
        session.add(change)
        session.flush()
        _add_items(session, change, user, [t for t in things if isinstance(t, Occurrence)],
                   [t for t in things if isinstance(t, Booking)], others)
        session.flush()
        audit.record(session, user, "change.recorded", change, room=change.room.key,
                     accommodation=change.accommodation.key, closure=None, cause=ABSENCE, items=len(change.items),
                     dates=sum(len(item.hits) for item in change.items))
        changes.append(change)
    return changes


def _add_items(session: Session, change: RoomChange, user: User, occurrences: list[Occurrence],
               bookings: list[Booking], others) -> None:
    by_slot = defaultdict(list)
    for occurrence in occurrences:
        by_slot[occurrence.offer_session_id].append(occurrence)
    for slot_occurrences in by_slot.values():
        offer = slot_occurrences[0].offer_session.offer
        # someone of the group who is not away on every one of these dates may take them over
        could = any(any(_present(away, o) for o in slot_occurrences) for _user, _profile, away in others)
        item = ChangeItem(kind="offer", offer_session_id=slot_occurrences[0].offer_session_id, title=offer.title,
                          participants=offer.participants, hits=hits_of_occurrences(slot_occurrences),
                          proposal=_stay(slot_occurrences) if could else None,
                          reason="" if could else NO_VOLUNTEER)
        change.items.append(item)
    by_series, one_offs = defaultdict(list), []
    for booking in bookings:
        (by_series[booking.series_id] if booking.series_id is not None else one_offs).append(booking)
    titles = {s.id: s.title for s in session.scalars(sa.select(BookingSeries).where(BookingSeries.id.in_(by_series)))}
    for series_id, series_bookings in by_series.items():
        change.items.append(ChangeItem(kind="booking_series", booking_series_id=series_id, owner_id=user.id,
                                       title=titles[series_id], hits=hits_of_bookings(series_bookings),
                                       reason=ABSENT))
    for booking in one_offs:
        change.items.append(ChangeItem(kind="booking", booking_id=booking.id, owner_id=user.id, title=booking.title,
                                       hits=hits_of_bookings([booking]), reason=ABSENT))


def _stay(occurrences: list[Occurrence]) -> dict:
    """A proposal in the shape of a room change's: the same room and times."""
    first = occurrences[0]
    return {"room": first.room.key, "room_id": first.room_id, "shift": 0,
            "local_start": first.starts_at.astimezone(first.room.tz).strftime("%H:%M"), "tier": TAKEN_OVER,
            "starts": [o.starts_at.isoformat() for o in occurrences]}
