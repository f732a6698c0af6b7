"""A booking as an offer for residents: it reaches the residents' pages, poster and public feeds like the city's
offers; a plain reservation never shows its title or its booker there. Texts in the reader's language where given,
else German with the kind named in the reader's language. Runs on SQLite and PostgreSQL with a frozen clock, so
it passes on any day."""
from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest

from roombook import clock
from roombook.booking import book_room, book_weekly
from roombook.booking.occurrences import materialise
from roombook.booking.offer_details import (
    OfferDetailsError,
    check_offer_details,
    check_translations,
)
from roombook.db import db
from roombook.models import Booking
from tests.conftest import csrf_token
from tests.factories import local

# A Wednesday morning; the offers are in the same week and the next.
NOW = local(2027, 3, 3, 9, 0)
PUBLIC = {"category": "volunteer_activity", "languages": ["de", "ar"], "audience": "women",
          "description": "Deutsch sprechen bei Tee", "participants": 8, "public": True,
          "public_contact": "Telefon 0171 555 0100"}
PUBLIC_AR_TITLE = "مقهى اللغة الألمانية"


@pytest.fixture
def world(session, make_room, make_user, make_offer):
    """One accommodation: a public offer-booking (with an Arabic title), a private booking by the same volunteer,
    and a city offer with a Ukrainian title in a room with a Ukrainian name."""
    with clock.frozen(NOW):
        room = make_room(capacity=10, max_days_ahead=800)
        volunteer = make_user(display_name="Vera Vertraulich", email="vera.vertraulich@example.org")
        public = book_room(session, volunteer, room, local(2027, 3, 4, 16), local(2027, 3, 4, 18), "Sprachcafé",
                           details={**check_offer_details(PUBLIC, room),
                                    "translations": {"ar": {"title": PUBLIC_AR_TITLE}}})
        private = book_room(session, volunteer, room, local(2027, 3, 5, 16), local(2027, 3, 5, 18),
                             "Geburtstag Familie Yilmaz")
        offer = make_offer(room=room, slots=(("fri", "10:00"),), category="language_course", title="Deutschkurs A1",
                           translations={"uk": {"title": "Курс німецької A1"}})
        room.translations = {"uk": {"name": "Спільна кімната"}}
        materialise(session, offer.sessions[0], dt.date(2027, 3, 14))
        session.flush()
    return {"room": room, "place": room.accommodation, "public": public, "private": private, "volunteer": volunteer}


def _get(client, url: str) -> str:
    with clock.frozen(NOW):
        answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return answer.get_data(as_text=True)


def _summaries(body: str) -> list[str]:
    return [str(event.get("SUMMARY")) for event in icalendar.Calendar.from_ical(body).walk("VEVENT")]


def test_the_residents_pages_and_public_feeds_show_a_public_offer_booking_and_never_a_private_title(client, world):
    place, room = world["place"], world["room"]
    pages = {url: _get(client, url) for url in (
        f"/accommodations/{place.key}/offers", f"/accommodations/{place.key}/poster?week=2027-03-01",
        f"/accommodations/{place.key}?week=2027-03-01")}
    feeds = {url: _get(client, url) for url in (
        "/calendars/all.ics", f"/calendars/accommodation/{place.key}.ics", f"/calendars/room/{room.key}.ics",
        "/calendars/category/volunteer_activity.ics")}
    for url, body in {**pages, **feeds}.items():
        assert "Sprachcafé" in body, url
        assert "Geburtstag" not in body and "Yilmaz" not in body, url
        # the booker stays unknown; only the contact they typed for residents is shown
        assert "Vertraulich" not in body and "vera.vertraulich" not in body, url
    for url in (f"/accommodations/{place.key}/offers", f"/accommodations/{place.key}/poster?week=2027-03-01"):
        assert "Deutsch sprechen bei Tee" in pages[url] and "0171 555 0100" in pages[url]
    for url, body in feeds.items():
        summaries = _summaries(body)
        assert "Sprachcafé" in summaries, url
        if "category" not in url:
            assert "belegt" in summaries, url  # the private booking, as every plain reservation
        else:
            assert "belegt" not in summaries  # a category's feed shows only public offers of its kind
    assert "Sprachcafé" not in _get(client, "/calendars/category/language_course.ics")


def test_a_hidden_or_withdrawn_public_offer_is_belegt_again(client, session, world):
    world["public"].hidden_at, world["public"].hidden_reason = NOW, "Bitte absprechen"
    session.flush()
    place = world["place"]
    assert "Sprachcafé" not in _get(client, f"/accommodations/{place.key}/offers")
    assert "Sprachcafé" not in _get(client, "/calendars/all.ics")
    assert _summaries(_get(client, "/calendars/all.ics")).count("belegt") == 2


def test_participants_over_the_rooms_seats_are_refused_at_the_field(world):
    room = world["room"]
    with pytest.raises(OfferDetailsError) as refused:
        check_offer_details({**PUBLIC, "participants": 11}, room)
    assert refused.value.field == "participants" and "10" in str(refused.value.message)
    assert check_offer_details({**PUBLIC, "participants": 10}, room)["participants"] == 10


@pytest.mark.parametrize(("values", "field"), [
    ({"category": "party"}, "category"), ({"audience": "robots"}, "audience"), ({"languages": ["xx"]}, "languages"),
    ({"public": True}, "category"), ({"participants": 0}, "participants"), ({"public": "yes"}, "public"),
    ({"description": "x" * 1001}, "description"), ({"public_contact": "a\u202eb"}, "public_contact"),
    ({"owner": "me"}, "owner")])
def test_bad_offer_details_are_refused_naming_their_field(world, values, field):
    with pytest.raises(OfferDetailsError) as refused:
        check_offer_details(values, world["room"])
    assert refused.value.field == field


def test_translations_keep_the_residents_languages_and_drop_empty_texts():
    assert check_translations({"ar": {"title": " عنوان ", "description": ""}, "uk": {"title": ""}}) == \
        {"ar": {"title": "عنوان"}}
    for bad in ({"de": {"title": "x"}}, {"xx": {"title": "x"}}, {"ar": {"colour": "x"}}, ["ar"]):
        with pytest.raises(OfferDetailsError):
            check_translations(bad)


def test_the_form_refuses_participants_over_the_seats_with_the_error_at_the_field(client, world):
    volunteer = world["volunteer"]
    with clock.frozen(NOW):
        page = client.get("/login")
        client.post("/login", data={"email": volunteer.email, "password": "secret-pw",
                                    "csrf_token": csrf_token(page.get_data(as_text=True))})
        form = client.get("/book").get_data(as_text=True)
        answer = client.post("/book", data={
            "csrf_token": csrf_token(form), "room": world["room"].key, "date": "2027-03-09", "start": "10:00",
            "end": "11:00", "title": "Nähcafé", "weeks": "1", "category": "volunteer_activity", "public": "y",
            "participants": "25"})
    assert answer.status_code == 422
    body = answer.get_data(as_text=True)
    assert re.search(r'id="participants-error"[^>]*>[^<]*10', body), "the refusal is not at the field"
    assert 'aria-invalid="true"' in body


def test_translations_are_shown_per_language_with_the_german_text_as_fallback(client, world):
    key = world["place"].key
    arabic = _get(client, f"/accommodations/{key}/offers?lang=ar&week=2027-03-01")
    assert f'lang="ar" dir="rtl">{PUBLIC_AR_TITLE}<' in arabic
    assert 'lang="de" dir="ltr">Deutschkurs A1<' in arabic  # no Arabic title given: German, marked so
    assert "دورة لغة" in arabic  # its kind in Arabic
    ukrainian = _get(client, f"/accommodations/{key}/offers?lang=uk&week=2027-03-01")
    assert 'lang="uk" dir="ltr">Курс німецької A1<' in ukrainian and "Спільна кімната" in ukrainian
    assert 'lang="de" dir="ltr">Sprachcafé<' in ukrainian and "Волонтерська діяльність" in ukrainian
    assert "жінки" in ukrainian  # whom it is for, in the reader's language
    german = _get(client, f"/accommodations/{key}/offers?lang=de&week=2027-03-01")
    assert PUBLIC_AR_TITLE not in german and "Курс" not in german


def test_a_weekly_offer_booking_carries_its_details_on_every_date(session, world):
    with clock.frozen(NOW):
        result = book_weekly(session, world["volunteer"], world["room"], local(2027, 3, 9, 18),
                             local(2027, 3, 9, 19), "Spieleabend", 3, book_rest=False,
                             details=check_offer_details({"category": "volunteer_activity", "public": True,
                                                          "audience": "families"}, world["room"]))
    assert len(result.booked) == 3
    assert {(b.category, b.audience, b.public) for b in result.booked} == {("volunteer_activity", "families", True)}
    db.session.flush()


# --- the residents' schedule: which week opens, any week up to the horizon, the poster's QR code --------------

@pytest.mark.parametrize(("instant", "monday"), [
    (local(2027, 3, 6, 17, 59), dt.date(2027, 3, 1)),  # Saturday afternoon: this week
    (local(2027, 3, 6, 18, 0), dt.date(2027, 3, 8)),  # from Saturday evening on: the coming week
    (local(2027, 3, 7, 12, 0), dt.date(2027, 3, 8)),  # Sunday: the coming week, not the one ending
    (local(2027, 3, 8, 0, 30), dt.date(2027, 3, 8)),  # Monday just after midnight
    (local(2027, 3, 27, 18, 30), dt.date(2027, 3, 29)),  # the Saturday before the clocks go forward
])
def test_the_week_to_show_turns_on_saturday_evening_city_time(instant, monday):
    with clock.frozen(instant):
        assert clock.week_to_show("Europe/Berlin") == monday


def test_the_schedule_opens_on_the_clocks_week_and_offers_any_week_up_to_the_horizon(app, client, world):
    key = world["place"].key
    with clock.frozen(local(2027, 3, 7, 12, 0)):  # a Sunday
        sunday = client.get(f"/accommodations/{key}/offers").get_data(as_text=True)
        poster = client.get(f"/accommodations/{key}/poster").get_data(as_text=True)
        far = client.get(f"/accommodations/{key}/offers?week=2031-01-06").get_data(as_text=True)
        past = client.get(f"/accommodations/{key}/offers?week=2026-01-05").get_data(as_text=True)
    assert 'id="d-2027-03-08"' in sunday and 'id="d-2027-03-07"' not in sunday
    assert "8. März" in poster and "14. März" in poster  # the poster's week is the coming one too
    weeks = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', sunday)
    horizon = app.config["ROOMBOOK_HORIZON_WEEKS"]
    assert weeks[0] == "2027-03-01" and len(weeks) == horizon + 1
    assert 'rel="next"' in sunday
    # beyond the horizon the last week there is, before this week this week
    assert f'<option value="{weeks[-1]}" selected>' in far and '<option value="2027-03-01" selected>' in past
    assert 'rel="prev"' not in past


def test_the_poster_has_a_qr_code_of_the_online_schedule_in_its_language(app, client, world):
    key = world["place"].key
    page = _get(client, f"/accommodations/{key}/poster?lang=fa&week=2027-03-08")
    url = app.config["ROOMBOOK_BASE_URL"].rstrip("/") + f"/accommodations/{key}/offers?lang=fa"
    assert re.search(r'<svg[^>]*class="qr"', page) and "<path" in page
    assert "<script" not in page.split('class="qr-code"')[1].split("</figure>")[0]
    assert "style=" not in page.split('class="qr-code"')[1].split("</figure>")[0]
    assert f"<title>{url}</title>" in page and "برنامه هفته به‌صورت آنلاین" in page


def test_the_home_page_links_the_residents_schedule_in_each_of_their_languages(client, world):
    page = _get(client, "/")
    for code, text in (("de", "Wochenplan für Bewohner"), ("ar", "جدول الأسبوع للمقيمين"),
                       ("fa", "برنامه هفته برای ساکنان"), ("uk", "Розклад на тиждень для мешканців"),
                       ("tr", "Sakinler için haftalık program"), ("ru", "Расписание на неделю для жителей"),
                       ("fr", "Programme de la semaine pour les résidents"), ("en", "Weekly schedule for residents")):
        assert re.search(rf'href="/accommodations/{world["place"].key}/offers\?lang={code}" lang="{code}"[^>]*>'
                         rf'{re.escape(text)}</a>', page), code


@pytest.mark.parametrize("code", ["de", "en", "ar", "fa", "uk", "tr", "ru", "fr"])
def test_the_residents_pages_hold_no_german_english_pairs(client, world, code):
    for url in (f"/accommodations/{world['place'].key}/offers?lang={code}",
                f"/accommodations/{world['place'].key}/poster?lang={code}"):
        page = _get(client, url)
        for pair in ("Kalender / Calendar", "belegt / booked", " / cancelled", " / moved", "Zum Inhalt springen"
                     if code != "de" else "Skip to content"):
            assert pair not in page, (url, pair)


# --- the API ----------------------------------------------------------------------------------------------

def test_the_api_books_an_offer_with_its_details_and_refuses_too_many_participants_at_the_field(
        client, session, world):
    from roombook.access.api_tokens import create_api_token

    _token, secret = create_api_token(session, world["volunteer"], "test")
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"room": world["room"].id, "start": "2027-03-10T10:00", "end": "2027-03-10T11:00", "title": "Nähcafé",
            **PUBLIC, "translations": {"tr": {"title": "Dikiş kafe"}}}
    with clock.frozen(NOW):
        too_many = client.post("/api/v1/bookings", json={**body, "participants": 11}, headers=headers)
        booked = client.post("/api/v1/bookings", json=body, headers=headers)
        series = client.post("/api/v1/booking-series", json={**body, "start": "2027-03-11T10:00",
                                                              "end": "2027-03-11T11:00", "weeks": 2}, headers=headers)
    assert too_many.status_code == 422 and too_many.json["field"] == "participants"
    assert "10 seats" in too_many.json["detail"]
    assert booked.status_code == 201, booked.json
    assert {key: booked.json[key] for key in PUBLIC} == PUBLIC
    assert booked.json["translations"] == {"tr": {"title": "Dikiş kafe"}} and booked.json["hidden_reason"] is None
    assert series.status_code == 201, series.json
    dates = [session.get(Booking, d["booking"]) for d in series.json["dates"]]
    assert len(dates) == 2 and all(b.public and b.category == "volunteer_activity" for b in dates)
    assert "Dikiş kafe" in _get(client, f"/accommodations/{world['place'].key}/offers?lang=tr&week=2027-03-08")
