"""Volunteers' skills and wishes, and how their deployment matches them.

A volunteer says what they can do (languages, kinds of offer) and what they would like to (places, weekly
times, hours a week). The coordinator compares that with where and when they are actually in a room (their
own bookings and the offers their provider runs) and with the gaps in the mandatory offers they could fill.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from roombook.access import audit
from roombook.booking.intervals import contains
from roombook.booking.recurrence import DAYS, format_hhmm, parse_hhmm, windows_between
from roombook.clock import today, week_of
from roombook.coordination import qualifications
from roombook.coordination.categories import MANDATORY, Category
from roombook.coordination.coverage import AMBER, RED, coverage
from roombook.db import storable
from roombook.i18n import lazy_day_name
from roombook.models import (
    Accommodation,
    Booking,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
    User,
    VolunteerAbsence,
    VolunteerProfile,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.people import Role
from roombook.models.reservations import BookingStatus

# The languages a volunteer may name: those most spoken in the city's accommodations, then the common ones.
LANGUAGES: dict[str, LazyString] = {
    "de": _l("Deutsch"),
    "en": _l("Englisch"),
    "ar": _l("Arabisch"),
    "fa": _l("Persisch (Farsi, Dari)"),
    "ps": _l("Paschtu"),
    "ku": _l("Kurdisch"),
    "tr": _l("Türkisch"),
    "uk": _l("Ukrainisch"),
    "ru": _l("Russisch"),
    "ti": _l("Tigrinya"),
    "so": _l("Somali"),
    "sq": _l("Albanisch"),
    "fr": _l("Französisch"),
    "es": _l("Spanisch"),
}
# Office hours are the city departments' own; every other kind of offer may be a volunteer's.
SKILLS: tuple[str, ...] = tuple(c.value for c in Category if c != Category.OFFICE_HOURS)
MAX_NOTE = 500
# Wished times a weekday may hold: a morning, an afternoon, an evening and a few more; the form shows them all.
MAX_WINDOWS_A_DAY = 4
HOURS_IN_A_WEEK = 168
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class ProfileError(ValueError):
    """Input the volunteer must correct; `field` names the form input, the message is read in the page's language."""

    def __init__(self, message: str | LazyString, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def by_name(user: User) -> tuple[str, str]:
    """A person's place in a list, as a German reader looks for it (DIN 5007: "Ü" with "U"), whatever the
    database's collation."""
    name = unicodedata.normalize("NFKD", user.display_name or user.email)
    return "".join(c for c in name if not unicodedata.combining(c)).casefold(), user.email


def profile_of(session: Session, user: User) -> VolunteerProfile | None:
    return session.get(VolunteerProfile, user.id)


def save_profile(session: Session, user: User, *, languages: list[str], skills: list[str],
                 accommodation_ids: list[int], available: list[dict], max_hours: float | None,
                 note: str) -> VolunteerProfile:
    """Check everything, then write the volunteer's profile; a ProfileError names the first bad field and
    nothing is written. `available` are weekly windows ({"day": "tue", "from": "16:00", "to": "19:00"})."""
    unknown = [code for code in languages if code not in LANGUAGES]
    if unknown:
        raise ProfileError(_l("Unbekannte Sprache: %(code)s", code=unknown[0]), "languages")
    unknown = [skill for skill in skills if skill not in SKILLS]
    if unknown:
        raise ProfileError(_l("Unbekannte Art von Angebot: %(skill)s", skill=unknown[0]), "skills")
    wanted = set(accommodation_ids)
    places = session.scalars(sa.select(Accommodation).where(Accommodation.id.in_(wanted))).all() if wanted else []
    if len(places) != len(wanted):
        raise ProfileError(_l("Eine der gewählten Unterkünfte gibt es nicht."), "accommodations")
    available = _weekly_windows(available)
    if max_hours is not None and not (math.isfinite(max_hours) and 0 < max_hours <= HOURS_IN_A_WEEK):
        raise ProfileError(_l("Stunden pro Woche: mehr als 0 und höchstens %(hours)d.", hours=HOURS_IN_A_WEEK),
                           "max_hours")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ProfileError(_l("Die Notiz ist länger als %(count)d Zeichen.", count=MAX_NOTE), "note")
    if not storable(note):
        raise ProfileError(_l("Die Notiz enthält Zeichen, die nicht gespeichert werden können."), "note")

    profile = profile_of(session, user)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id)
        session.add(profile)
    values = {"languages": [code for code in LANGUAGES if code in languages],
              "skills": [skill for skill in SKILLS if skill in skills],
              "available": available,
              "max_minutes_per_week": round(max_hours * 60) if max_hours is not None else None,
              "note": note}
    changed = [name for name, value in values.items() if getattr(profile, name) != value]
    for name, value in values.items():
        setattr(profile, name, value)
    if {p.id for p in profile.accommodations} != wanted:
        changed.append("accommodations")
        profile.accommodations = sorted(places, key=lambda p: p.name)
    session.flush()
    # which parts changed, not what they now say: the profile is the volunteer's own to export or delete
    audit.record_about(session, user, "volunteer_profile.saved", "user", str(user.id), changed=sorted(changed))
    return profile


def _clock(value, *, end: bool = False) -> str | None:
    """A 24-hour time as stored ("9:05" → "09:05"), "24:00" only as an end; None when it is no such time."""
    if not isinstance(value, str) or not _CLOCK.match(value) or (value == "24:00" and not end):
        return None
    try:
        return format_hhmm(parse_hhmm(value))
    except ValueError:
        return None


def _weekly_windows(windows: list[dict]) -> list[dict]:
    """The wished weekly times checked and in weekday order, several a day (a morning and an evening) in time
    order, each ending after it starts; two of a day that overlap are refused (touching ones are fine: they are
    one stretch to the planner). A refusal names the weekday in words, as the volunteer chose it."""
    days: dict[str, list[dict]] = {}
    for window in windows:
        day = window.get("day")
        if day not in DAYS:
            raise ProfileError(_l("Unbekannter Wochentag: %(day)s", day=day), "available")
        start, end = _clock(window.get("from")), _clock(window.get("to"), end=True)
        if start is None or end is None:
            raise ProfileError(_l("%(day)s: bitte Uhrzeiten von 00:00 bis 24:00 angeben.", day=lazy_day_name(day)),
                               "available")
        if end <= start:  # zero-padded "HH:MM" sort as the times do, "24:00" last
            raise ProfileError(_l("%(day)s: das Ende muss nach dem Beginn liegen.", day=lazy_day_name(day)), "available")
        days.setdefault(day, []).append({"day": day, "from": start, "to": end})
    result = []
    for day in DAYS:
        ordered = sorted(days.get(day, []), key=lambda w: (w["from"], w["to"]))
        if len(ordered) > MAX_WINDOWS_A_DAY:
            raise ProfileError(_l("%(day)s: höchstens %(count)d Zeiträume je Tag.", day=lazy_day_name(day),
                                  count=MAX_WINDOWS_A_DAY), "available")
        for earlier, later in zip(ordered, ordered[1:]):
            if later["from"] < earlier["to"]:
                raise ProfileError(_l("%(day)s: die Zeiträume %(first)s und %(second)s überschneiden sich.",
                                      day=lazy_day_name(day), first=f"{earlier['from']}–{earlier['to']}",
                                      second=f"{later['from']}–{later['to']}"), "available")
        result += ordered
    return result


@dataclass(frozen=True)
class Activity:
    """A time a volunteer is in a room: their own booking, or an occurrence of an offer their provider runs."""

    title: str
    room: Room
    start: dt.datetime
    end: dt.datetime
    kind: str  # "booking" or "offer"
    category: str | None = None  # the offer's kind (None for a booking)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def week(self) -> dt.date:
        return week_of(self.start.astimezone(self.room.tz).date())


@dataclass(frozen=True)
class Need:
    """A mandatory offer a place lacks in some of the weeks, of a kind the volunteer can do, where they'd help."""

    accommodation: Accommodation
    category: str
    status: str  # coverage's RED or AMBER, the worst of the weeks
    short_minutes: int  # the most minutes a week that are missing


@dataclass(frozen=True)
class Misfit:
    """Activities outside the volunteer's wishes that repeat at one local time: a weekly offer is one line."""

    first: Activity
    dates: tuple[dt.date, ...]  # local dates, in order
    outside_place: bool
    outside_time: bool

    @property
    def window(self) -> dict:
        """The local weekday and times it repeats at, as a weekly window ({"day", "from", "to"})."""
        start, end = (instant.astimezone(self.first.room.tz) for instant in (self.first.start, self.first.end))
        return {"day": DAYS[start.weekday()], "from": f"{start:%H:%M}", "to": f"{end:%H:%M}"}


@dataclass
class Deployment:
    volunteer: User
    profile: VolunteerProfile | None
    weeks: list[dt.date]
    minutes: list[int]
    activities: list[Activity] = field(default_factory=list)
    outside_places: list[Activity] = field(default_factory=list)
    outside_times: list[Activity] = field(default_factory=list)
    over_weeks: list[dt.date] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    absences: list[VolunteerAbsence] = field(default_factory=list)  # not over before the first week

    @property
    def fits(self) -> bool:
        """Nothing they do lies outside the places, times or hours they wished for."""
        return not (self.outside_places or self.outside_times or self.over_weeks)

    @property
    def misfits(self) -> list[Misfit]:
        """What lies outside their places or times, an activity's weekly repeats together, in time order."""
        groups: dict[tuple, list[Activity]] = {}
        for activity in self.activities:
            place, time = activity in self.outside_places, activity in self.outside_times
            if place or time:
                start, end = activity.start.astimezone(activity.room.tz), activity.end.astimezone(activity.room.tz)
                key = (activity.title, activity.room.id, activity.kind, start.weekday(), start.time(), end.time(),
                       place, time)
                groups.setdefault(key, []).append(activity)
        return [Misfit(items[0], tuple(a.start.astimezone(a.room.tz).date() for a in items), key[-2], key[-1])
                for key, items in groups.items()]


def mondays_from(day: dt.date, weeks: int) -> list[dt.date]:
    """The Mondays of `weeks` weeks, from the week of `day` on."""
    return [week_of(day) + dt.timedelta(weeks=n) for n in range(weeks)]


def deployments(session: Session, first_week: dt.date, weeks: int = 4) -> list[Deployment]:
    """Every active volunteer's deployment over `weeks` weeks from the week of `first_week`, by name."""
    mondays = mondays_from(first_week, weeks)
    volunteers = sorted(session.scalars(sa.select(User).where(User.role == Role.VOLUNTEER, User.active)), key=by_name)
    profiles = {p.user_id: p for p in session.scalars(
        sa.select(VolunteerProfile).options(selectinload(VolunteerProfile.accommodations)))}
    # a day's margin either side: the weeks are local, and an accommodation's zone may differ from UTC
    span_start = dt.datetime.combine(mondays[0] - dt.timedelta(days=1), dt.time(0), tzinfo=dt.timezone.utc)
    span_end = dt.datetime.combine(mondays[-1] + dt.timedelta(days=8), dt.time(0), tzinfo=dt.timezone.utc)
    activities = _activities(session, volunteers, span_start, span_end)
    away: dict[int, list[VolunteerAbsence]] = {}
    for absence in session.scalars(sa.select(VolunteerAbsence).where(VolunteerAbsence.ends_on >= mondays[0])
                                   .order_by(VolunteerAbsence.starts_on)):
        away.setdefault(absence.user_id, []).append(absence)
    result = []
    for volunteer in volunteers:
        mine = [a for a in activities.get(volunteer.id, []) if a.week in mondays]
        minutes = [sum(a.minutes for a in mine if a.week == monday) for monday in mondays]
        result.append(_compare(Deployment(volunteer, profiles.get(volunteer.id), mondays, minutes, mine,
                                          absences=away.get(volunteer.id, []))))
    _add_needs(session, result, mondays)
    return result


def activities_between(session: Session, start: dt.datetime, end: dt.datetime) -> dict[User, list[Activity]]:
    """Every active volunteer's times in a room overlapping [start, end) (for the council's report)."""
    volunteers = sorted(session.scalars(sa.select(User).where(User.role == Role.VOLUNTEER, User.active)), key=by_name)
    found = _activities(session, volunteers, start, end)
    return {v: found.get(v.id, []) for v in volunteers}


def _activities(session: Session, volunteers: list[User], start: dt.datetime,
                end: dt.datetime) -> dict[int, list[Activity]]:
    found: dict[int, list[Activity]] = {}
    ids = [v.id for v in volunteers]
    # columns, and each room loaded once: a quarter of the council's report holds thousands of activities
    rooms: dict[int, Room] = {}

    def room_of(room_id: int) -> Room:
        if room_id not in rooms:
            rooms[room_id] = session.get(Room, room_id)
        return rooms[room_id]

    for user_id, title, room_id, starts_at, ends_at in session.execute(
            sa.select(Booking.user_id, Booking.title, Booking.room_id, Booking.starts_at, Booking.ends_at)
            .where(Booking.user_id.in_(ids), Booking.status == BookingStatus.ACTIVE,
                   Booking.starts_at < end, Booking.ends_at > start)):
        found.setdefault(user_id, []).append(Activity(title, room_of(room_id), starts_at, ends_at, "booking"))
    by_provider: dict[int, list[int]] = {}
    for volunteer in volunteers:
        if volunteer.provider_id is not None:
            by_provider.setdefault(volunteer.provider_id, []).append(volunteer.id)
    if by_provider:
        rows = session.execute(
            sa.select(Occurrence.room_id, Occurrence.starts_at, Occurrence.ends_at, Offer.title, Provider.id,
                      Offer.category)
            .join(Occurrence.offer_session).join(OfferSession.offer).join(Offer.providers)
            .where(Provider.id.in_(by_provider), Occurrence.status != OccurrenceStatus.CANCELLED,
                   Occurrence.starts_at < end, Occurrence.ends_at > start))
        for room_id, starts_at, ends_at, title, provider_id, category in rows:
            for user_id in by_provider[provider_id]:
                found.setdefault(user_id, []).append(
                    Activity(title, room_of(room_id), starts_at, ends_at, "offer", category))
    for items in found.values():
        items.sort(key=lambda a: (a.start, a.title))
    return found


def within_wishes(available: list[dict], tz, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) lies inside one of the wished weekly times, read in the room's zone `tz`."""
    windows = windows_between(available, tz, start - dt.timedelta(days=1), end + dt.timedelta(days=1))
    return contains(windows, start, end)


def _compare(deployment: Deployment) -> Deployment:
    """What of the volunteer's deployment lies outside what they wished for (nothing without a profile)."""
    profile = deployment.profile
    if profile is None:
        return deployment
    places = {p.id for p in profile.accommodations}
    for activity in deployment.activities:
        if places and activity.room.accommodation_id not in places:
            deployment.outside_places.append(activity)
        if profile.available and not within_wishes(profile.available, activity.room.tz, activity.start,
                                                    activity.end):
            deployment.outside_times.append(activity)
    if profile.max_minutes_per_week is not None:
        deployment.over_weeks = [monday for monday, minutes in zip(deployment.weeks, deployment.minutes)
                                 if minutes > profile.max_minutes_per_week]
    return deployment


def _add_needs(session: Session, found: list[Deployment], mondays: list[dt.date]) -> None:
    """The coverage gaps each volunteer could fill: one of their skills, in a place they named (or any)."""
    if not any(d.profile is not None and set(d.profile.skills) & set(MANDATORY) for d in found):
        return
    cover = coverage(session, mondays[0], len(mondays))
    for deployment in found:
        profile = deployment.profile
        if profile is None:
            continue
        places = profile.accommodations or cover.accommodations
        for place in places:
            for category in (c for c in cover.categories if c in profile.skills):
                cells = [cover.cell(place, category, week) for week in cover.weeks]
                statuses = {cell.status for cell in cells}
                if RED in statuses or AMBER in statuses:
                    deployment.needs.append(Need(place, category, RED if RED in statuses else AMBER,
                                                 max(cell.required - cell.planned for cell in cells)))
        deployment.needs.sort(key=lambda n: (n.status != RED, n.accommodation.name, n.category))


def who_could_help(session: Session, place: Accommodation, category: str) -> list[tuple[User, VolunteerProfile]]:
    """Active volunteers who can do `category`, would help in `place` (or anywhere), and hold today the
    qualifications the place's offers of that kind require, by name."""
    rows = session.execute(
        sa.select(User, VolunteerProfile).join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .options(selectinload(VolunteerProfile.accommodations))
        .where(User.role == Role.VOLUNTEER, User.active)).all()
    found = [(user, profile) for user, profile in sorted(rows, key=lambda row: by_name(row[0]))
             if category in profile.skills
             and (not profile.accommodations or place.id in {p.id for p in profile.accommodations})]
    needed = {k.id for k in qualifications.needed_for(session, place.id, category)}
    if not needed:
        return found
    held = qualifications.held_kinds(session, [user.id for user, _ in found], today())
    return [(user, profile) for user, profile in found if needed <= held[user.id]]
