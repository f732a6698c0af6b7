"""Booking through the pages: the form, refusals with alternatives, weekly series, my bookings, cancelling."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.models import Booking, User
from tests.conftest import login
from tests.web.conftest import OTHER, next_monday, post

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


def _book(client, **fields):
    data = {"room": "nord-gr", "date": next_monday().isoformat(), "start": "12:00", "end": "13:00",
            "title": "Lesecafé", "weeks": "1", **fields}
    return post(client, "/book", data)


def _mine(session, email="volunteer@example.org"):
    user = session.scalar(sa.select(User).where(User.email == email))
    return session.scalars(sa.select(Booking).where(Booking.user_id == user.id, Booking.status == "active")
                           .order_by(Booking.starts_at)).all()


def test_booking_a_free_slot_shows_it_in_my_bookings(web, session):
    login(web, "volunteer@example.org")
    response = _book(web)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/my/bookings")
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gebucht: Lesecafé, 1 Termin." in page
    assert "Lesecafé" in page.split("Kommende", 1)[1]


def test_free_slot_link_prefills_the_form(web):
    login(web, "volunteer@example.org")
    week = web.get(f"/accommodations/nord?week={next_monday().isoformat()}").get_data(as_text=True)
    links = [html.unescape(h) for h in re.findall(r'href="(/book\?[^"]+start=[^"]+)"', week)]
    assert links, "the week view offers free slots to a volunteer"
    form = web.get(links[0]).get_data(as_text=True)
    assert 'value="nord-gr" selected' in form or "selected" in form
    assert re.search(r'name="start"[^>]*value="\d\d:\d\d"', form)


def test_a_clash_is_refused_with_reason_and_one_click_alternatives(web):
    login(web, "volunteer@example.org")
    response = _book(web, start="09:30", end="10:30")  # Deutschkurs A1 runs Mondays 09:00-10:30
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nicht gebucht" in page and "Deutschkurs A1" in page and "belegt" in page
    alternatives = re.findall(r'<ul class="alternatives">(.*?)</ul>', page, re.S)[0]
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', alternatives)]
    assert len(links) >= 3
    assert all("title=Lesecaf" in link and "room=" in link and "start=" in link for link in links)


@pytest.mark.parametrize("fields,message", [
    ({"start": "19:00", "end": "21:00"}, "nicht durchgehend geöffnet"),
    ({"start": "08:00", "end": "13:00"}, "höchstens 240 Minuten"),
    ({"start": "13:00", "end": "12:00"}, "Das Ende muss nach dem Beginn liegen"),
])
def test_every_refusal_says_why(web, fields, message):
    login(web, "volunteer@example.org")
    response = _book(web, **fields)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)


def test_booking_in_the_past_is_refused(web):
    login(web, "volunteer@example.org")
    response = _book(web, date=(clock.today() - dt.timedelta(days=3)).isoformat())
    assert response.status_code == 409
    assert "Vergangenheit" in response.get_data(as_text=True)


@pytest.mark.parametrize("fields", [
    {"date": "31.02.2027"}, {"date": ""}, {"start": "25:00"}, {"end": "noon"}, {"title": ""},
    {"title": "x" * 201}, {"weeks": "0"}, {"weeks": "53"}, {"weeks": "viele"}, {"room": "atlantis"},
])
def test_bad_input_gets_a_message_on_the_form_never_a_500(web, session, fields):
    login(web, "volunteer@example.org")
    before = len(_mine(session))
    response = _book(web, **fields)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert len(_mine(session)) == before


def test_weekly_series_lists_clashing_weeks_and_books_the_rest_only_when_asked(web, session):
    login(web, "volunteer@example.org")
    before = len(_mine(session))
    # Wednesdays 17:00 in nord-gr: the second volunteer holds next week's.
    data = {"date": (next_monday() + dt.timedelta(days=2)).isoformat(), "start": "16:30", "end": "17:30",
            "weeks": "3", "title": "Chor"}
    first = _book(web, **data)
    page = first.get_data(as_text=True)
    assert first.status_code == 409
    assert "1 Woche kann nicht gebucht werden" in page and "Es ist noch nichts gebucht" in page
    assert "Die übrigen 2 Wochen buchen" in page and "Nichts buchen" in page
    assert len(_mine(session)) == before
    second = _book(web, **data, book_rest="y")
    assert second.status_code == 302
    booked = _mine(session)
    assert len(booked) == before + 2
    assert len({b.series for b in booked if b.title == "Chor"}) == 1
    done = web.get(second.headers["Location"]).get_data(as_text=True)
    assert "Nicht gebucht am" in done and "belegt" in done  # the week left out, and why


def test_cancel_with_a_reason(web, session):
    login(web, "volunteer@example.org")
    booking = _mine(session)[0]
    assert post(web, f"/bookings/{booking.id}/cancel", {"reason": ""}).status_code == 422
    response = post(web, f"/bookings/{booking.id}/cancel", {"reason": "Bin krank"})
    assert response.status_code == 302
    page = web.get("/my/bookings").get_data(as_text=True)
    past = page.split("Vergangene und abgesagte", 1)[1]
    assert booking.title in past and "Bin krank" in past and "abgesagt" in past
    session.refresh(booking)
    assert booking.status == "cancelled"
    # cancelling again is explained, not an error page
    again = post(web, f"/bookings/{booking.id}/cancel", {"reason": "nochmal"})
    assert again.status_code in (200, 302)


def test_no_one_sees_or_cancels_another_volunteers_booking(web, session):
    theirs = _mine(session, OTHER["email"])[0]
    login(web, "volunteer@example.org")
    assert web.get(f"/bookings/{theirs.id}/cancel").status_code == 404
    assert post(web, f"/bookings/{theirs.id}/cancel", {"reason": "weg"}, page="/my/bookings").status_code == 404
    assert OTHER["nord"] not in web.get("/my/bookings").get_data(as_text=True)
    session.refresh(theirs)
    assert theirs.status == "active"


def test_the_manager_of_the_accommodation_may_cancel_a_volunteers_booking(web, session):
    theirs = [b for b in _mine(session, OTHER["email"]) if b.room.key == "nord-gr"][0]
    login(web, "manager@example.org")
    assert web.get(f"/bookings/{theirs.id}/cancel").status_code == 200
    southern = [b for b in _mine(session, OTHER["email"]) if b.room.key == "sued-gr"][0]
    assert web.get(f"/bookings/{southern.id}/cancel").status_code == 404


def test_my_bookings_links_to_the_calendar_subscription(web):
    login(web, "volunteer@example.org")
    page = web.get("/my/bookings").get_data(as_text=True)
    assert "Meinen Kalender abonnieren" in page
    assert re.search(r'href="/(calendars|feeds)/[^"]*">Meinen Kalender abonnieren', page)


def test_the_room_rule_on_open_bookings_is_explained(web, session):
    room = session.scalar(sa.select(Booking).where(Booking.title == "Fahrradwerkstatt")).room
    room.max_open_bookings = 2  # the demo volunteer already holds two
    session.flush()
    login(web, "volunteer@example.org")
    response = _book(web)
    assert response.status_code == 409
    assert "offene Buchungen" in response.get_data(as_text=True)


def test_a_series_counts_once_and_at_the_limit_every_week_is_refused_with_the_reason(web, session):
    from roombook.booking.policy import _open_bookings

    room = session.scalar(sa.select(Booking).where(Booking.title == "Fahrradwerkstatt")).room
    volunteer = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    room.max_open_bookings = _open_bookings(session, volunteer, room, clock.now()) + 1  # room for one more
    session.flush()
    before = len(_mine(session))
    login(web, "volunteer@example.org")
    first = _book(web, room=room.key, weeks="3")
    assert first.status_code == 302, "three weeks are one open booking"
    assert len(_mine(session)) == before + 3
    second = _book(web, room=room.key, weeks="3", start="14:00", end="15:00")
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Die Höchstzahl ist erreicht" in page and "Keine der Wochen kann gebucht werden" in page
    assert len(_mine(session)) == before + 3


@pytest.mark.parametrize("query", ["date=2027-13-01&start=99:99", "weeks=viele&room=atlantis", "title=" + "x" * 500,
                                   "date=&start=&end=", "room=nord-gr&date=2027-01-01&start=10:00&end=09:00"])
def test_a_garbled_prefill_link_still_shows_the_form(web, query):
    login(web, "volunteer@example.org")
    response = web.get(f"/book?{query}")
    assert response.status_code in (200, 422)
    assert '<form method="post" action="/book"' in response.get_data(as_text=True)
