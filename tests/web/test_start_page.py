"""The start page after login, one per role, and the page where a person chooses their mails."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook.models import Booking, Conflict, MailSettings, User
from tests.conftest import login
from tests.web.conftest import OTHER, post

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


def _start_after_login(client, email: str) -> str:
    answer = login(client, email)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/start")
    page = client.get("/start")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_login_leads_a_volunteer_to_their_next_dates_and_series(web):
    page = _start_after_login(web, "volunteer@example.org")
    assert "Ihre nächsten Termine" in page and "Fahrradwerkstatt" in page
    assert "Ihre wöchentlichen Reihen" in page and "Deutsch-Gesprächsgruppe" in page
    assert "Offene Entscheidungen" not in page and "Lücken in der Abdeckung" not in page
    assert OTHER["nord"] not in page  # nobody else's bookings


def test_a_department_sees_its_next_office_hours_and_what_changed(web):
    page = _start_after_login(web, "department@example.org")
    assert "Ihre nächsten Sprechstunden" in page and "Was sich geändert hat" in page
    assert "Offene Entscheidungen" not in page


def test_a_facility_manager_sees_open_changes_and_conflicts_of_their_houses(web):
    page = _start_after_login(web, "manager@example.org")
    assert "Offene Entscheidungen" in page
    assert "offene Konflikte" in page or "offener Konflikt" in page
    assert "Lücken in der Abdeckung" not in page


def test_the_coordinator_sees_the_coverage_gaps(web):
    page = _start_after_login(web, "coordinator@example.org")
    assert "Lücken in der Abdeckung" in page and "/manage/coverage" in page


def test_a_login_with_a_next_page_still_goes_there(web):
    from tests.conftest import csrf_token
    token = csrf_token(web.get("/login").get_data(as_text=True))
    answer = web.post("/login?next=/my/bookings", data={"email": "volunteer@example.org", "password": "demo",
                                                          "csrf_token": token})
    assert answer.headers["Location"].endswith("/my/bookings")


def test_the_start_page_needs_a_login(web):
    assert web.get("/start").status_code in (302, 401)


def test_mail_settings_switch_confirmations_and_reminders_off(web, session):
    login(web, "volunteer@example.org")
    page = web.get("/my/mail").get_data(as_text=True)
    assert "immer" in page  # notices of changes cannot be switched off
    answer = post(web, "/my/mail", {"reminder_time": "morning"})
    assert answer.status_code == 302
    user = session.query(User).filter_by(email="volunteer@example.org").one()
    saved = session.get(MailSettings, user.id)
    assert (saved.confirmations, saved.reminders, saved.reminder_time) == (False, False, "morning")
    post(web, "/my/mail", {"confirmations": "y", "reminders": "y", "reminder_time": "evening"})
    session.refresh(saved)
    assert (saved.confirmations, saved.reminders, saved.reminder_time) == (True, True, "evening")


def test_an_unknown_reminder_time_is_refused_at_the_field(web):
    login(web, "volunteer@example.org")
    answer = post(web, "/my/mail", {"reminder_time": "midnight"})
    assert answer.status_code == 422 and 'id="reminder_time-error"' in answer.get_data(as_text=True)


def test_a_volunteer_sees_a_displaced_booking_with_the_way_to_an_alternative(web, session):
    volunteer = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    booking = session.scalars(sa.select(Booking).where(Booking.user_id == volunteer.id)
                              .order_by(Booking.starts_at)).first()
    booking.status = "displaced"
    conflict = Conflict(kind="displaced_booking", accommodation_id=booking.room.accommodation_id,
                        room_id=booking.room_id, booking_id=booking.id, summary="verdrängt")
    session.add(conflict)
    session.flush()
    page = _start_after_login(web, "volunteer@example.org")
    assert "Buchungen, die nicht stattfinden können" in page and f"/booking-changes/{conflict.id}" in page
    # nobody else is shown it
    post(web, "/logout", {}, page="/start")
    assert f"/booking-changes/{conflict.id}" not in _start_after_login(web, OTHER["email"])
