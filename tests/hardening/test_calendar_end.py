"""Hardening 12: a weekly series near the end of the calendar is refused whole, never silently cut short, and a
span far too long for a booking is refused at once, before opening hours are expanded over it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook.booking.errors import BookingError
from roombook.booking.service import book_room, book_weekly
from roombook.models import Booking
from tests.factories import ALL_WEEK, local

NOW = local(2027, 2, 1, 9)


def test_a_series_running_past_the_calendars_end_books_nothing(session, make_room, make_user):
    room = make_room(open=ALL_WEEK)
    admin = make_user("admin")
    with pytest.raises(BookingError) as refused:
        book_weekly(session, admin, room, local(9999, 11, 3, 10), local(9999, 11, 3, 11), "Chor", 52,
                    book_rest=True, now=NOW)
    assert refused.value.field == "weeks"
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_a_booking_of_centuries_is_refused_before_opening_hours_are_expanded(session, make_room, make_user,
                                                                              monkeypatch):
    from roombook.booking import service

    room = make_room(open=ALL_WEEK)
    admin = make_user("admin")
    expanded = []
    monkeypatch.setattr(service, "opening_intervals", lambda *args: expanded.append(args) or [])
    with pytest.raises(BookingError) as refused:
        book_room(session, admin, room, local(2027, 3, 1, 10), local(2327, 3, 1, 10), "Dauerbelegung", now=NOW)
    assert refused.value.field == "end"
    assert expanded == []  # three centuries of opening windows (3 s in the review) are never built


def test_the_api_answers_a_series_past_the_calendars_end_with_422(client, session, make_room, make_user):
    from roombook.access.api_tokens import create_api_token

    room = make_room(open=ALL_WEEK, max_days_ahead=4000000)
    secret = create_api_token(session, make_user("admin"), "t")[1]
    answer = client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {secret}"}, json={
        "room": room.id, "start": "9999-11-03T10:00", "end": "9999-11-03T11:00", "title": "Chor", "weeks": 52})
    assert answer.status_code == 422 and answer.get_json()["field"] == "weeks", answer.get_json()
    assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
