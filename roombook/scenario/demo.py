"""A realistic demo city: four accommodations, their social rooms, who offers what, and a term of offers.

The city is built as a scenario and loaded through the importer, so the demo exercises the same
path a real city's data takes. Demo passwords exist only here.
"""
from __future__ import annotations

import datetime as dt
import functools

import holidays
import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.access.accounts import create_user
from roombook.booking.occurrences import HOLIDAY_SUBDIVISION, add_public_holidays
from roombook.booking.recurrence import to_utc
from roombook.booking.service import book_room, book_weekly
from roombook.coordination.volunteers import save_profile
from roombook.models import (
    Accommodation,
    Closure,
    Offer,
    Provider,
    Room,
    User,
    VolunteerAbsence,
)
from roombook.scenario.importer import import_scenario

DEMO_PASSWORD = "demo"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _week(days, start: str, end: str) -> list[dict]:
    return [{"day": d, "from": start, "to": end} for d in days]


def demo_scenario(today: dt.date) -> dict:
    """The demo city for the term that contains `today` (from this week's Monday, 26 weeks)."""
    monday = today - dt.timedelta(days=today.weekday())
    gr = ["whiteboard", "step_free"]
    accommodations = [
        {"id": "nord", "name": "Unterkunft Nord", "address": "Nordstraße 12", "residents": 140,
         "latitude": 52.0412, "longitude": 8.5301, "rooms": [
            {"id": "nord-gr", "name": "Gemeinschaftsraum", "capacity": 24, "features": gr,
             "open": _week(WEEKDAYS, "08:00", "20:00") + _week(["sat"], "10:00", "16:00")},
            {"id": "nord-br", "name": "Beratungsraum", "capacity": 4, "features": ["step_free", "private"],
             "open": _week(WEEKDAYS, "08:00", "18:00")}]},
        {"id": "mitte", "name": "Unterkunft Mitte", "address": "Am Markt 3", "residents": 85,
         "latitude": 52.0215, "longitude": 8.5342, "rooms": [
            {"id": "mitte-mz", "name": "Mehrzweckraum", "capacity": 16, "features": ["whiteboard", "childcare_corner"],
             "open": _week(WEEKDAYS, "09:00", "19:00") + _week(["sat"], "10:00", "16:00")}]},
        {"id": "sued", "name": "Unterkunft Süd", "address": "Südring 40", "residents": 60,
         "latitude": 51.9978, "longitude": 8.5389, "rooms": [
            {"id": "sued-gr", "name": "Gemeinschaftsraum", "capacity": 12, "features": ["whiteboard"],
             "open": _week(WEEKDAYS, "08:00", "20:00")},
            {"id": "sued-br", "name": "Büro Sozialarbeit", "capacity": 3, "features": ["private"],
             "open": _week(WEEKDAYS, "08:00", "17:00")}]},
        {"id": "west", "name": "Unterkunft West", "address": "Westfeld 7", "residents": 110,
         "latitude": 52.0190, "longitude": 8.4870, "rooms": [
            {"id": "west-gr", "name": "Begegnungsraum", "capacity": 20, "features": gr + ["kitchen"],
             "open": _week(WEEKDAYS, "08:00", "21:00") + _week(["sat", "sun"], "10:00", "18:00")}]},
    ]
    providers = [
        {"id": "vhs", "name": "Volkshochschule", "kind": "course_provider",
         "available": _week(WEEKDAYS, "08:00", "18:00")},
        {"id": "vhs-west", "name": "Volkshochschule, Kursleitung West", "kind": "course_provider",
         "available": _week(WEEKDAYS, "08:00", "13:00")},
        {"id": "fb-soziales", "name": "Fachbereich Soziales", "kind": "department",
         "available": _week(["mon", "wed", "thu"], "09:00", "15:00")},
        {"id": "fb-auslaender", "name": "Fachbereich Bürgerdienste, Ausländerangelegenheiten", "kind": "department",
         "available": _week(["tue", "thu"], "09:00", "16:00")},
        {"id": "caritas", "name": "Caritas Migrationsdienst", "kind": "association",
         "available": _week(WEEKDAYS, "09:00", "17:00")},
        {"id": "verfahrensberatung", "name": "Asylverfahrensberatung der Wohlfahrtsverbände",
         "kind": "association", "available": _week(["mon", "tue", "wed", "thu"], "09:00", "16:00")},
        {"id": "ehrenamt", "name": "Ehrenamtskreis Willkommen", "kind": "volunteer",
         "available": _week(WEEKDAYS + ("sat",), "14:00", "20:00")},
    ]
    offers, plan = [], []

    def offer(key, title, category, place, provider, minutes, participants, slots, guaranteed=True, features=()):
        offers.append({"id": key, "title": title, "category": category, "accommodation": place,
                       "providers": [provider], "duration_minutes": minutes, "sessions_per_week": len(slots),
                       "participants": participants, "needs_features": list(features), "guaranteed": guaranteed})
        for index, (day, start, room) in enumerate(slots):
            h, m = map(int, start.split(":"))
            end = (dt.datetime(2000, 1, 1, h, m) + dt.timedelta(minutes=minutes)).strftime("%H:%M")
            plan.append({"offer": key, "session": index, "room": room, "provider": provider,
                         "day": day, "start": start, "end": end})

    offer("nord-deutsch", "Deutschkurs A1", "language_course", "nord", "vhs", 90, 15,
          [("mon", "09:00", "nord-gr"), ("wed", "09:00", "nord-gr")], features=["whiteboard"])
    offer("nord-alltag", "Alltag in der Stadt: Behörden, Ärzte, Nahverkehr", "daily_life_course", "nord", "vhs",
          90, 12, [("thu", "14:00", "nord-gr")])
    offer("nord-sprechstunde", "Sprechstunde Fachbereich Soziales", "office_hours", "nord", "fb-soziales", 120, 2,
          [("mon", "10:00", "nord-br")])
    offer("nord-auslaender", "Sprechstunde Ausländerangelegenheiten", "office_hours", "nord", "fb-auslaender", 120, 2,
          [("thu", "09:00", "nord-gr")])
    offer("nord-beratung", "Wegweiser-Beratung", "counselling", "nord", "caritas", 120, 2,
          [("fri", "10:00", "nord-br")])
    offer("nord-verfahren", "Asylverfahrensberatung", "procedural_counselling", "nord", "verfahrensberatung", 180, 2,
          [("tue", "09:00", "nord-br")], features=["private"])
    offer("nord-hausaufgaben", "Hausaufgabenhilfe", "volunteer_activity", "nord", "ehrenamt", 90, 10,
          [("tue", "15:00", "nord-gr")], guaranteed=False)
    offer("mitte-deutsch", "Deutschkurs A2", "language_course", "mitte", "vhs", 90, 14,
          [("tue", "10:00", "mitte-mz"), ("thu", "10:00", "mitte-mz")], features=["whiteboard"])
    offer("mitte-alltag", "Alltag in der Stadt", "daily_life_course", "mitte", "vhs", 90, 12,
          [("fri", "10:00", "mitte-mz")])
    offer("mitte-sprechstunde", "Sprechstunde Ausländerangelegenheiten", "office_hours", "mitte", "fb-auslaender",
          120, 2, [("tue", "13:00", "mitte-mz")])
    offer("mitte-verfahren", "Asylverfahrensberatung", "procedural_counselling", "mitte", "verfahrensberatung", 120,
          2, [("wed", "13:00", "mitte-mz")])
    offer("sued-deutsch", "Deutschkurs A1", "language_course", "sued", "vhs", 90, 10,
          [("mon", "14:00", "sued-gr"), ("wed", "14:00", "sued-gr")], features=["whiteboard"])
    offer("sued-sprechstunde", "Sprechstunde Fachbereich Soziales", "office_hours", "sued", "fb-soziales", 120, 2,
          [("wed", "10:00", "sued-br")])
    offer("sued-verfahren", "Asylverfahrensberatung", "procedural_counselling", "sued", "verfahrensberatung", 120, 2,
          [("thu", "10:00", "sued-br")], features=["private"])
    offer("west-deutsch", "Deutschkurs für Frauen mit Kinderbetreuung", "language_course", "west", "vhs-west", 90, 12,
          [("tue", "09:00", "west-gr"), ("thu", "09:00", "west-gr")])
    offer("west-alltag", "Kochen und Einkaufen", "daily_life_course", "west", "caritas", 120, 10,
          [("wed", "15:00", "west-gr")], features=["kitchen"])
    offer("west-sprechstunde", "Sprechstunde Ausländerangelegenheiten", "office_hours", "west", "fb-auslaender", 120,
          2, [("thu", "13:00", "west-gr")])
    offer("west-cafe", "Begegnungscafé", "volunteer_activity", "west", "ehrenamt", 120, 20,
          [("sat", "14:00", "west-gr")], guaranteed=False)

    requirements = []
    for place in ("nord", "mitte", "sued", "west"):
        requirements += [
            {"accommodation": place, "category": "language_course", "min_minutes_per_week": 180},
            {"accommodation": place, "category": "daily_life_course", "min_minutes_per_week": 90},
            {"accommodation": place, "category": "office_hours", "min_minutes_per_week": 120},
            {"accommodation": place, "category": "counselling", "min_minutes_per_week": 60},
            {"accommodation": place, "category": "procedural_counselling", "min_minutes_per_week": 120},
        ]
    maintenance = maintenance_day(today)
    return {
        "format": "roombook-scenario/1", "timezone": "Europe/Berlin",
        "period": {"start": monday.isoformat(), "end": (monday + dt.timedelta(weeks=26, days=-1)).isoformat()},
        "slot_minutes": 15, "travel_minutes": 30,
        "travel": [{"from": "nord", "to": "mitte", "minutes": 20}, {"from": "sued", "to": "west", "minutes": 25}],
        "accommodations": accommodations, "providers": providers, "offers": offers,
        "requirements": requirements, "bookings": [],
        "closures": [{"room": "sued-gr", "start": f"{maintenance}T08:00", "end": f"{maintenance}T20:00",
                      "reason": "Malerarbeiten"}],
        "current_plan": plan,
    }


DEMO_USERS = [
    ("admin@example.org", "admin", "Admin"),
    ("coordinator@example.org", "coordinator", "Koordination Wohlfahrtsverbände"),
    ("manager@example.org", "facility_manager", "Hausleitung Nord und Mitte"),
    ("department@example.org", "department", "Fachbereich Soziales"),
    ("volunteer@example.org", "volunteer", "Ehrenamtliche Demo"),
]


@functools.cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    """The days that close every room, from `year` through the next (the demo's dates lie within weeks)."""
    return holidays.country_holidays("DE", subdiv=HOLIDAY_SUBDIVISION, years=range(year, year + 2))


def maintenance_day(today: dt.date) -> dt.date:
    """The Wednesday the painters close sued-gr: three weeks ahead, or the first week after that holds no public
    holiday. The closure then stands alone in its week on any day, and tests that want a week with nothing
    unusual in it step over this one (tests/dates.py)."""
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=3)
    closed = _public_holidays(monday.year)
    while any(monday + dt.timedelta(days=offset) in closed for offset in range(7)):
        monday += dt.timedelta(weeks=1)
    return monday + dt.timedelta(days=2)


def workshop_fridays(today: dt.date) -> list[dt.date]:
    """Three Fridays in a row, from next week on, none a public holiday: the demo volunteer's Fahrradwerkstatt
    holds the first two, so a weekly booking over all three meets two clashes and one free week on any day."""
    friday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1, days=4)
    closed = _public_holidays(friday.year)
    while any(friday + dt.timedelta(weeks=week) in closed for week in range(3)):
        friday += dt.timedelta(weeks=1)
    return [friday + dt.timedelta(weeks=week) for week in range(3)]


def load_demo(session: Session, today: dt.date) -> list[tuple[str, str]]:
    """Load the demo city, its users and a few volunteer bookings. Returns (email, role) of each login."""
    import_scenario(session, demo_scenario(today))
    places = {a.key: a for a in session.scalars(sa.select(Accommodation))}
    users = {}
    for email, role, name in DEMO_USERS:
        users[role] = create_user(
            session, email, role, DEMO_PASSWORD, display_name=name,
            accommodations=[places["nord"], places["mitte"]] if role == "facility_manager" else [],
            provider=session.scalar(sa.select(Provider).where(Provider.key == "fb-soziales"))
            if role == "department" else None)
    _volunteer_profiles(session, users["volunteer"], places)
    room = session.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    now = to_utc(dt.datetime.combine(today, dt.time(0)), room.tz)  # the city as of `today`, not the clock's
    for day in workshop_fridays(today)[:2]:
        start = to_utc(dt.datetime.combine(day, dt.time(16, 0)), room.tz)
        book_room(session, users["volunteer"], room, start, start + dt.timedelta(hours=2),
                  "Fahrradwerkstatt", now=now)
    # the volunteer's weekly group, so a closure of the big room hits a volunteer's series too
    saturday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1, days=5)
    start = to_utc(dt.datetime.combine(saturday, dt.time(10, 30)), room.tz)
    # and it is a public offer, so the residents it is for find it on their schedule, poster and calendar
    book_weekly(session, users["volunteer"], room, start, start + dt.timedelta(minutes=90),
                "Deutsch-Gesprächsgruppe", 8, book_rest=True, now=now, details=GROUP_DETAILS)
    _contacts_and_venue(session, places)
    _translations(session)
    _pending_registration(session, now)
    _trainings_and_qualifications(session, users, today, now)
    _absence(session, users["volunteer"], saturday)
    return [(email, role) for email, role, _ in DEMO_USERS]


def _absence(session: Session, volunteer: User, first_saturday: dt.date) -> None:
    """A week away, after the demo volunteer's group has had its eight Saturdays: the profile page and the
    coordinator's volunteers page show it, and it hits none of their dates (so it opens no change)."""
    monday = first_saturday + dt.timedelta(weeks=9, days=2)
    session.add(VolunteerAbsence(user_id=volunteer.id, starts_on=monday, ends_on=monday + dt.timedelta(days=4),
                                 note="Prüfungswoche"))
    session.flush()


def _translations(session: Session) -> None:
    """Names and titles residents read in their language: the big room at Nord and its German course."""
    room = session.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    room.translations = {"ar": {"name": "قاعة الاجتماعات"}, "uk": {"name": "Спільна кімната"},
                         "en": {"name": "Common room"}}
    course = session.scalar(sa.select(Offer).where(Offer.key == "nord-deutsch"))
    course.translations = {"ar": {"title": "دورة اللغة الألمانية A1"}, "uk": {"title": "Курс німецької мови A1"},
                           "en": {"title": "German course A1"}}
    session.flush()


# The volunteer's German conversation group as residents read it (roombook.booking.offer_details).
GROUP_DETAILS = {
    "category": "volunteer_activity", "languages": ["de", "ar"], "audience": "everyone", "participants": 12,
    "public": True, "public_contact": "",
    "description": "Deutsch sprechen üben, ohne Anmeldung, bei Tee und Keksen. Alle Niveaus willkommen.",
    "translations": {
        "ar": {"title": "مجموعة المحادثة باللغة الألمانية",
               "description": "تدرّب على التحدث بالألمانية، بدون تسجيل، مع الشاي والبسكويت. جميع المستويات مرحّب بها."},
        "uk": {"title": "Розмовна група німецької мови"},
        "en": {"title": "German conversation group"},
    },
}

# Where each provider hears of changes to its sessions, in its language.
CONTACTS = {"vhs": ("kurse@vhs.example.org", "de"), "vhs-west": ("kursleitung-west@vhs.example.org", "de"),
            "fb-soziales": ("soziales@stadt.example.org", "de"), "caritas": ("migration@caritas.example.org", "de"),
            "fb-auslaender": ("auslaenderamt@stadt.example.org", "de"),
            "verfahrensberatung": ("verfahrensberatung@example.org", "en"), "ehrenamt": ("ehrenamt@example.org", "de")}


def _contacts_and_venue(session: Session, places: dict[str, Accommodation]) -> None:
    """Providers' contact addresses, and the library near Unterkunft Nord recorded as its alternative venue."""
    for provider in session.scalars(sa.select(Provider)):
        provider.contact_email, provider.contact_language = CONTACTS.get(provider.key, (None, "de"))
    nord = places["nord"]
    library = Room(key="nord-bibliothek", accommodation=nord, name="Stadtteilbibliothek Nord", capacity=30,
                   features=["whiteboard", "step_free"], venue_note="Nordstraße 40, 5 Minuten zu Fuß",
                   open=_week(WEEKDAYS, "10:00", "19:00"))
    session.add(library)
    session.flush()
    # closed on the public holidays like every room the import made (the daily job keeps them ahead)
    years = sorted({c.starts_at.year for c in session.scalars(sa.select(Closure).where(Closure.kind == "holiday"))})
    add_public_holidays(session, [library], years)


# Two more volunteers, without a demo login: the coordinator's volunteers page has someone to compare. Amal runs
# the volunteers' circle's offers (its homework help in Nord, its café in West) but named only Nord. As the
# circle's only volunteer her wished times and hours are the circle's to the planner (roombook.scenario.exporter),
# so they hold both offers where they are.
MORE_VOLUNTEERS = [
    ("amal@example.org", "Amal K.", "ehrenamt",
     {"languages": ["de", "ar", "ku"], "skills": ["volunteer_activity", "language_course"], "places": ["nord"],
      "available": _week(["tue", "thu"], "14:00", "18:00") + _week(["sat"], "13:00", "17:00"), "max_hours": 4,
      "note": "Studentin, nachmittags frei."}),
    ("jonas@example.org", "Jonas B.", None,
     {"languages": ["de", "en", "fa"], "skills": ["counselling", "daily_life_course"], "places": [],
      "available": _week(["tue", "thu"], "17:00", "20:00"), "max_hours": 2, "note": ""}),
]


def _volunteer_profiles(session: Session, demo_volunteer: User, places: dict[str, Accommodation]) -> None:
    save_profile(session, demo_volunteer, languages=["de", "ar"], skills=["volunteer_activity", "daily_life_course"],
                 accommodation_ids=[places["nord"].id],
                 available=_week(["fri"], "15:00", "19:00") + _week(["sat"], "10:00", "13:00"), max_hours=4,
                 note="Fahrradwerkstatt; gern auch Begleitung zu Ämtern.")
    for email, name, provider_key, wishes in MORE_VOLUNTEERS:
        provider = session.scalar(sa.select(Provider).where(Provider.key == provider_key)) if provider_key else None
        user = create_user(session, email, "volunteer", DEMO_PASSWORD, display_name=name, provider=provider)
        save_profile(session, user, languages=wishes["languages"], skills=wishes["skills"],
                     accommodation_ids=[places[key].id for key in wishes["places"]],
                     available=wishes["available"], max_hours=wishes["max_hours"], note=wishes["note"])


def _pending_registration(session: Session, now: dt.datetime) -> None:
    """Someone who signed up on /mitmachen and confirmed the address: the coordinator's decision is due."""
    from roombook.models.recruitment import Registration, RegistrationStatus

    session.add(Registration(email="mitmachen@example.org", display_name="Samira Ahmadi", language="de",
                             languages=["de", "fa"], skills=["language_course", "volunteer_activity"],
                             note="Ich übersetze gern Persisch und Dari.", consented_at=now, created_at=now,
                             confirmed_at=now, status=RegistrationStatus.CONFIRMED))


def _trainings_and_qualifications(session: Session, users: dict[str, User], today: dt.date, now: dt.datetime) -> None:
    """A first-aid training that is full, with a waiting list the demo volunteer may join; an asylum-law course in
    West's room on two Sundays with seats left; proofs seen, the demo volunteer's measles proof about to end."""
    from roombook.coordination import qualifications, trainings

    coordinator = users["coordinator"]
    others = list(session.scalars(sa.select(User).where(User.email.in_([e for e, *_ in MORE_VOLUNTEERS]))
                                  .order_by(User.id)))
    sunday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=2, days=6)
    room = session.scalar(sa.select(Room).where(Room.key == "west-gr"))

    def at(day: dt.date, hour: int) -> dt.datetime:
        return to_utc(dt.datetime.combine(day, dt.time(hour)), room.tz)

    first_aid = trainings.create_training(
        session, coordinator, title="Erste Hilfe für Ehrenamtliche", description="Ein Tag beim DRK, mit Zertifikat.",
        seats=1, deadline=at(sunday - dt.timedelta(days=3), 18), qualification="first_aid", now=now,
        sessions=[trainings.PlannedSession(at(sunday - dt.timedelta(days=1), 9), at(sunday - dt.timedelta(days=1), 16),
                                           place="DRK-Kreisverband, Hauptstraße 5")])
    for person in others[:4]:
        trainings.sign_up(session, person, first_aid, now=now)
    asylum = trainings.create_training(
        session, coordinator, title="Grundlagen Asylrecht", description="Für alle, die zu Ämtern begleiten.",
        seats=12, deadline=at(sunday - dt.timedelta(days=2), 18), qualification="asylum_law", now=now,
        sessions=[trainings.PlannedSession(at(day, 10), at(day, 13), room=room)
                  for day in (sunday, sunday + dt.timedelta(weeks=1))])
    trainings.sign_up(session, others[0], asylum, now=now)
    seen = today - dt.timedelta(days=200)
    qualifications.record_qualification(
        session, coordinator, users["volunteer"], qualifications.kind_for(session, "measles"), seen_on=seen,
        valid_until=today + dt.timedelta(days=20), today=today)
    qualifications.record_qualification(
        session, coordinator, others[0], qualifications.kind_for(session, qualifications.POLICE_CERTIFICATE),
        seen_on=seen, issued_on=seen - dt.timedelta(days=10), clear=True, today=today)
    qualifications.record_qualification(session, coordinator, others[1], qualifications.kind_for(session, "asylum_law"),
                                        seen_on=seen, today=today)
