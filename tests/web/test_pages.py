"""The week view, the department page, the public schedule and poster, and the page language."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.clock import week_of
from roombook.i18n.public_texts import LANGUAGES, short_date
from roombook.models import Booking, Room
from roombook.scenario.demo import maintenance_day
from tests.conftest import login
from tests.web.conftest import OTHER, next_monday, post

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


def _week(client, key="nord", monday=None):
    return client.get(f"/accommodations/{key}?week={(monday or next_monday()).isoformat()}").get_data(as_text=True)


def test_week_view_shows_rooms_side_by_side_monday_to_sunday(web):
    page = _week(web)
    assert page.count('class="day') == 7
    assert "Gemeinschaftsraum" in page and "Beratungsraum" in page
    # the two social rooms and the library recorded as Nord's alternative venue, where a room change may move things
    assert "Stadtteilbibliothek Nord" in page
    assert len(re.findall(r'<div class="room( selected)?">', page)) == 21
    assert "geöffnet 08:00–20:00" in page and "geöffnet 10:00–16:00" in page  # weekdays and Saturday
    assert "Deutschkurs A1" in page and "garantiert" in page
    assert "Vorherige Woche" in page and "Nächste Woche" in page


def test_week_view_highlights_today(web):
    page = web.get(f"/accommodations/nord?week={clock.today().isoformat()}").get_data(as_text=True)
    assert page.count('class="day today"') == 1 and "heute</span>" in page


def test_every_week_view_opens_on_the_week_the_city_clock_names(web):
    """From Saturday evening on, the coming week: on a Sunday the week that is ending has nothing left."""
    login(web, "department@example.org")
    views = ["/accommodations/nord", "/accommodations/nord/offers", "/accommodations/nord/poster", "/department"]
    for instant, monday in [(dt.datetime(2026, 12, 5, 17, 59), dt.date(2026, 11, 30)),
                            (dt.datetime(2026, 12, 5, 18, 0), dt.date(2026, 12, 7)),
                            (dt.datetime(2026, 12, 6, 12, 0), dt.date(2026, 12, 7))]:
        with clock.frozen(instant.replace(tzinfo=ZoneInfo("Europe/Berlin"))):
            assert clock.week_to_show() == monday
            for url in views:
                page = web.get(url).get_data(as_text=True)
                # the date picker names the week shown; the residents' pages give its first day
                week_range = f"Woche vom {short_date(monday, 'de')} bis {short_date(monday + dt.timedelta(days=6), 'de')}"
                assert f'name="week" value="{monday.isoformat()}"' in page or week_range in page, url


def test_a_week_view_jumps_to_the_week_of_a_picked_date(web):
    far = clock.today() + dt.timedelta(weeks=10)
    page = web.get(f"/accommodations/nord?week={far.isoformat()}&room=nord-br").get_data(as_text=True)
    assert f'<input type="date" id="weekpick" name="week" value="{week_of(far).isoformat()}" required>' in page
    assert '<input type="hidden" name="room" value="nord-br">' in page


def test_week_view_shows_closures_and_holidays(web):
    # The demo closes sued-gr on a Wednesday some weeks ahead; Christmas closes every room.
    maintenance = _week(web, "sued", week_of(maintenance_day(clock.today())))
    assert "geschlossen</strong>: Malerarbeiten" in maintenance
    christmas = _week(web, "nord", week_of(dt.date(clock.today().year, 12, 25)))
    assert "<strong>Feiertag: Erster Weihnachtstag</strong>" in christmas


def test_volunteers_see_other_peoples_bookings_as_belegt_and_their_own_with_title(web, session):
    own = session.scalar(sa.select(Booking).where(Booking.title == "Fahrradwerkstatt").order_by(Booking.starts_at))
    login(web, "volunteer@example.org")
    page = _week(web, monday=own.starts_at.date() - dt.timedelta(days=own.starts_at.weekday()))
    assert "Ihre Buchung: Fahrradwerkstatt" in page
    other = _week(web)
    assert OTHER["nord"] not in other and OTHER["name"] not in other
    assert "belegt" in other


def test_managers_see_who_booked_in_their_accommodation(web):
    login(web, "manager@example.org")
    page = _week(web)
    assert OTHER["nord"] in page and OTHER["name"] in page
    assert OTHER["sued"] not in _week(web, "sued")


def test_anonymous_visitors_get_no_booking_links(web):
    page = _week(web)
    assert "/book?" not in page and "belegt" in page and OTHER["nord"] not in page


def test_bad_week_parameter_is_a_400_and_unknown_place_a_404(web):
    assert web.get("/accommodations/nord?week=2027-13-45").status_code == 400
    assert web.get("/accommodations/atlantis").status_code == 404
    assert web.get("/accommodations/atlantis/offers").status_code == 404
    assert web.get("/accommodations/nord/poster?week=gestern").status_code == 400


def test_department_sees_its_office_hours_across_accommodations(web):
    login(web, "department@example.org")
    page = web.get("/department").get_data(as_text=True)
    assert "Fachbereich Soziales" in page
    assert "Unterkunft Nord" in page and "Unterkunft Süd" in page
    assert "Unterkunft West" not in page  # West's office hours are another department's
    assert "Kalender-Feed" in page


@pytest.mark.parametrize("email", ["volunteer@example.org", "manager@example.org"])
def test_department_page_is_for_departments(web, email):
    login(web, email)
    assert web.get("/department").status_code == 403


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_public_schedule_in_each_language(web, code):
    # this week asked for: from Saturday evening on the page opens on the coming week (clock.week_to_show)
    page = web.get(f"/accommodations/nord/offers?lang={code}&week={week_of(clock.today())}").get_data(as_text=True)
    lang = LANGUAGES[code]
    assert f'<html lang="{code}" dir="{lang.direction}">' in page
    assert lang.texts["this_week"] in page and lang.texts["next_week"] in page
    for name, explanation in lang.categories.values():
        assert name in page and explanation in page
    # the demo's course has its title in three of the languages; the others read the German one
    assert {"ar": "دورة اللغة الألمانية A1", "uk": "Курс німецької мови A1", "en": "German course A1"}.get(
        code, "Deutschkurs A1") in page


def test_arabic_and_persian_read_right_to_left(web):
    for code in ("ar", "fa"):
        assert 'dir="rtl"' in web.get(f"/accommodations/nord/poster?lang={code}").get_data(as_text=True)
    assert 'dir="ltr"' in web.get("/accommodations/nord/poster?lang=uk").get_data(as_text=True)


def test_unknown_language_falls_back_to_german(web):
    page = web.get(f"/accommodations/nord/offers?lang=xx&week={week_of(clock.today())}").get_data(as_text=True)
    assert '<html lang="de"' in page and "Diese Woche" in page


@pytest.mark.parametrize("url", ["/accommodations/{key}/offers", "/accommodations/{key}/poster"])
@pytest.mark.parametrize("key", ["nord", "sued"])
def test_public_pages_show_no_bookings_or_names(web, url, key):
    login(web, "admin@example.org")  # even when an admin prints it
    page = web.get(url.format(key=key) + f"?week={next_monday().isoformat()}").get_data(as_text=True)
    for secret in (OTHER["nord"], OTHER["sued"], OTHER["name"], "Fahrradwerkstatt", "Ehrenamtliche Demo",
                   "belegt"):
        assert secret not in page


def test_poster_is_one_week_with_a_print_stylesheet(web):
    page = web.get("/accommodations/nord/poster").get_data(as_text=True)
    assert page.count('class="pubday"') == 7
    response = web.get("/static/roombook.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "@media print" in css and "size: A4" in css


def test_german_by_default_english_by_choice_or_browser(web):
    assert "Meine Buchungen" not in web.get("/").get_data(as_text=True)  # not logged in
    assert '<html lang="de"' in web.get("/").get_data(as_text=True)
    assert '<html lang="en"' in web.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    login(web, "volunteer@example.org")
    response = post(web, "/language", {"lang": "en", "next": "/my/bookings"}, page="/")
    assert response.headers["Location"] == "/my/bookings"
    page = web.get("/my/bookings").get_data(as_text=True)
    assert '<html lang="en"' in page and "My bookings" in page and "Upcoming" in page
    post(web, "/language", {"lang": "de", "next": "https://evil.example/"}, page="/")
    assert "Meine Buchungen" in web.get("/my/bookings").get_data(as_text=True)


def test_a_persons_language_follows_them_to_the_next_login_and_their_mails(web, session):
    """The choice is kept with the account (mails and notices are written in it), so the next visit, from a
    browser that asks for another language, opens in it too."""
    from roombook.models import User

    login(web, "volunteer@example.org")
    post(web, "/language", {"lang": "en"}, page="/")
    volunteer = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    session.refresh(volunteer)
    assert volunteer.language == "en"
    post(web, "/logout", {}, page="/")
    with web.session_transaction() as browser_session:  # as in another browser: no choice in the session
        browser_session.pop("lang", None)
    login(web, "volunteer@example.org")
    page = web.get("/my/bookings", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en"' in page and "My bookings" in page
    post(web, "/language", {"lang": "de"}, page="/")
    session.refresh(volunteer)
    assert volunteer.language == "de"


def test_refusals_are_shown_in_the_page_language(web):
    login(web, "volunteer@example.org")
    post(web, "/language", {"lang": "en"}, page="/")
    response = post(web, "/book", {"room": "nord-gr", "date": next_monday().isoformat(), "start": "09:30",
                                   "end": "10:30", "title": "Chor", "weeks": "1"})
    page = response.get_data(as_text=True)
    assert "is taken from" in page and "ist von" not in page


def test_pages_have_titles_and_labelled_fields(web):
    login(web, "volunteer@example.org")
    for url in ("/", "/book", "/my/bookings", "/accommodations/nord", "/login"):
        page = web.get(url).get_data(as_text=True)
        assert re.search(r"<title>[^<]+ · roombook</title>", page), url
        for tag in re.findall(r'<(?:input|select|textarea)\b[^>]*>', page):
            field_id = re.search(r'\bid="([^"]+)"', tag)
            if field_id and 'type="hidden"' not in tag and 'type="submit"' not in tag:
                assert f'for="{field_id.group(1)}"' in page, (url, tag)


def test_free_time_is_offered_only_within_the_rooms_booking_horizon(web, session):
    room = session.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    room.max_days_ahead = 3
    session.flush()
    login(web, "volunteer@example.org")
    far = _week(web, monday=next_monday() + dt.timedelta(weeks=2))
    assert "room=nord-gr&amp;date" not in far and "room=nord-br&amp;date" in far


@pytest.mark.parametrize("path", ["/accommodations/nord", "/accommodations/nord/offers"])
def test_schedule_pages_offer_webcal_https_and_download_links(web, path):
    page = web.get(path).get_data(as_text=True)
    assert re.search(r'href="webcal://[^"]+/calendars/accommodation/nord\.ics"', page)
    assert re.search(r'href="https?://[^"]+/calendars/accommodation/nord\.ics"', page)
    assert re.search(r'href="[^"]*/calendars/accommodation/nord\.ics\?download=1"[^>]*download', page)
