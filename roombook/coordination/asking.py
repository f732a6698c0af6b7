"""Asking volunteers to fill a gap in the coverage, and their answers.

From a gap (an accommodation lacks minutes of a mandatory kind of offer in a week) the coordinator sees the
volunteers who could help (roombook.coordination.volunteers.who_could_help: the skill, the place, and what
else that rule asks), ranked by how well the rest fits: the wished weekly times, the hours left that week,
a language if one is wanted. Each one asked gets one mail in their language and sees the request on their
start page; they accept or decline, once. Accepting makes a volunteer-run offer of the gap's kind in the
gap's accommodation (or joins the one an earlier acceptance made), run by the volunteer's group, which the
next plan run places in the group's times; the coordinator who asked is told of every answer.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import render_template
from flask_babel import LazyString, force_locale, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from roombook import clock
from roombook.access import audit, permissions
from roombook.booking.recurrence import DAYS, parse_hhmm, to_utc
from roombook.clock import week_of
from roombook.coordination import offers, volunteers
from roombook.coordination.categories import LABELS_DE, MANDATORY
from roombook.coordination.coverage import Cell, coverage
from roombook.db import storable
from roombook.i18n import category_name, language_of
from roombook.models import (
    Accommodation,
    HelpAsk,
    HelpRequest,
    Offer,
    Provider,
    User,
    VolunteerProfile,
)
from roombook.models.asking import AskStatus
from roombook.models.people import ProviderKind
from roombook.notifications.outbox import enqueue

MAX_MESSAGE = 500
LONGEST_SESSION = 180  # minutes: a gap of more is split into several sessions a week
# A profile without wished times means any time; a group's windows must name times for the planner, so: the
# hours people are awake and rooms are open.
ANY_TIME = [{"day": day, "from": "07:00", "to": "22:00"} for day in DAYS]
# Counselling is one person at a time (or a family); courses are groups.
PARTICIPANTS = {"counselling": 2, "procedural_counselling": 2}


class AskingError(ValueError):
    """Input the person must correct; `field` names the form input."""

    def __init__(self, message: str | LazyString, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


class AskingRefused(PermissionError):
    """Someone who may not do this: the pages answer 403 or 404."""


class AlreadyAnswered(AskingError):
    """A request is answered once; a second answer changes nothing."""

    def __init__(self):
        super().__init__(_l("Diese Anfrage ist schon beantwortet."), "answer")


@dataclass(frozen=True)
class Reason:
    """One thing said about how a volunteer fits a gap; `ok` False where it does not."""

    ok: bool
    text: str | LazyString


@dataclass
class Match:
    volunteer: User
    profile: VolunteerProfile
    minutes_left: int | None  # of their weekly hours in the gap's week; None without a limit
    reasons: list[Reason] = field(default_factory=list)
    ask: HelpAsk | None = None  # when they were already asked for this gap

    @property
    def fits(self) -> bool:
        return all(r.ok for r in self.reasons)


def first_name(user: User) -> str:
    """The first word of a person's name (their address's local part without one): what residents may read."""
    words = (user.display_name or "").split()
    return words[0] if words else user.email.split("@")[0]


def offer_size(minutes: int) -> tuple[int, int]:
    """(minutes per session, sessions a week) that give at least `minutes` a week in quarter hours, no session
    longer than LONGEST_SESSION and at most seven a week."""
    sessions = min(7, max(1, math.ceil(minutes / LONGEST_SESSION)))
    length = min(720, max(15, math.ceil(minutes / sessions / 15) * 15))
    return length, sessions


def gap(session: Session, place: Accommodation, category: str, week: dt.date) -> Cell:
    """The coverage cell of `place`, `category` and the week of `week`."""
    return coverage(session, week_of(week), 1, only=[place.key]).cell(place, category, week_of(week))


def _week_minutes(session: Session, place: Accommodation, week: dt.date) -> dict[int, int]:
    """Each active volunteer's minutes in a room in the local week of `week` (bookings and offers they run)."""
    start = to_utc(dt.datetime.combine(week, dt.time(0)), place.tz)
    end = to_utc(dt.datetime.combine(week + dt.timedelta(days=7), dt.time(0)), place.tz)
    return {user.id: sum(a.minutes for a in found)
            for user, found in volunteers.activities_between(session, start, end).items()}


def _window_minutes(window: dict) -> int:
    start, end = parse_hhmm(window["from"]), parse_hhmm(window["to"])
    return (end.hour * 60 + end.minute if window["to"] != "24:00" else 1440) - (start.hour * 60 + start.minute)


def _reasons(place: Accommodation, category: str, profile: VolunteerProfile, length: int, sessions: int,
             minutes_left: int | None, language: str | None) -> list[Reason]:
    reasons = [Reason(True, _l("kann %(kind)s", kind=category_name(category)))]
    if profile.accommodations:
        reasons.append(Reason(True, _l("möchte in %(place)s helfen", place=place.name)))
    else:
        reasons.append(Reason(True, _l("möchte überall helfen")))
    if language:
        name = volunteers.LANGUAGES.get(language, language)
        reasons.append(Reason(language in profile.languages, _l("spricht %(language)s", language=name)
                              if language in profile.languages else _l("spricht kein %(language)s", language=name)))
    # several windows a weekday are allowed (roombook.coordination.volunteers' profiles): each is one chance
    long_enough = [w for w in profile.available or [] if _window_minutes(w) >= length]
    if not profile.available:  # the profile's "empty: any time"
        reasons.append(Reason(True, _l("zu jeder Zeit")))
    elif len({w["day"] for w in long_enough}) >= sessions:
        reasons.append(Reason(True, _l("Wunschzeiten passen für %(minutes)d Minuten", minutes=length)))
    else:
        reasons.append(Reason(False, _l("keine Wunschzeit, in die %(minutes)d Minuten passen", minutes=length)))
    needed = length * sessions
    if minutes_left is None:
        reasons.append(Reason(True, _l("keine Stundengrenze angegeben")))
    else:
        hours = LazyString(lambda: format_decimal(minutes_left / 60, format="0.0"))
        reasons.append(Reason(minutes_left >= needed,
                              _l("noch %(hours)s Std. frei in dieser Woche", hours=hours)))
    return reasons


def match_volunteers(session: Session, cell: Cell, *, language: str | None = None) -> list[Match]:
    """The volunteers who could fill the gap `cell` (see gap()), best first, each with why they fit or not.

    Who appears at all is who_could_help's answer (the skill, the place, what else it requires); the ranking
    puts those who fit in every respect first, then those with more that fits, then more hours left."""
    place, category, week = cell.accommodation, cell.category, cell.week
    length, sessions = offer_size(max(cell.required - cell.planned, 15))
    used = _week_minutes(session, place, week)
    asked = {a.volunteer_id: a for a in session.scalars(
        sa.select(HelpAsk).join(HelpAsk.request).where(HelpRequest.accommodation_id == place.id,
                                                       HelpRequest.category == category,
                                                       HelpRequest.week == week))}
    found = []
    for user, profile in volunteers.who_could_help(session, place, category):
        left = None if profile.max_minutes_per_week is None else \
            max(0, profile.max_minutes_per_week - used.get(user.id, 0))
        found.append(Match(user, profile, left, _reasons(place, category, profile, length, sessions, left, language),
                           asked.get(user.id)))
    found.sort(key=lambda m: (not m.fits, -sum(r.ok for r in m.reasons),
                              -(m.minutes_left if m.minutes_left is not None else 10**6), volunteers.by_name(m.volunteer)))
    return found


def _link(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}{path}"


def ask_volunteers(session: Session, actor: User, place: Accommodation, category: str, week: dt.date,
                   volunteer_ids: list[int], *, base_url: str) -> HelpRequest:
    """Ask the chosen volunteers to take on the gap: one request for the gap (an earlier one is reused), one
    row and one mail per volunteer not asked before. Only volunteers who could help may be asked."""
    if not permissions.can_ask_volunteers(actor):
        raise AskingRefused()
    if category not in {c.value for c in MANDATORY}:
        raise AskingError(_l("Unbekannte Kategorie."), "category")
    week = week_of(week)
    chosen = set(volunteer_ids)
    if not chosen:
        raise AskingError(_l("Bitte mindestens eine Person wählen."), "volunteers")
    could = {user.id: user for user, _profile in volunteers.who_could_help(session, place, category)}
    if not chosen <= set(could):
        raise AskingError(_l("Gefragt werden können nur Ehrenamtliche, die helfen könnten."), "volunteers")
    cell = gap(session, place, category, week)
    missing = cell.required - cell.planned
    request = session.scalar(sa.select(HelpRequest).where(
        HelpRequest.accommodation_id == place.id, HelpRequest.category == category, HelpRequest.week == week))
    if request is None:
        if missing <= 0:
            raise AskingError(_l("In dieser Woche fehlt hier nichts."), "volunteers")
        request = HelpRequest(accommodation=place, category=category, week=week, minutes=missing,
                              asked_by_id=actor.id, created_at=clock.now())
        session.add(request)
        session.flush()
    already = {a.volunteer_id for a in request.asks}
    new = [could[i] for i in sorted(chosen - already, key=lambda i: volunteers.by_name(could[i]))]
    if not new:
        raise AskingError(_l("Alle Gewählten sind schon gefragt."), "volunteers")
    for volunteer in new:
        ask = HelpAsk(request=request, volunteer=volunteer, status=AskStatus.ASKED, created_at=clock.now())
        session.add(ask)
        session.flush()
        _tell_volunteer(session, ask, base_url)
    audit.record(session, actor, "help_request.asked", request, accommodation=place.key, category=category,
                 week=week.isoformat(), volunteers=[v.id for v in new])
    return request


def _tell_volunteer(session: Session, ask: HelpAsk, base_url: str) -> None:
    """The volunteer's mail on a question: asked, or (withdrawn) settled, with the link to it."""
    request, volunteer, withdrawn = ask.request, ask.volunteer, ask.status == AskStatus.WITHDRAWN
    length, sessions = offer_size(request.minutes)
    with force_locale(language_of(volunteer)):
        kind, place = category_name(request.category), request.accommodation.name
        subject = (_("Erledigt: %(kind)s in %(place)s", kind=kind, place=place) if withdrawn else
                   _("Können Sie helfen? %(kind)s in %(place)s", kind=kind, place=place))
        body = render_template("mail/help_withdrawn.txt" if withdrawn else "mail/help_request.txt",
                               volunteer=volunteer, kind=kind, request=request, length=length, sessions=sessions,
                               link=_link(base_url, f"/my/help-requests/{ask.id}"))
    enqueue(session, volunteer.email, subject, body, kind="help_withdrawn" if withdrawn else "help_request")


def answer_request(session: Session, volunteer: User, ask: HelpAsk, *, accept: bool, message: str = "",
                   base_url: str) -> HelpAsk:
    """The volunteer's one answer. Accepting makes or joins the volunteer-run offer of the request, ready for
    the next plan run; either way the coordinator who asked is told."""
    if not permissions.can_answer_help_request(volunteer, ask.volunteer_id):
        raise AskingRefused()
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise AskingError(_l("Die Nachricht ist länger als %(count)d Zeichen.", count=MAX_MESSAGE), "message")
    if not storable(message):
        raise AskingError(_l("Die Nachricht enthält Zeichen, die nicht gespeichert werden können."), "message")
    status = AskStatus.ACCEPTED if accept else AskStatus.DECLINED
    # one answer, even from two tabs at once: the row changes only while it is still open
    changed = session.execute(sa.update(HelpAsk).where(HelpAsk.id == ask.id, HelpAsk.status == AskStatus.ASKED)
                              .values(status=status, message=message, answered_at=clock.now())
                              .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise AlreadyAnswered()
    session.refresh(ask)
    request, offer = ask.request, None
    if accept:
        # acceptances of one request queue here (SQLite's write lock does it anyway): the first makes the
        # offer, each later one sees it and joins
        session.execute(sa.select(HelpRequest.id).where(HelpRequest.id == request.id).with_for_update())
        session.refresh(request)
        offer = _take_on(session, volunteer, request)
    audit.record(session, volunteer, "help_request.answered", request, answer=status,
                 **({"offer": offer.key} if offer is not None else {}))
    _tell_coordinator(session, request, ask, volunteer, base_url)
    return ask


def withdraw_ask(session: Session, actor: User, ask: HelpAsk, *, base_url: str) -> HelpAsk:
    """The coordination takes back a question still open (the gap closed otherwise, or someone else took it);
    it leaves the volunteer's start page, and the volunteer, asked by mail, is told by mail that it is settled.
    An answered one stays as it was answered."""
    if not permissions.can_ask_volunteers(actor):
        raise AskingRefused()
    changed = session.execute(sa.update(HelpAsk).where(HelpAsk.id == ask.id, HelpAsk.status == AskStatus.ASKED)
                              .values(status=AskStatus.WITHDRAWN, answered_at=clock.now())
                              .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise AlreadyAnswered()
    session.refresh(ask)
    audit.record(session, actor, "help_request.withdrawn", ask.request, volunteer=ask.volunteer_id)
    _tell_volunteer(session, ask, base_url)
    return ask


def _group_of(session: Session, volunteer: User) -> Provider:
    """The volunteer's group; one named by their first name when they have none, with their wished times."""
    if volunteer.provider is not None:
        return volunteer.provider
    profile = volunteers.profile_of(session, volunteer)
    name = first_name(volunteer)
    key = offers.unique_key(session, Provider.key, "ehrenamt-" + offers.slug(name, "gruppe"))
    group = Provider(key=key, name=name, kind=ProviderKind.VOLUNTEER,
                     available=list(profile.available) if profile and profile.available else ANY_TIME,
                     max_minutes_per_week=profile.max_minutes_per_week if profile else None,
                     contact_email=volunteer.email, contact_language=language_of(volunteer))
    session.add(group)
    session.flush()
    volunteer.provider = group
    session.flush()
    return group


def _take_on(session: Session, volunteer: User, request: HelpRequest) -> Offer:
    group = _group_of(session, volunteer)
    offer = request.offer
    if offer is not None:  # an earlier acceptance made it: the group joins it
        if group not in offer.providers:
            offer.providers = [*offer.providers, group]
            session.flush()
        return offer
    length, sessions = offer_size(request.minutes)
    offer = offers.save_offer(
        session, volunteer, None, accommodation=request.accommodation, provider_keys=[group.key],
        title=LABELS_DE[request.category], description="", category=request.category, duration_minutes=length,
        sessions_per_week=sessions, participants=PARTICIPANTS.get(request.category, 10), needs_features=[],
        guaranteed=False, valid_from=max(request.week, clock.today(request.accommodation.tz)), valid_until=None)
    request.offer = offer
    session.flush()
    return offer


def _tell_coordinator(session: Session, request: HelpRequest, ask: HelpAsk, volunteer: User, base_url: str) -> None:
    coordinator = request.asked_by
    if coordinator is None or not coordinator.active:
        return
    with force_locale(language_of(coordinator)):
        kind, place = category_name(request.category), request.accommodation.name
        name, accepted = volunteer.display_name or volunteer.email, ask.status == AskStatus.ACCEPTED
        subject = (_("Zugesagt: %(name)s, %(kind)s in %(place)s", name=name, kind=kind, place=place) if accepted else
                   _("Abgesagt: %(name)s, %(kind)s in %(place)s", name=name, kind=kind, place=place))
        body = render_template("mail/help_answer.txt", name=name, kind=kind, request=request, ask=ask,
                               accepted=accepted, link=_link(base_url, f"/manage/help-requests/{request.id}"))
    enqueue(session, coordinator.email, subject, body, kind="help_answer")


# a volunteer's lists name each request's accommodation
_WITH_PLACE = selectinload(HelpAsk.request).selectinload(HelpRequest.accommodation)


def open_asks(session: Session, volunteer: User) -> list[HelpAsk]:
    """What waits for the volunteer's answer, oldest first."""
    return list(session.scalars(sa.select(HelpAsk).options(_WITH_PLACE)
                                .where(HelpAsk.volunteer_id == volunteer.id, HelpAsk.status == AskStatus.ASKED)
                                .order_by(HelpAsk.created_at, HelpAsk.id)))


def asks_of(session: Session, volunteer: User) -> list[HelpAsk]:
    """Every request the volunteer was asked in, open ones first, then newest first."""
    rows = session.scalars(sa.select(HelpAsk).options(_WITH_PLACE)
                           .where(HelpAsk.volunteer_id == volunteer.id).order_by(HelpAsk.id.desc()))
    return sorted(rows, key=lambda a: a.status != AskStatus.ASKED)


@dataclass
class RequestLine:
    request: HelpRequest
    cell: Cell  # the gap now: it closes once a plan run placed the accepted offer

    @property
    def answered(self) -> list[HelpAsk]:
        return [a for a in self.request.asks if a.status != AskStatus.ASKED]


def request_lines(session: Session, requests: list[HelpRequest]) -> list[RequestLine]:
    """Each request with its gap as the coverage shows it now. One coverage per run of consecutive weeks asked
    about (of the places asked about in it), not one per request: requests cluster in the weeks ahead, and
    weeks nobody asked about are not read."""
    runs: list[list[dt.date]] = []
    for week in sorted({r.week for r in requests}):
        if runs and week - runs[-1][-1] == dt.timedelta(weeks=1):
            runs[-1].append(week)
        else:
            runs.append([week])
    cells: dict[int, Cell] = {}
    for run in runs:
        asked = [r for r in requests if run[0] <= r.week <= run[-1]]
        cover = coverage(session, run[0], len(run), only={r.accommodation.key for r in asked})
        cells.update((r.id, cover.cell(r.accommodation, r.category, r.week)) for r in asked)
    return [RequestLine(r, cells[r.id]) for r in requests]


def requests_overview(session: Session, limit: int = 50) -> list[RequestLine]:
    """The newest requests, each with who asked, who was asked, who answered, and its gap as the coverage shows
    it now; what the page shows of them is loaded with them."""
    requests = session.scalars(
        sa.select(HelpRequest)
        .options(selectinload(HelpRequest.accommodation), selectinload(HelpRequest.asked_by),
                 selectinload(HelpRequest.offer), selectinload(HelpRequest.asks).selectinload(HelpAsk.volunteer))
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc()).limit(limit)).all()
    return request_lines(session, requests)
