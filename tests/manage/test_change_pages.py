"""The pages of a room change: the manager records a closure of Nord's big room and decides it on one page,
every series at once (refusals at the series named, nothing written); the volunteer answers from the notice
or the page of their series; "my bookings" and the residents' pages show what moved. German and English,
CSRF, and who may see which change.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking import book_room
from roombook.booking.recurrence import to_utc
from roombook.booking.service import book_weekly
from roombook.models import (
    Accommodation,
    Booking,
    ChangeItem,
    Occurrence,
    OutboxMessage,
    Room,
    RoomChange,
    User,
)
from roombook.models.settings import put_setting
from roombook.scenario.demo import _contacts_and_venue
from tests.conftest import login
from tests.dates import quiet_monday
from tests.factories import local_on
from tests.manage.conftest import TODAY, token_from
from tests.manage.test_i18n import _data_names, german_left

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)
MONDAY = quiet_monday(TODAY)
GROUP = "Deutsch-Gesprächsgruppe"


def _user(session, email: str) -> User:
    return session.scalar(sa.select(User).where(User.email == email))


def _room(session, key: str) -> Room:
    return session.scalar(sa.select(Room).where(Room.key == key))


@pytest.fixture(autouse=True)
def sunday_before_the_closure():
    """The clock stands on the Sunday evening before MONDAY, when the manager records the closure: the days
    before it are past whatever day the suite runs (run on a Monday, MONDAY is a week ahead, and the Friday
    before the closure would be free for the course; run on a Sunday, it is past)."""
    with clock.frozen(max(local_on(MONDAY - dt.timedelta(days=1), 20), clock.now())):
        yield


@pytest.fixture
def nord(demo):
    """The demo city as `make run` has it: the library recorded as Nord's alternative venue, the providers'
    contacts, and the volunteer's weekly group on Saturdays at 10:30 in the big room."""
    _contacts_and_venue(demo, {a.key: a for a in demo.scalars(sa.select(Accommodation))})
    room = _room(demo, "nord-gr")
    start = to_utc(dt.datetime.combine(MONDAY + dt.timedelta(days=5), dt.time(10, 30)), room.tz)
    book_weekly(demo, _user(demo, "volunteer@example.org"), room, start, start + dt.timedelta(minutes=90), GROUP, 4,
                book_rest=True)
    demo.flush()
    return demo


def close_nord(client, weeks: int = 1, kind: str = "other_use") -> int:
    """The manager records a closure of nord-gr through the form; the id of the change it opened."""
    data = {"csrf_token": token_from(client, "/manage/rooms/nord-gr"), "start": f"{MONDAY}T00:00",
            "end": f"{MONDAY + dt.timedelta(weeks=weeks)}T00:00", "kind": kind,
            "reason": "Verwaltung nutzt den Raum als Lager", "apply": "1"}
    response = client.post("/manage/rooms/nord-gr/closures", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/manage/changes/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _item(change: RoomChange, title: str) -> ChangeItem:
    return next(item for item in change.items if item.title == title)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _nothing_written(session, change_id: int) -> None:
    session.expire_all()
    change = session.get(RoomChange, change_id)
    assert change.status == "proposed" and {item.status for item in change.items} == {"open"}
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.change_id == change_id)) == 0
    hit = change.items[0].hits[0]
    if "occurrence" in hit:
        assert session.get(Occurrence, hit["occurrence"]).status == "cancelled"


# --- the manager's page --------------------------------------------------------------------------------

def test_the_page_lists_each_series_with_who_the_lost_dates_and_the_proposal_in_words(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    page = client.get(f"/manage/changes/{change_id}").get_data(as_text=True)
    text = _text(page)
    assert "Raumänderung: Gemeinschaftsraum geschlossen" in text and "andere Nutzung durch die Verwaltung" in text
    change = nord.get(RoomChange, change_id)
    for item in change.items:  # one fieldset per series, the proposal chosen
        assert f'id="series-{item.id}"' in page
        assert re.search(rf'name="item_{item.id}" id="item_{item.id}-accept" value="accept" checked', page)
    course = _item(change, "Deutschkurs A1")
    assert "Volkshochschule" in text and "15 Personen erwartet" in text
    assert "Gemeinschaftsraum (24 Plätze)" in text
    assert "Stadtteilbibliothek Nord (30 Plätze), Ausweichort: Nordstraße 40, 5 Minuten zu Fuß" in text
    assert course.proposal["tier"] == "venue" and "Montag" in text
    assert "Beratungsraum (4 Plätze)" in text and "anderer Raum" in text  # the office hours, same time
    group = _item(change, GROUP)
    assert f'id="item_{group.id}-ask_volunteer"' in page and "Ehrenamtliche Demo wählen lassen" in text
    assert f'id="item_{course.id}-ask_volunteer"' not in page  # a provider's course is not asked
    # words, not codes
    for code in ("other_use", "booking_series", ">venue<", "no_room_fits", "proposed"):
        assert code not in text
    # nothing is decided or told yet
    assert change.status == "proposed"
    assert nord.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_one_confirm_applies_every_proposal_and_the_page_shows_who_was_told_and_which_posters(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    page = client.get(f"/manage/changes/{change_id}").get_data(as_text=True)
    response = client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/manage/changes/{change_id}")
    nord.expire_all()
    change = nord.get(RoomChange, change_id)
    assert change.status == "applied" and {item.status for item in change.items} == {"moved"}
    course = _item(change, "Deutschkurs A1")
    moved = nord.get(Occurrence, course.hits[0]["occurrence"])
    assert moved.status == "moved" and moved.room.key == "nord-bibliothek"
    decided = client.get(f"/manage/changes/{change_id}").get_data(as_text=True)
    text = _text(decided)
    assert "Raumänderung angewendet" in text and "Stand: entschieden" in text and 'type="radio"' not in decided
    assert "Montag 09:00–10:30, Gemeinschaftsraum (24 Plätze) → Montag 10:00–11:30, Stadtteilbibliothek Nord" in text
    # who was told: each provider's contact, the volunteer, the house's managers and the coordinator
    for address in ("kurse@vhs.example.org", "auslaenderamt@stadt.example.org", "volunteer@example.org",
                    "manager@example.org", "coordinator@example.org"):
        assert f"{address}: wartet auf Versand" in text
    # the posters of the week concerned
    assert f"/accommodations/nord/poster?week={MONDAY.isoformat()}" in decided
    assert "Aushang neu drucken" in text
    assert "Bestätigen" in page and "Bestätigen" not in decided


def test_the_manager_chooses_per_series_another_option_a_cancellation_or_the_volunteer(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    change = nord.get(RoomChange, change_id)
    course, office, group = (_item(change, t) for t in ("Deutschkurs A1", "Sprechstunde Ausländerangelegenheiten",
                                                        GROUP))
    option = office.options[0]
    response = client.post(f"/manage/changes/{change_id}", data={
        "csrf_token": token_from(client), f"item_{course.id}": "cancel", f"item_{office.id}": "option-0",
        f"item_{group.id}": "ask_volunteer"})
    assert response.status_code == 302
    nord.expire_all()
    assert [nord.get(Occurrence, h["occurrence"]).status for h in course.hits] == ["cancelled"]
    office_date = nord.get(Occurrence, office.hits[0]["occurrence"])
    assert office_date.room_id == option["room_id"] and office_date.starts_at == \
        dt.datetime.fromisoformat(option["starts"][0])
    assert group.status == "asked" and group.deadline is not None
    held = [nord.get(Booking, booking_id) for booking_id in group.made]
    assert held and all(b.status == "active" and b.room_id == group.proposal["room_id"] for b in held)
    text = _text(client.get(f"/manage/changes/{change_id}").get_data(as_text=True))
    assert "Ehrenamtliche entscheiden" in text and "Antwort erbeten bis" in text and "abgesagt" in text


def test_without_an_alternative_venue_the_courses_have_no_proposal_and_the_page_says_why(client, demo):
    """Nord without the library: no other room seats a course, so its series is cancelled unless the
    manager picks something; taking a proposal that does not exist is refused at the series."""
    put_setting(demo, "travel", [])  # nor a nearby house (the demo's Mitte is 20 minutes away)
    login(client, "manager@example.org")
    change_id = close_nord(client)
    change = demo.get(RoomChange, change_id)
    course = _item(change, "Deutschkurs A1")
    assert course.proposal is None and course.reason == "no_room_fits"
    page = client.get(f"/manage/changes/{change_id}").get_data(as_text=True)
    assert "Kein Vorschlag: Kein anderer Raum hat genug Plätze und die nötige Ausstattung." in _text(page)
    assert re.search(rf'name="item_{course.id}" id="item_{course.id}-cancel" value="cancel" checked', page)
    refused = client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client),
                                                              f"item_{course.id}": "accept"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    error = re.search(rf'<fieldset class="series card has-error" id="series-{course.id}">.*?</fieldset>', body,
                      re.S)
    assert error and "Für diese Reihen gibt es keinen Vorschlag" in error.group(0)
    assert body.count('class="error"') == 1  # at that series only
    _nothing_written(demo, change_id)
    # the defaults apply: the courses cancelled, the office hours moved
    assert client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client)}).status_code == 302
    demo.expire_all()
    assert course.status == "cancelled" and _item(change, "Sprechstunde Ausländerangelegenheiten").status == "moved"


def test_leaving_a_providers_course_to_a_volunteer_is_refused_at_that_series_and_keeps_the_choices(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    change = nord.get(RoomChange, change_id)
    course, office = _item(change, "Deutschkurs A1"), _item(change, "Sprechstunde Ausländerangelegenheiten")
    refused = client.post(f"/manage/changes/{change_id}", data={
        "csrf_token": token_from(client), f"item_{course.id}": "ask_volunteer", f"item_{office.id}": "option-1"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert f'id="series-{course.id}-error"' in body and "Nur die Reihe einer oder eines Ehrenamtlichen" in body
    assert re.search(rf'id="item_{office.id}-option-1" value="option-1" checked', body)  # the choice is kept
    _nothing_written(nord, change_id)


def test_a_proposal_taken_meanwhile_is_refused_at_its_series_with_409(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    change = nord.get(RoomChange, change_id)
    office = _item(change, "Sprechstunde Ausländerangelegenheiten")
    start = dt.datetime.fromisoformat(office.proposal["starts"][0])
    book_room(nord, _user(nord, "coordinator@example.org"), nord.get(Room, office.proposal["room_id"]), start,
              start + dt.timedelta(minutes=30), "Dazwischengebucht")
    nord.flush()
    refused = client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client)})
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert f'id="series-{office.id}-error"' in body and "Inzwischen belegt oder vorbei" in body
    _nothing_written(nord, change_id)
    # an option of that series clear of what was booked meanwhile goes through
    length = dt.timedelta(hours=2)
    other = next(i for i, o in enumerate(office.options) if o["room_id"] != office.proposal["room_id"]
                 or not any(start < s + length and s < start + dt.timedelta(minutes=30)
                            for s in map(dt.datetime.fromisoformat, o["starts"])))
    response = client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client),
                                                                f"item_{office.id}": f"option-{other}"})
    assert response.status_code == 302


def test_a_change_decided_already_is_refused_with_409_above_the_series(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    assert client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client)}).status_code == 302
    again = client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client)})
    assert again.status_code == 409
    assert 'class="flash error" role="alert">Diese Raumänderung ist schon entschieden.' in again.get_data(as_text=True)


@pytest.mark.parametrize("value", ["option-9", "everything", ""])
def test_a_choice_the_page_never_offered_is_refused_at_its_series(client, nord, value):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    course = _item(nord.get(RoomChange, change_id), "Deutschkurs A1")
    refused = client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client),
                                                              f"item_{course.id}": value})
    assert refused.status_code == 422 and f'id="series-{course.id}-error"' in refused.get_data(as_text=True)
    _nothing_written(nord, change_id)


def test_confirming_needs_the_csrf_token(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    assert client.post(f"/manage/changes/{change_id}", data={}).status_code == 400
    _nothing_written(nord, change_id)


@pytest.mark.parametrize("who,status", [("sued-manager@example.org", 404), ("volunteer@example.org", 403),
                                        ("department@example.org", 403), (None, 302)])
def test_only_the_houses_managers_see_or_decide_its_change(client, nord, make_user, who, status):
    make_user("facility_manager", email="sued-manager@example.org", password="demo",
              accommodations=[nord.scalar(sa.select(Accommodation).where(Accommodation.key == "sued"))])
    login(client, "manager@example.org")
    change_id = close_nord(client)
    client.post("/logout", data={"csrf_token": token_from(client)})
    if who:
        login(client, who)
    token = token_from(client, "/login" if who is None else "/")
    page = client.get(f"/manage/changes/{change_id}")
    post = client.post(f"/manage/changes/{change_id}", data={"csrf_token": token})
    assert (page.status_code, post.status_code) == (status, status)
    if status == 302:
        assert "/login" in page.headers["Location"] and "/login" in post.headers["Location"]
    _nothing_written(nord, change_id)
    listing = client.get("/manage/changes")
    assert listing.status_code == {404: 200, 403: 403, 302: 302}[status]
    assert f"/manage/changes/{change_id}" not in listing.get_data(as_text=True)


def test_the_open_change_heads_the_inbox_and_the_start_page_until_it_is_decided(client, nord):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    for url in ("/manage/conflicts", "/manage/", "/manage/changes"):
        text = _text(client.get(url).get_data(as_text=True))
        assert f"/manage/changes/{change_id}" in client.get(url).get_data(as_text=True)
        assert "Gemeinschaftsraum geschlossen" in text and "Deutschkurs A1" in text and GROUP in text
    assert "1 offene Raumänderung" in _text(client.get("/manage/").get_data(as_text=True))
    client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client)})
    assert f"/manage/changes/{change_id}" not in client.get("/manage/conflicts").get_data(as_text=True)
    assert f"/manage/changes/{change_id}" not in client.get("/manage/").get_data(as_text=True)
    listing = _text(client.get("/manage/changes").get_data(as_text=True))
    assert "entschieden" in listing  # decided changes stay listed, after the open ones


# --- English ------------------------------------------------------------------------------------------

@pytest.fixture
def in_english(client, nord):
    login(client, "manager@example.org")
    client.post("/language", data={"csrf_token": token_from(client), "lang": "en", "next": "/manage/"})
    return client


def test_the_change_pages_read_in_english(in_english, nord):
    change_id = close_nord(in_english)
    change = nord.get(RoomChange, change_id)
    group = _item(change, GROUP)
    page = in_english.get(f"/manage/changes/{change_id}").get_data(as_text=True)
    text = _text(page)
    assert "Room change: Gemeinschaftsraum closed" in text and "other use by the administration" in text
    assert "alternative venue: Nordstraße 40" in text and "Confirm" in text and "15 people expected" in text
    assert german_left(page, _data_names(nord) + ["Nordstraße 40, 5 Minuten zu Fuß"]) == []
    refused = in_english.post(f"/manage/changes/{change_id}", data={
        "csrf_token": token_from(in_english), f"item_{_item(change, 'Deutschkurs A1').id}": "ask_volunteer"})
    assert refused.status_code == 422
    assert "can be left to them." in refused.get_data(as_text=True) and "Ehrenamtlichen" not in \
        refused.get_data(as_text=True)
    in_english.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(in_english),
                                                         f"item_{group.id}": "ask_volunteer"})
    decided = in_english.get(f"/manage/changes/{change_id}").get_data(as_text=True)
    assert "volunteer decides" in _text(decided) and "waiting to be sent" in _text(decided)
    assert german_left(decided, _data_names(nord) + ["Nordstraße 40, 5 Minuten zu Fuß"]) == []
    listing = in_english.get("/manage/changes").get_data(as_text=True)
    assert "Room changes" in listing and german_left(listing, _data_names(nord)) == []


# --- the volunteer's say --------------------------------------------------------------------------------

@pytest.fixture
def asked(client, nord) -> ChangeItem:
    """The manager has left the volunteer's group to them; the client is logged in as the volunteer."""
    login(client, "manager@example.org")
    change_id = close_nord(client)
    group = _item(nord.get(RoomChange, change_id), GROUP)
    assert client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client),
                                                           f"item_{group.id}": "ask_volunteer"}).status_code == 302
    client.post("/logout", data={"csrf_token": token_from(client, "/")})
    login(client, "volunteer@example.org")
    nord.expire_all()
    return group


def test_the_volunteer_sees_the_notice_on_every_page_and_accepts_from_it(client, nord, asked):
    for url in ("/", "/my/bookings", "/accommodations/nord", "/accommodations/nord/offers?lang=ar"):
        page = client.get(url).get_data(as_text=True)
        assert 'class="notice"' in page and f'action="/my/changes/{asked.id}"' in page, url
    held_room = nord.get(Room, asked.proposal["room_id"])
    notice = _text(client.get("/accommodations/nord").get_data(as_text=True))
    assert f"„{GROUP}“: Gemeinschaftsraum ist geschlossen." in notice
    assert f"Für Sie vorgemerkt: {held_room.name} ({held_room.capacity} Plätze)" in notice
    response = client.post(f"/my/changes/{asked.id}", data={"csrf_token": token_from(client, "/"), "answer": "accept",
                                                            "next": "/accommodations/nord"})
    assert response.status_code == 302 and response.headers["Location"] == "/accommodations/nord"
    nord.expire_all()
    assert asked.status == "moved" and asked.answer == "accept"
    assert 'class="notice"' not in client.get("/").get_data(as_text=True)
    # My bookings: the dates at their new time, marked as moved, with where they were
    mine = _text(client.get("/my/bookings").get_data(as_text=True))
    held = nord.get(Booking, asked.made[0])
    assert "verlegt" in mine and "statt Sa. " in mine and held.room.name in mine
    # the notice is for volunteers only: the manager has none
    client.post("/logout", data={"csrf_token": token_from(client, "/")})
    login(client, "manager@example.org")
    assert 'class="notice"' not in client.get("/").get_data(as_text=True)


def test_the_volunteer_picks_another_option_and_a_taken_one_is_refused(client, nord, asked):
    page = client.get(f"/my/changes/{asked.id}").get_data(as_text=True)
    assert "Für Sie vorgemerkt" in page and "Diese nehmen" in page and "Termine abgeben" in page
    first, second = asked.options[0], asked.options[1]
    start = dt.datetime.fromisoformat(first["starts"][0])
    book_room(nord, _user(nord, "coordinator@example.org"), nord.get(Room, first["room_id"]), start,
              start + dt.timedelta(minutes=30), "Schneller")
    nord.flush()
    refused = client.post(f"/my/changes/{asked.id}", data={"csrf_token": token_from(client, f"/my/changes/{asked.id}"),
                                                           "answer": "option", "option": "0"})
    assert refused.status_code == 409
    assert 'id="option-error"' in refused.get_data(as_text=True) and "inzwischen belegt" in \
        refused.get_data(as_text=True)
    nord.expire_all()
    assert asked.status == "asked"
    assert all(nord.get(Booking, b).room_id == asked.proposal["room_id"] for b in asked.made)  # still held
    taken = client.post(f"/my/changes/{asked.id}", data={"csrf_token": token_from(client, f"/my/changes/{asked.id}"),
                                                         "answer": "option", "option": "1"})
    assert taken.status_code == 302
    nord.expire_all()
    assert asked.status == "moved" and asked.answer == "option"
    assert [nord.get(Booking, b).starts_at for b in asked.made] == [dt.datetime.fromisoformat(s)
                                                                    for s in second["starts"]]
    again = client.post(f"/my/changes/{asked.id}", data={"csrf_token": token_from(client, f"/my/changes/{asked.id}"),
                                                         "answer": "give_up"})
    assert again.status_code == 409 and "schon beantwortet" in again.get_data(as_text=True)


def test_the_volunteer_gives_the_dates_up_and_they_show_as_cancelled(client, nord, asked):
    response = client.post(f"/my/changes/{asked.id}", data={"csrf_token": token_from(client, "/"), "answer": "give_up"})
    assert response.status_code == 302
    nord.expire_all()
    assert asked.status == "cancelled"
    assert {nord.get(Booking, b).status for b in asked.made} == {"cancelled"}
    page = _text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Termine abgegeben" in page and "Die Termine fallen aus." in page
    assert "abgesagt" in _text(client.get("/my/bookings").get_data(as_text=True))


@pytest.mark.parametrize("data", [{"answer": "maybe"}, {"answer": ""}, {"answer": "option", "option": "99"}])
def test_an_answer_the_page_never_offered_is_refused(client, nord, asked, data):
    response = client.post(f"/my/changes/{asked.id}", data={"csrf_token": token_from(client, "/"), **data})
    assert response.status_code == 422
    nord.expire_all()
    assert asked.status == "asked"


def test_answering_needs_the_csrf_token_and_is_the_owners_alone(client, nord, asked, make_user):
    assert client.post(f"/my/changes/{asked.id}", data={"answer": "accept"}).status_code == 400
    client.post("/logout", data={"csrf_token": token_from(client, "/")})
    make_user("volunteer", email="someone@example.org", password="demo")
    login(client, "someone@example.org")
    assert client.get(f"/my/changes/{asked.id}").status_code == 404
    assert client.post(f"/my/changes/{asked.id}", data={"csrf_token": token_from(client, "/"),
                                                        "answer": "give_up"}).status_code == 404
    client.post("/logout", data={"csrf_token": token_from(client, "/")})
    login(client, "manager@example.org")  # the manager decided the change, yet the answer is the volunteer's
    assert client.get(f"/my/changes/{asked.id}").status_code == 404
    nord.expire_all()
    assert asked.status == "asked"


def test_the_volunteers_page_reads_in_english(client, nord, asked):
    client.post("/language", data={"csrf_token": token_from(client, "/"), "lang": "en", "next": "/"})
    page = client.get(f"/my/changes/{asked.id}").get_data(as_text=True)
    text = _text(page)
    assert "Held for you" in text and "Accept the proposal" in text and "Give the dates up" in text
    assert german_left(page, _data_names(nord) + ["Nordstraße 40, 5 Minuten zu Fuß"]) == []
    notice = _text(client.get("/").get_data(as_text=True))
    assert "A room change concerns your booking" in notice and "Please answer by" in notice


def test_the_volunteers_dates_wait_visibly_while_the_house_decides(client, nord):
    login(client, "manager@example.org")
    close_nord(client)
    client.post("/logout", data={"csrf_token": token_from(client, "/")})
    login(client, "volunteer@example.org")
    mine = _text(client.get("/my/bookings").get_data(as_text=True))
    assert "Wegen einer Schließung noch offen" in mine and f"„{GROUP}“, Unterkunft Nord, Gemeinschaftsraum" in mine


# --- the residents' pages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,closed,moved,venue", [("de", "geschlossen", "verlegt", "Ausweichort"),
                                                     ("ar", "مغلق", "تم نقله", "مكان بديل"),
                                                     ("uk", "зачинено", "перенесено", "тимчасове місце")])
def test_residents_see_the_room_closed_and_the_sessions_moved_in_their_language(client, nord, lang, closed, moved,
                                                                                venue):
    login(client, "manager@example.org")
    change_id = close_nord(client)
    client.post(f"/manage/changes/{change_id}", data={"csrf_token": token_from(client)})
    client.post("/logout", data={"csrf_token": token_from(client)})
    for url in (f"/accommodations/nord/offers?lang={lang}&week={MONDAY}",
                f"/accommodations/nord/poster?lang={lang}&week={MONDAY}"):
        page = client.get(url).get_data(as_text=True)
        assert "Verwaltung nutzt den Raum als Lager" not in page  # never the reason
        closure = re.search(r'<li class="entry closure[^"]*">.*?</li>', page, re.S)
        assert closure and closed in closure.group(0) and "Gemeinschaftsraum" in closure.group(0)
        course = re.search(r'<li class="entry occurrence[^"]*">(?:(?!</li>).)*Deutschkurs A1.*?</li>', page, re.S)
        assert course, url
        assert moved in course.group(0) and "Stadtteilbibliothek Nord" in course.group(0)
        assert f"{venue}: " in course.group(0) and "Nordstraße 40" in course.group(0)
        assert "10:00–11:30" in course.group(0)  # the new time
