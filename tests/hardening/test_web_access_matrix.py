"""Every role × every page and form post, with someone else's objects in the URL (IDOR): only what the
role may do succeeds, and a refused post changes nothing. A web route missing from the matrix fails
the test, so new pages must say who may use them. (The JSON API has its own: test_access_matrix.py.)

Each request goes through the real login form, carries a valid CSRF token of its session, and finds
its user in the session cookie, so the refusal proven is the access check and nothing before it.
Someone else's object answers 404 (not even its existence is told), a page of the wrong role 403, an
anonymous visitor is sent to log in. Where a form's choices already leave out what the role may not
touch (a room to book, a plan's scope, a feed), the form refuses it (422 or 400) and the matrix says so.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, NamedTuple
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.access import joining
from roombook.booking import rooms
from roombook.db import db
from roombook.models import (
    Accommodation,
    AccountToken,
    Attendance,
    Booking,
    ChangeItem,
    Closure,
    Conflict,
    FeedToken,
    Login,
    MailSettings,
    Offer,
    OutboxMessage,
    PlanRun,
    Qualification,
    Registration,
    Room,
    RoomChange,
    Training,
    TrainingSession,
    TrainingSignup,
    User,
    VolunteerAbsence,
    VolunteerProfile,
)
from roombook.models.recruitment import TokenPurpose
from roombook.planning import runs as plan_runs
from tests.conftest import csrf_token, login
from tests.factories import ALL_WEEK
from tests.hardening.conftest import NEXT_YEAR, PASSWORD, ROLES, a_training, slot
from tests.hardening.web_world import WebWorld, password_hash, web_world  # noqa: F401  (fixtures)

ANON = "anonymous"
LOGIN = "login"  # a redirect to the login page
STAFF = {"admin", "coordinator", "manager_a", "manager_b"}
STAFF_B = {"admin", "coordinator", "manager_b"}  # who manages accommodation B
COORDINATION = {"admin", "coordinator"}
VOLUNTEERS = {"volunteer", "other_volunteer"}


def everyone(status: int) -> dict[str, int | str]:
    """Public: every role and anonymous visitors alike."""
    return {role: status for role in (*ROLES, ANON)}


def only(allowed: set[str], ok: int, otherwise: int = 403) -> dict[str, int | str]:
    """Logged-in roles; anonymous visitors (not listed) are sent to log in."""
    return {role: ok if role in allowed else otherwise for role in ROLES}


def b_managers(ok: int) -> dict[str, int | str]:
    """An object of accommodation B: its managers may, manager_a is not even told it exists, the rest are
    refused the management area."""
    return {**only(STAFF_B, ok), "manager_a": 404}


def owner(name: str, ok: int) -> dict[str, int | str]:
    """A person's own thing: everyone else is told it does not exist."""
    return only({name}, ok, 404)


# --- readings of the database, taken before and after a post --------------------------------------------

def column(attribute, row_id: int) -> Callable[[], object]:
    """One column of one row, read afresh (None once the row is gone)."""
    model = attribute.class_
    return lambda: db.session.scalar(sa.select(attribute).where(model.id == row_id))


def count(model, *where) -> Callable[[], int]:
    """How many rows match, counted afresh."""
    return lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- form bodies an allowed role gets through -----------------------------------------------------------

def booking_form(room: Room, week: int) -> dict:
    start, end = slot(week)
    return {"room": room.key, "date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
            "title": "Treffen", "weeks": "1"}


def _change_form(booking) -> dict:
    """The change form for the booking as it is, with a new title."""
    start = booking.starts_at.astimezone(booking.room.tz)
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    return {"scope": "this", "start_time": f"{start:%H:%M}", "minutes": str(minutes), "room": booking.room.key,
            "title": "Neuer Titel"}


def room_form() -> dict:
    return {"name": "Raum mit neuem Namen", "capacity": "12", "features": "whiteboard",
            "open_hours": rooms.format_windows(ALL_WEEK), "max_booking_minutes": "240", "max_days_ahead": "700",
            "max_open_bookings": "10"}


def closure_form(week: int) -> dict:
    start, end = slot(week)
    return {"start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{end:%Y-%m-%dT%H:%M}", "reason": "Renovierung",
            "apply": "y"}


def profile_form(w: WebWorld) -> dict:
    return {"languages": ["de", "ar"], "skills": "language_course", "accommodations": str(w.room_b.accommodation_id),
            "available-mon-from": "16:00", "available-mon-to": "19:00", "max_hours": "3",
            "note": "Kann Fahrräder reparieren"}


def offer_form(w: WebWorld) -> dict:
    return {"title": "Neues Nähcafé", "category": "office_hours", "accommodation": w.room_b.accommodation.key,
            "providers": w.offer_b.providers[0].key, "duration_minutes": "90", "sessions_per_week": "1",
            "participants": "8", "valid_from": f"{NEXT_YEAR}-03-01"}


def _help_b(w: WebWorld):
    """A gap in B (counselling required, none planned) both volunteers could fill by their profiles, and a
    request for it that asked other_volunteer: (the gap's week, other_volunteer's ask)."""
    from roombook.clock import week_of
    from roombook.coordination.volunteers import save_profile
    from roombook.models import HelpAsk, HelpRequest, Requirement

    if getattr(w, "_help", None) is None:
        place = w.room_b.accommodation
        week = week_of(slot(1)[0].date())
        db.session.add(Requirement(accommodation_id=place.id, category="counselling", min_minutes_per_week=60))
        for role in VOLUNTEERS:
            save_profile(db.session, w.users[role], languages=["de"], skills=["counselling"], accommodation_ids=[],
                         available=[], max_hours=None, note="")
        request = HelpRequest(accommodation=place, category="counselling", week=week, minutes=60,
                              asked_by_id=w.users["coordinator"].id)
        ask = HelpAsk(request=request, volunteer_id=w.users["other_volunteer"].id, status="asked")
        db.session.add_all([request, ask])
        db.session.flush()
        w._help = (week, ask)
    return w._help


def _ask_form(w: WebWorld) -> tuple[str, dict]:
    week, _ask = _help_b(w)
    return (f"/manage/coverage/{w.room_b.accommodation.key}/counselling/ask",
            {"week": week.isoformat(), "volunteers": str(w.users["volunteer"].id)})


def _help_asks() -> Callable[[], int]:
    from roombook.models import HelpAsk

    return count(HelpAsk)


def _ask_status(w: WebWorld) -> Callable[[], object]:
    from roombook.models import HelpAsk

    return column(HelpAsk.status, _help_b(w)[1].id)


def training_form() -> dict:
    start, end = slot(6)
    return {"title": "Erste Hilfe", "seats": "2", "deadline": f"{start - dt.timedelta(days=1):%Y-%m-%dT%H:%M}",
            "requires": "", "qualification": "", "s1_room": "", "s1_place": "DRK", "s1_start": f"{start:%Y-%m-%dT%H:%M}", "s1_end": f"{end:%Y-%m-%dT%H:%M}"}


def _attendance_form(w: WebWorld) -> tuple[str, dict]:
    training_id, signup_id = a_training(w)
    meeting = db.session.scalar(sa.select(TrainingSession.id).where(TrainingSession.training_id == training_id))
    return f"/manage/trainings/{training_id}/sessions/{meeting}/attendance", {"present": str(signup_id)}


def _qualification_delete(w: WebWorld) -> tuple[str, dict]:
    from roombook.coordination import qualifications

    volunteer = w.users["other_volunteer"]
    held = qualifications.record_qualification(
        db.session, w.users["coordinator"], volunteer, qualifications.kind_for_code(db.session, "first_aid"),
        seen_on=clock.today(), today=clock.today())
    db.session.flush()
    return f"/manage/volunteers/{volunteer.id}/qualifications/{held.id}/delete", {}


def _newest(model) -> int:
    return db.session.scalar(sa.select(sa.func.max(model.id)))


class Case(NamedTuple):
    request: Callable[[WebWorld], tuple[str, dict | None]]  # the URL, and the form for a POST
    expected: dict[str, int | str]  # per role; anonymous defaults to LOGIN
    # What a refused post must not change (and an allowed one does): made before the request, so the
    # reading holds its row's id even when the post deletes the row.
    state: Callable[[WebWorld], Callable[[], object]] | None = None
    succeeds_unchanged: bool = False  # the allowed outcome itself changes nothing (explained at the case)


# (rule, method, case) → Case. Objects in URLs are B's or another person's wherever the route takes one.
CASES: dict[tuple[str, str, str], Case] = {
    # --- public pages and feeds
    ("/", "GET", "public"): Case(lambda w: ("/", None), everyone(200)),
    ("/accommodations/<key>", "GET", "week of B"): Case(
        lambda w: (f"/accommodations/{w.room_b.accommodation.key}", None), everyone(200)),
    ("/accommodations/<key>/offers", "GET", "residents' schedule of B"): Case(
        lambda w: (f"/accommodations/{w.room_b.accommodation.key}/offers", None), everyone(200)),
    ("/accommodations/<key>/poster", "GET", "poster of B"): Case(
        lambda w: (f"/accommodations/{w.room_b.accommodation.key}/poster", None), everyone(200)),
    ("/calendars/all.ics", "GET", "city"): Case(lambda w: ("/calendars/all.ics", None), everyone(200)),
    ("/calendars/accommodation/<key>.ics", "GET", "B"): Case(
        lambda w: (f"/calendars/accommodation/{w.room_b.accommodation.key}.ics", None), everyone(200)),
    ("/calendars/room/<key>.ics", "GET", "room in B"): Case(
        lambda w: (f"/calendars/room/{w.room_b.key}.ics", None), everyone(200)),
    ("/calendars/category/<category>.ics", "GET", "office hours"): Case(
        lambda w: ("/calendars/category/office_hours.ics", None), everyone(200)),
    # the secret is the permission: whoever holds the link reads it, a revoked link is gone for all
    ("/calendars/private/<secret>.ics", "GET", "volunteer's link"): Case(
        lambda w: (f"/calendars/private/{w.feed_secret}.ics", None), everyone(200)),
    ("/calendars/private/<secret>.ics", "GET", "volunteer's revoked link"): Case(
        lambda w: (f"/calendars/private/{w.revoked_feed_secret}.ics", None), everyone(404)),

    # --- session
    ("/login", "GET", "form"): Case(lambda w: ("/login", None), everyone(200)),
    ("/login", "POST", "volunteer's email, wrong password"): Case(
        lambda w: ("/login", {"email": w.users["volunteer"].email, "password": "wrong"}), everyone(401)),
    ("/logout", "POST", "own session"): Case(lambda w: ("/logout", {}), only(set(ROLES), 302),
                                             lambda w: count(Login)),
    ("/logout/everywhere", "POST", "own logins"): Case(lambda w: ("/logout/everywhere", {}), only(set(ROLES), 302),
                                                       lambda w: count(Login)),
    ("/language", "POST", "English"): Case(lambda w: ("/language", {"lang": "en", "next": "/"}), everyone(302)),

    # --- booking
    ("/book", "GET", "form"): Case(lambda w: ("/book", None), only(set(ROLES), 200)),
    # a room the role may not book is not among the form's choices: refused as invalid input (422)
    ("/book", "POST", "room in A"): Case(
        lambda w: ("/book", booking_form(w.room_a, 1)), {**only(set(ROLES), 302), "manager_b": 422},
        lambda w: count(Booking, Booking.room_id == w.room_a.id)),
    ("/book", "POST", "room in B"): Case(
        lambda w: ("/book", booking_form(w.room_b, 1)), {**only(set(ROLES), 302), "manager_a": 422},
        lambda w: count(Booking, Booking.room_id == w.room_b.id)),
    # free slots across the city: each role sees only rooms it may book (tests/test_free_slots.py)
    ("/free-slots", "GET", "Tuesday evenings"): Case(
        lambda w: ("/free-slots?weekdays=tue&after=18:00&submit=Suchen", None), only(set(ROLES), 200)),
    ("/my/bookings", "GET", "own"): Case(lambda w: ("/my/bookings", None), only(set(ROLES), 200)),
    ("/bookings/<int:booking_id>/cancel", "GET", "other_volunteer's in B"): Case(
        lambda w: (f"/bookings/{w.booking_b2.id}/cancel", None), only(STAFF_B | {"other_volunteer"}, 200, 404)),
    ("/bookings/<int:booking_id>/cancel", "POST", "other_volunteer's in B"): Case(
        lambda w: (f"/bookings/{w.booking_b2.id}/cancel", {"reason": "krank"}),
        only(STAFF_B | {"other_volunteer"}, 302, 404), lambda w: column(Booking.status, w.booking_b2.id)),
    ("/bookings/<int:booking_id>/change", "GET", "other_volunteer's in B"): Case(
        lambda w: (f"/bookings/{w.booking_b2.id}/change", None), only(STAFF_B | {"other_volunteer"}, 200, 404)),
    ("/bookings/<int:booking_id>/change", "POST", "other_volunteer's in B"): Case(
        lambda w: (f"/bookings/{w.booking_b2.id}/change", _change_form(w.booking_b2)),
        only(STAFF_B | {"other_volunteer"}, 302, 404), lambda w: column(Booking.title, w.booking_b2.id)),
    ("/booking-changes/<int:conflict_id>", "GET", "other_volunteer's displaced booking in B"): Case(
        lambda w: (f"/booking-changes/{w.conflict_b.id}", None), owner("other_volunteer", 200)),
    ("/booking-changes/<int:conflict_id>", "POST", "other_volunteer's displaced booking in B"): Case(
        lambda w: (f"/booking-changes/{w.conflict_b.id}", {"alternative": "0"}), owner("other_volunteer", 302),
        lambda w: column(Conflict.status, w.conflict_b.id)),
    # a room change's question about a volunteer's series: theirs alone (the mails link here)
    ("/my/changes/<int:item_id>", "GET", "other_volunteer's series in B"): Case(
        lambda w: (f"/my/changes/{w.question_b.id}", None), owner("other_volunteer", 200)),
    ("/my/changes/<int:item_id>", "POST", "other_volunteer's series in B, accept"): Case(
        lambda w: (f"/my/changes/{w.question_b.id}", {"answer": "accept"}), owner("other_volunteer", 302),
        lambda w: column(ChangeItem.status, w.question_b.id)),
    ("/department", "GET", "own provider"): Case(lambda w: ("/department", None), only({"department"}, 200)),
    # a volunteer's own skills and wishes: only volunteers keep such a profile
    ("/my/profile", "GET", "own"): Case(lambda w: ("/my/profile", None), only(VOLUNTEERS, 200)),
    ("/my/profile", "POST", "own"): Case(lambda w: ("/my/profile", profile_form(w)), only(VOLUNTEERS, 302),
                                         lambda w: count(VolunteerProfile)),
    # days away: a volunteer's own; someone else's absence is not found
    ("/my/absences", "POST", "own"): Case(
        lambda w: ("/my/absences", {"starts_on": f"{NEXT_YEAR}-07-01", "ends_on": f"{NEXT_YEAR}-07-14"}),
        only(VOLUNTEERS, 302), lambda w: count(VolunteerAbsence)),
    ("/my/absences/<int:absence_id>/delete", "POST", "other_volunteer's"): Case(
        lambda w: (f"/my/absences/{w.absence_b.id}/delete", {}), {**only(VOLUNTEERS, 302), "volunteer": 404},
        lambda w: column(VolunteerAbsence.id, w.absence_b.id)),

    # the start page and the mail settings: each person's own
    ("/start", "GET", "own"): Case(lambda w: ("/start", None), only(set(ROLES), 200)),
    ("/my/mail", "GET", "own"): Case(lambda w: ("/my/mail", None), only(set(ROLES), 200)),
    ("/my/mail", "POST", "own"): Case(lambda w: ("/my/mail", {"reminder_time": "morning"}), only(set(ROLES), 302),
                                      lambda w: count(MailSettings, MailSettings.reminder_time == "morning")),

    # --- feed links and personal data
    ("/feeds/tokens", "GET", "own"): Case(lambda w: ("/feeds/tokens", None), only(set(ROLES), 200)),
    ("/feeds/tokens", "POST", "my bookings feed"): Case(
        lambda w: ("/feeds/tokens", {"scope": "volunteer"}), only(set(ROLES), 200),
        lambda w: count(FeedToken)),
    # a feed the role may not have is not among the form's choices (400, like a malformed post)
    ("/feeds/tokens", "POST", "managed rooms feed"): Case(
        lambda w: ("/feeds/tokens", {"scope": "manager"}), only(STAFF, 200, 400),
        lambda w: count(FeedToken)),
    ("/feeds/tokens/<int:token_id>/rotate", "POST", "volunteer's"): Case(
        lambda w: (f"/feeds/tokens/{w.feed_token.id}/rotate", {}), owner("volunteer", 200),
        lambda w: column(FeedToken.revoked_at, w.feed_token.id)),
    ("/feeds/tokens/<int:token_id>/revoke", "POST", "volunteer's"): Case(
        lambda w: (f"/feeds/tokens/{w.feed_token.id}/revoke", {}), owner("volunteer", 302),
        lambda w: column(FeedToken.revoked_at, w.feed_token.id)),
    # team links: the department's members (and admins) make, rotate and revoke them; others may not
    ("/feeds/team-tokens", "POST", "the department's provider"): Case(
        lambda w: ("/feeds/team-tokens", {"provider": w.offer_b.providers[0].key, "scope": "department"}),
        only({"admin", "department"}, 200), lambda w: count(FeedToken, FeedToken.provider_id.is_not(None))),
    ("/feeds/tokens/<int:token_id>/rotate", "POST", "the department's team link"): Case(
        lambda w: (f"/feeds/tokens/{w.team_token.id}/rotate", {}), only({"admin", "department"}, 200, 404),
        lambda w: column(FeedToken.revoked_at, w.team_token.id)),
    ("/feeds/tokens/<int:token_id>/revoke", "POST", "the department's team link"): Case(
        lambda w: (f"/feeds/tokens/{w.team_token.id}/revoke", {}), only({"admin", "department"}, 302, 404),
        lambda w: column(FeedToken.revoked_at, w.team_token.id)),
    ("/privacy/", "GET", "own"): Case(lambda w: ("/privacy/", None), only(set(ROLES), 200)),
    ("/privacy/export.json", "GET", "own"): Case(lambda w: ("/privacy/export.json", None), only(set(ROLES), 200)),
    ("/privacy/delete", "POST", "own account, wrong password"): Case(
        lambda w: ("/privacy/delete", {"password": "wrong"}), only(set(ROLES), 403), lambda w: count(User)),
    ("/privacy/delete", "POST", "own account"): Case(
        lambda w: ("/privacy/delete", {"password": PASSWORD}), only(set(ROLES), 302), lambda w: count(User)),

    # --- the management area: staff, each for their own accommodations
    ("/manage/", "GET", "overview"): Case(lambda w: ("/manage/", None), only(STAFF, 200)),
    ("/manage/conflicts", "GET", "inbox"): Case(lambda w: ("/manage/conflicts", None), only(STAFF, 200)),
    ("/manage/audit", "GET", "trail"): Case(lambda w: ("/manage/audit", None), only(STAFF, 200)),
    ("/manage/rooms/<key>", "GET", "room in B"): Case(lambda w: (f"/manage/rooms/{w.room_b.key}", None),
                                                      b_managers(200)),
    ("/manage/rooms/<key>", "POST", "room in B"): Case(
        lambda w: (f"/manage/rooms/{w.room_b.key}", room_form()), b_managers(302),
        lambda w: column(Room.name, w.room_b.id)),
    ("/manage/rooms/<key>/closures", "POST", "room in B"): Case(
        lambda w: (f"/manage/rooms/{w.room_b.key}/closures", closure_form(8)), b_managers(302),
        lambda w: count(Closure, Closure.room_id == w.room_b.id)),
    ("/manage/closures/<int:closure_id>/remove", "POST", "closure in B"): Case(
        lambda w: (f"/manage/closures/{w.spare_closure_b.id}/remove", {}), b_managers(302),
        lambda w: column(Closure.id, w.spare_closure_b.id)),
    ("/manage/rooms/<key>/translations", "POST", "room in B"): Case(
        lambda w: (f"/manage/rooms/{w.room_b.key}/translations", {"translations-ar-name": "القاعة"}), b_managers(302),
        lambda w: column(Room.translations, w.room_b.id)),
    ("/manage/accommodations/<key>/public-offers", "GET", "B"): Case(
        lambda w: (f"/manage/accommodations/{w.room_b.accommodation.key}/public-offers", None), b_managers(200)),
    ("/manage/bookings/<int:booking_id>/hide", "POST", "public offer in B"): Case(
        lambda w: (f"/manage/bookings/{w.public_offer_b.id}/hide", {"reason": "Bitte erst mit der Hausleitung "
                                                                               "absprechen"}), b_managers(302),
        lambda w: column(Booking.hidden_at, w.public_offer_b.id)),
    ("/manage/changes", "GET", "list"): Case(lambda w: ("/manage/changes", None), only(STAFF, 200)),
    ("/manage/changes/<int:change_id>", "GET", "change in B"): Case(
        lambda w: (f"/manage/changes/{w.change_b.id}", None), b_managers(200)),
    ("/manage/changes/<int:change_id>", "POST", "change in B, the proposals"): Case(
        lambda w: (f"/manage/changes/{w.change_b.id}", {}), b_managers(302),
        lambda w: column(RoomChange.status, w.change_b.id)),
    ("/manage/conflicts/<int:conflict_id>", "GET", "conflict in B"): Case(
        lambda w: (f"/manage/conflicts/{w.conflict_b.id}", None), b_managers(200)),
    ("/manage/conflicts/<int:conflict_id>/resolve", "POST", "conflict in B"): Case(
        lambda w: (f"/manage/conflicts/{w.conflict_b.id}/resolve", {"action": "cancel", "note": "fällt aus"}),
        b_managers(302), lambda w: column(Conflict.status, w.conflict_b.id)),
    ("/manage/conflicts/<int:conflict_id>/resolve-series", "POST", "conflict in B, its series at once"): Case(
        lambda w: (f"/manage/conflicts/{w.conflict_b.id}/resolve-series", {"action": "cancel", "note": "fällt aus"}),
        b_managers(302), lambda w: column(Conflict.status, w.conflict_b.id)),
    ("/manage/plans", "GET", "list"): Case(lambda w: ("/manage/plans", None), only(STAFF, 200)),
    ("/manage/plans", "POST", "own houses"): Case(lambda w: ("/manage/plans", {}), only(STAFF, 302),
                                                  lambda w: count(PlanRun)),
    # B is not among manager_a's choices: refused as invalid input (422)
    ("/manage/plans", "POST", "scope B"): Case(
        lambda w: ("/manage/plans", {"scope": w.room_b.accommodation.key}), {**only(STAFF_B, 302), "manager_a": 422},
        lambda w: count(PlanRun)),
    ("/manage/plans/<int:run_id>", "GET", "run of B"): Case(lambda w: (f"/manage/plans/{w.run_b.id}", None),
                                                            b_managers(200)),
    # a run for the whole city is the coordinator's: no facility manager is told of it
    ("/manage/plans/<int:run_id>", "GET", "city run"): Case(lambda w: (f"/manage/plans/{w.city_run.id}", None),
                                                            {**only(COORDINATION, 200), "manager_a": 404,
                                                             "manager_b": 404}),
    ("/manage/plans/<int:run_id>/progress", "GET", "run of B"): Case(
        lambda w: (f"/manage/plans/{w.run_b.id}/progress", None), b_managers(200)),
    ("/manage/plans/<int:run_id>/<any(publish, discard):decision>", "POST", "discard failed run of B"): Case(
        lambda w: (f"/manage/plans/{w.run_b.id}/discard", {}), b_managers(302),
        lambda w: column(PlanRun.status, w.run_b.id)),
    ("/manage/plans/<int:run_id>/<any(publish, discard):decision>", "POST", "discard failed city run"): Case(
        lambda w: (f"/manage/plans/{w.city_run.id}/discard", {}),
        {**only(COORDINATION, 302), "manager_a": 404, "manager_b": 404},
        lambda w: column(PlanRun.status, w.city_run.id)),
    # publishing needs a solved plan (tests/manage/test_plan_runs.py); a failed run is refused with a
    # message even to its managers, so here nobody may change anything
    ("/manage/plans/<int:run_id>/<any(publish, discard):decision>", "POST", "publish failed run of B"): Case(
        lambda w: (f"/manage/plans/{w.run_b.id}/publish", {}), b_managers(302),
        lambda w: column(PlanRun.status, w.run_b.id), succeeds_unchanged=True),

    # the council's report: every manager for their own houses, the city for coordinators and admins
    ("/manage/reports", "GET", "report"): Case(lambda w: ("/manage/reports", None), only(STAFF, 200)),

    # --- city-wide work: the coordinator and admins
    ("/manage/coverage", "GET", "dashboard"): Case(lambda w: ("/manage/coverage", None), only(COORDINATION, 200)),
    ("/manage/coverage/print", "GET", "print"): Case(lambda w: ("/manage/coverage/print", None),
                                                     only(COORDINATION, 200)),
    # now the coverage table of the report's CSV, where it leads
    ("/manage/coverage.csv", "GET", "csv"): Case(lambda w: ("/manage/coverage.csv", None), only(COORDINATION, 302)),
    ("/manage/coverage/<key>/<category>", "GET", "B, office hours"): Case(
        lambda w: (f"/manage/coverage/{w.room_b.accommodation.key}/office_hours", None), only(COORDINATION, 200)),
    ("/manage/offers", "GET", "list"): Case(lambda w: ("/manage/offers", None), only(COORDINATION, 200)),
    ("/manage/offers/new", "GET", "form"): Case(lambda w: ("/manage/offers/new", None), only(COORDINATION, 200)),
    ("/manage/offers/new", "POST", "offer in B"): Case(
        lambda w: ("/manage/offers/new", offer_form(w)), only(COORDINATION, 302), lambda w: count(Offer)),
    ("/manage/offers/<key>", "GET", "offer in B"): Case(lambda w: (f"/manage/offers/{w.offer_b.key}", None),
                                                        only(COORDINATION, 200)),
    ("/manage/offers/<key>", "POST", "offer in B"): Case(
        lambda w: (f"/manage/offers/{w.offer_b.key}", offer_form(w)), only(COORDINATION, 302),
        lambda w: column(Offer.title, w.offer_b.id)),
    ("/manage/accommodations/<key>/requirements", "GET", "B"): Case(
        lambda w: (f"/manage/accommodations/{w.room_b.accommodation.key}/requirements", None),
        only(COORDINATION, 200)),
    ("/manage/accommodations/<key>/requirements", "POST", "B"): Case(
        lambda w: (f"/manage/accommodations/{w.room_b.accommodation.key}/requirements",
                   {"residents": "61", "minutes_office_hours": "120"}),
        only(COORDINATION, 302), lambda w: column(Accommodation.residents, w.room_b.accommodation_id)),
    ("/manage/outbox", "GET", "outbox"): Case(lambda w: ("/manage/outbox", None), only(COORDINATION, 200)),
    ("/manage/volunteers", "GET", "deployment of every volunteer"): Case(
        lambda w: ("/manage/volunteers", None), only(COORDINATION, 200)),

    # --- joining: public forms and mailed links (the secret is the permission), the coordinator's decisions
    ("/mitmachen", "GET", "form"): Case(lambda w: ("/mitmachen", None), everyone(200)),
    ("/mitmachen", "POST", "a sign-up"): Case(lambda w: ("/mitmachen", SIGN_UP), everyone(302),
                                              lambda w: count(Registration)),
    ("/mitmachen/confirm/<secret>", "GET", "a live link"): Case(
        lambda w: (f"/mitmachen/confirm/{_registration(w, 'unconfirmed')}", None), everyone(200)),
    ("/mitmachen/confirm/<secret>", "POST", "a live link"): Case(
        lambda w: (f"/mitmachen/confirm/{_registration(w, 'unconfirmed')}", {}), everyone(200),
        lambda w: column(Registration.status, w.registration.id)),
    ("/password/reset", "GET", "form"): Case(lambda w: ("/password/reset", None), everyone(200)),
    ("/password/reset", "POST", "the volunteer's address"): Case(
        lambda w: ("/password/reset", {"email": w.users["volunteer"].email}), everyone(302),
        lambda w: count(OutboxMessage)),
    ("/password/new/<secret>", "GET", "other_volunteer's reset link"): Case(
        lambda w: (f"/password/new/{_reset_link(w)}", None), everyone(200)),
    ("/password/new/<secret>", "POST", "other_volunteer's reset link"): Case(
        lambda w: (f"/password/new/{_reset_link(w)}", {"password": "ein-neues-passwort",
                                                        "repeat": "ein-neues-passwort"}), everyone(200),
        lambda w: column(User.password_hash, w.users["other_volunteer"].id)),
    ("/invitation/<secret>", "GET", "an invitation"): Case(lambda w: (f"/invitation/{_invitation(w)}", None),
                                                            everyone(200)),
    ("/invitation/<secret>", "POST", "an invitation"): Case(
        lambda w: (f"/invitation/{_invitation(w)}", {"name": "Neu", "password": "ein-neues-passwort",
                                                     "repeat": "ein-neues-passwort"}), everyone(200),
        lambda w: count(User)),
    ("/manage/registrations", "GET", "awaiting a decision"): Case(lambda w: ("/manage/registrations", None),
                                                                 only(COORDINATION, 200)),
    ("/manage/registrations/<int:registration_id>/<any(approve, decline):decision>", "POST", "approve"): Case(
        lambda w: (f"/manage/registrations/{_registration(w, 'confirmed') and w.registration.id}/approve", {}),
        only(COORDINATION, 302), lambda w: column(Registration.status, w.registration.id)),
    ("/manage/registrations/<int:registration_id>/<any(approve, decline):decision>", "POST", "decline"): Case(
        lambda w: (f"/manage/registrations/{_registration(w, 'confirmed') and w.registration.id}/decline",
                   {"message": "Leider nicht."}),
        only(COORDINATION, 302), lambda w: column(Registration.status, w.registration.id)),
    # coordinators invite volunteers, admins anyone (tests/joining/test_invitations.py)
    ("/manage/invitations", "POST", "a volunteer"): Case(
        lambda w: ("/manage/invitations", {"invite-email": "eingeladen@example.org", "invite-role": "volunteer",
                                           "invite-language": "de"}),
        only(COORDINATION, 302), lambda w: count(AccountToken)),
    # asking volunteers to fill a gap: the coordination asks, the one asked answers
    ("/manage/coverage/<key>/<category>/ask", "POST", "B, counselling"): Case(
        _ask_form, only(COORDINATION, 302), lambda w: _help_asks()),
    ("/manage/help-requests", "GET", "all"): Case(lambda w: ("/manage/help-requests", None), only(COORDINATION, 200)),
    ("/manage/help-requests/<int:request_id>", "GET", "in B"): Case(
        lambda w: (f"/manage/help-requests/{_help_b(w)[1].request_id}", None), only(COORDINATION, 200)),
    ("/manage/help-requests/<int:request_id>/asks/<int:ask_id>/withdraw", "POST", "in B"): Case(
        lambda w: (f"/manage/help-requests/{_help_b(w)[1].request_id}/asks/{_help_b(w)[1].id}/withdraw", {}),
        only(COORDINATION, 302), _ask_status),
    ("/my/help-requests", "GET", "own"): Case(lambda w: ("/my/help-requests", None), only(VOLUNTEERS, 200)),
    ("/my/help-requests/<int:ask_id>", "GET", "other_volunteer's"): Case(
        lambda w: (f"/my/help-requests/{_help_b(w)[1].id}", None), owner("other_volunteer", 200)),
    ("/my/help-requests/<int:ask_id>", "POST", "other_volunteer's"): Case(
        lambda w: (f"/my/help-requests/{_help_b(w)[1].id}", {"answer": "decline"}), owner("other_volunteer", 302),
        _ask_status),
    # trainings and qualifications: the coordination runs them, volunteers sign themselves up
    ("/manage/trainings", "GET", "all"): Case(lambda w: ("/manage/trainings", None), only(COORDINATION, 200)),
    ("/manage/trainings/new", "GET", "form"): Case(lambda w: ("/manage/trainings/new", None), only(COORDINATION, 200)),
    ("/manage/trainings/new", "POST", "at an outside place"): Case(
        lambda w: ("/manage/trainings/new", training_form()), only(COORDINATION, 302), lambda w: count(Training)),
    ("/manage/trainings/<int:training_id>", "GET", "one"): Case(
        lambda w: (f"/manage/trainings/{a_training(w)[0]}", None), only(COORDINATION, 200)),
    ("/manage/trainings/<int:training_id>/sessions/<int:session_id>/attendance", "POST", "the volunteer there"): Case(
        _attendance_form, only(COORDINATION, 302), lambda w: count(Attendance)),
    ("/manage/trainings/<int:training_id>/signups/<int:signup_id>/cancel", "POST", "volunteer's"): Case(
        lambda w: ("/manage/trainings/{}/signups/{}/cancel".format(*a_training(w)), {}), only(COORDINATION, 302),
        lambda w: column(TrainingSignup.status, _newest(TrainingSignup))),
    ("/manage/volunteers/<int:user_id>/qualifications", "GET", "other_volunteer's"): Case(
        lambda w: (f"/manage/volunteers/{w.users['other_volunteer'].id}/qualifications", None),
        only(COORDINATION, 200)),
    ("/manage/volunteers/<int:user_id>/qualifications", "POST", "first aid seen"): Case(
        lambda w: (f"/manage/volunteers/{w.users['other_volunteer'].id}/qualifications",
                   {"kind": "first_aid", "seen_on": clock.today().isoformat()}),
        only(COORDINATION, 302), lambda w: count(Qualification)),
    ("/manage/volunteers/<int:user_id>/qualifications/<int:qualification_id>/delete", "POST", "other_volunteer's"):
        Case(_qualification_delete, only(COORDINATION, 302), lambda w: count(Qualification)),
    ("/my/trainings", "GET", "own"): Case(lambda w: ("/my/trainings", None), only(VOLUNTEERS, 200)),
    ("/my/trainings/<int:training_id>/signup", "POST", "oneself"): Case(
        lambda w: (f"/my/trainings/{a_training(w, sign_up=False)[0]}/signup", {}), only(VOLUNTEERS, 302),
        lambda w: count(TrainingSignup)),
    ("/my/trainings/<int:training_id>/cancel", "POST", "the volunteer's own"): Case(
        lambda w: (f"/my/trainings/{a_training(w)[0]}/cancel", {}), {**only(VOLUNTEERS, 302), "other_volunteer": 404},
        lambda w: column(TrainingSignup.status, _newest(TrainingSignup))),
}

SIGN_UP = {"name": "Amal", "email": "amal@example.org", "languages": "ar", "skills": "language_course",
           "consent": "y"}


def _registration(w: WebWorld, status: str) -> str:
    """A registration of `status` (kept as w.registration), with its confirmation link's secret."""
    w.registration = Registration(email="angemeldet@example.org", display_name="Angemeldet", status=status,
                                  consented_at=clock.now(), confirmed_at=clock.now() if status == "confirmed" else None)
    db.session.add(w.registration)
    db.session.flush()
    _token, secret = joining.issue_token(db.session, TokenPurpose.CONFIRM, dt.timedelta(hours=1),
                                         registration_id=w.registration.id)
    return secret


def _reset_link(w: WebWorld) -> str:
    _token, secret = joining.issue_token(db.session, TokenPurpose.RESET, dt.timedelta(hours=1),
                                         user_id=w.users["other_volunteer"].id)
    return secret


def _invitation(w: WebWorld) -> str:
    _token, secret = joining.issue_token(db.session, TokenPurpose.INVITATION, dt.timedelta(hours=1),
                                         email="eingeladen@example.org", role="volunteer")
    return secret


def _web_rules(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            if not rule.endpoint.startswith("api.") and rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_web_route_is_in_the_matrix(app):
    assert _web_rules(app) == {(rule, method) for rule, method, _case in CASES}


def _rule_of(app, url: str, method: str) -> str:
    rule, _values = app.url_map.bind("localhost").match(urlsplit(url).path, method=method, return_rule=True)
    return rule.rule


def _open_session(client, w: WebWorld, role: str) -> str:
    """Log in through the real form (anonymous: only open a session); the CSRF token of the session."""
    if role != ANON:
        login(client, w.users[role].email, PASSWORD)
    return csrf_token(client.get("/").get_data(as_text=True))


def _allowed(status: int | str) -> bool:
    return status != LOGIN and status < 400


@pytest.mark.parametrize("role", [*ROLES, ANON])
@pytest.mark.parametrize("case", list(CASES), ids=[" ".join(c) for c in CASES])
def test_role_gets_exactly_what_it_may(app, client, web_world, case, role, monkeypatch, tmp_path):
    monkeypatch.setattr(plan_runs, "launch", lambda app_, run_id: None)  # queued is enough here
    monkeypatch.setitem(app.config, "ROOMBOOK_CALENDARS_DIR", str(tmp_path))  # no published files
    rule, method, _name = case
    url, form = CASES[case].request(web_world)
    assert _rule_of(app, url, method) == rule, "the case's URL must reach the rule it is listed under"
    want = CASES[case].expected.get(role, LOGIN)
    token = _open_session(client, web_world, role)
    reading = CASES[case].state(web_world) if CASES[case].state else None
    before = reading() if reading else None

    if method == "GET":
        answer = client.get(url)
    else:
        answer = client.post(url, data={**form, "csrf_token": token})

    where = answer.headers.get("Location", "")
    if want == LOGIN:
        assert answer.status_code == 302 and "/login" in where, (case, role, answer.status_code, where)
    else:
        assert answer.status_code == want, (case, role, answer.status_code, where)
        assert "/login" not in where, (case, role, where)
    if reading is not None:
        after = reading()
        if _allowed(want) and not CASES[case].succeeds_unchanged:
            assert after != before, f"{role} was allowed but nothing changed: the form did not get through"
        else:
            assert after == before, f"refused, yet the database changed for {role}"
