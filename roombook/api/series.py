"""API for weekly booking series: booking one, reading it with every week and its state, and changing or
cancelling this date, this and following, or the whole series (`?scope=this|following|series`).

Gates as for single bookings: the owner, and staff for the accommodations they manage; anyone else's
booking or series is answered like a missing one.
"""
from __future__ import annotations

from flask import request, url_for

from roombook import clock
from roombook.access.permissions import (
    can_book,
    can_cancel_booking,
    can_change_booking,
    can_see_series,
)
from roombook.api.access import current_user, find, load_booking, require
from roombook.api.blueprint import bp
from roombook.api.idempotency import idempotent, remember
from roombook.api.problems import ApiProblem, invalid
from roombook.api.schemas import (
    alternative_json,
    booking_json_for,
    offer_details,
    parse_instant,
    parse_int,
    request_json,
    series_json,
    text,
)
from roombook.api.views import booking_input, explained
from roombook.booking import BookingConflict, BookingError, book_weekly
from roombook.booking import series as rules
from roombook.booking.service import MAX_WEEKS
from roombook.db import db, transaction
from roombook.i18n import N_
from roombook.models import Booking, BookingSeries
from roombook.notifications import confirming
from roombook.notifications.booking_changes import tell_owner


def _load_series(series_id: int, user) -> BookingSeries:
    series = find(BookingSeries, series_id)
    if series is None or not can_see_series(user, series):
        raise ApiProblem(404, "Not found", f"No booking series {series_id}.", kind="not-found")
    return series


def _scope() -> str:
    try:
        return rules.parse_scope(request.args.get("scope"))
    except BookingError as exc:
        raise invalid("scope", exc.message) from None


def _weeks(body: dict, start, tz) -> int:
    """`weeks` or `until` (the date of the last week), exactly one of them; a series has at least two weeks."""
    if ("weeks" in body) == ("until" in body):
        raise invalid("weeks", "give either 'weeks' or 'until'")
    if "weeks" in body:
        return parse_int(body["weeks"], "weeks", minimum=2, maximum=MAX_WEEKS)
    until = parse_instant(body["until"], "until", tz).astimezone(tz).date()
    try:
        weeks = rules.weeks_until(start.astimezone(tz).date(), until)
    except BookingError as exc:
        raise invalid("until", exc.message) from None
    if weeks < 2:
        raise invalid("until", "a series has at least two weeks: 'until' must be a week or more after 'start'")
    return weeks


@bp.post("/booking-series")
@idempotent
def create_booking_series():
    """A weekly series. All or nothing by default: if any week is refused, nothing is booked and each refusal
    is listed; with `book_rest` the other weeks are booked and the refused ones kept in the series."""
    user = current_user()
    body, room = booking_input({"weeks", "until", "book_rest"})
    start = parse_instant(body["start"], "start", room.tz)
    end = parse_instant(body["end"], "end", room.tz)
    title = text(body, "title", maximum=200)
    weeks = _weeks(body, start, room.tz)
    book_rest = body.get("book_rest", False)
    if not isinstance(book_rest, bool):
        raise invalid("book_rest", "true or false")
    require(can_book(user, room), "Your role may not book this room.")
    details = offer_details(body, room)
    with explained(room), transaction() as session:
        result = book_weekly(session, user, room, start, end, title, weeks, book_rest=book_rest, details=details)
        confirming.confirm_booked(session, user, result.booked)
        answer = None
        if result.booked:
            series = session.get(BookingSeries, result.booked[0].series_id)
            answer = series_json(rules.view_series(session, series), user)
            remember(session, user, 201, answer)
    if answer is None:
        conflicts = any(isinstance(exc, BookingConflict) for _, exc in result.refused)
        refused = [{"start": s.astimezone(room.tz).isoformat(), "field": exc.field, "detail": exc.message}
                   for s, exc in result.refused]
        raise ApiProblem(409 if conflicts else 422, "Weeks refused",
                         f"{len(refused)} of {weeks} weeks cannot be booked; nothing was booked.",
                         kind="series-refused", field="start", refused=refused)
    return answer, 201, {"Location": url_for("api.get_booking_series", series_id=answer["id"])}


@bp.get("/booking-series/<int:series_id>")
def get_booking_series(series_id: int):
    user = current_user()
    return series_json(rules.view_series(db.session, _load_series(series_id, user)), user)


def _refused_problem(booking: Booking, refused: rules.SeriesChangeRefused) -> ApiProblem:
    tz = booking.room.tz
    room_ids = {r.key: r.id for r in booking.room.accommodation.rooms}
    items = [{"booking": date.id, "start": start.astimezone(tz).isoformat(), "field": exc.field,
              "detail": exc.message, "alternatives": [alternative_json(a, room_ids, tz) for a in exc.alternatives]}
             for date, start, exc in refused.refused]
    return ApiProblem(409, "Change refused", refused.message, kind="change-refused", field=refused.field,
                      refused=items)


@bp.patch("/bookings/<int:booking_id>")
def change_booking(booking_id: int):
    """Set the given fields on this date, this and the following ones, or every date of its series."""
    user = current_user()
    booking = load_booking(booking_id, user)
    scope = _scope()
    body = request_json()
    if not isinstance(body, dict):
        raise invalid("body", "a JSON object is required")
    try:
        changes = rules.parse_changes(body)
    except BookingError as exc:
        raise invalid(exc.field, exc.message) from None
    if "title" in changes:
        text(body, "title", maximum=200)  # the one text rule of the API (no control characters …)
    require(can_change_booking(user, booking), "You may not change this booking.")
    try:
        with transaction() as session:
            before = {b.id: b.starts_at for b in rules.dates_in_scope(session, booking, scope, clock.now())}
            changed = rules.change_dates(session, user, booking, scope, changes)
            tell_owner(session, user, changed, cancelled=False, before=before)
            if booking.user_id == user.id:  # their calendar follows their own change
                confirming.confirm_changed(session, user, [(b, before.get(b.id, b.starts_at)) for b in changed])
            series = rules.series_of(session, booking)
            answer = {"scope": scope, "changed": [booking_json_for(b, user) for b in changed],
                      "series": series_json(rules.view_series(session, series), user) if series else None}
    except rules.SeriesChangeRefused as refused:
        raise _refused_problem(booking, refused) from None
    except BookingError as exc:
        raise invalid(exc.field, exc.message) from None
    return answer


@bp.delete("/bookings/<int:booking_id>")
def delete_booking(booking_id: int):
    """Cancel this date, this and the following ones, or the whole series; one reason for all of them."""
    user = current_user()
    booking = load_booking(booking_id, user)
    require(can_cancel_booking(user, booking), "You may not cancel this booking.")
    scope = _scope()
    reason = text(request.args, "reason", maximum=300, default="", multiline=True)
    with explained(booking.room), transaction() as session:
        cancelled = rules.cancel_dates(session, user, booking, scope, reason or N_("storniert"))
        if booking.user_id == user.id:
            confirming.confirm_cancelled(session, cancelled)
        else:  # staff cancelled someone's dates: the owner hears it as a notice (one mail for all of them)
            tell_owner(session, user, cancelled, cancelled=True, reason=reason)
        answer = booking_json_for(booking, user)
    return answer
