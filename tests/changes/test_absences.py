"""A volunteer's absence: the weekly template stays, the dates it hits are one change, decided once and told once.
On SQLite and PostgreSQL (the suite's database)."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from roombook.booking.occurrences import materialise
from roombook.booking.service import book_room
from roombook.changes import deciding
from roombook.changes.absences import (
    AbsenceError,
    absences_of,
    delete_absence,
    record_absence,
)
from roombook.coordination.volunteers import profile_of, save_profile
from roombook.i18n import stored_text
from roombook.models import (
    Conflict,
    Occurrence,
    OfferSession,
    OutboxMessage,
    Provider,
    RoomChange,
    VolunteerAbsence,
)
from roombook.models.changes import ChangeStatus, ItemStatus
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus
from tests.changes.conftest import NOW
from tests.conftest import login
from tests.factories import local

AWAY_FROM, AWAY_TO = dt.date(2027, 3, 8), dt.date(2027, 3, 21)  # two weeks: Tuesdays 9 and 16 March
TUESDAY_AFTERNOON = [{"day": "tue", "from": "15:00", "to": "18:00"}]


def wishes(session, user, windows):
    save_profile(session, user, languages=["de"], skills=["volunteer_activity"], accommodation_ids=[],
                 available=windows, max_hours=3, note="")


@pytest.fixture
def group(session, house, make_offer, make_user):
    """The volunteers' circle runs a café in the multi-purpose room every Tuesday 16:00; Lena wished for Tuesday
    afternoons, Omar for Thursdays. Lena also booked a room for herself on 10 March."""
    cafe = make_offer(house["medium"], slots=(("tue", "16:00"),), title="Begegnungscafé", category="volunteer_activity",
                      participants=20)
    circle = cafe.providers[0]
    circle.kind, circle.name, circle.contact_email = "volunteer", "Ehrenamtskreis", "kreis@example.org"
    materialise(session, cafe.sessions[0], dt.date(2027, 4, 30), now=NOW)
    lena = make_user("volunteer", email="lena@example.org", display_name="Lena", provider=circle)
    omar = make_user("volunteer", email="omar@example.org", display_name="Omar", provider=circle)
    wishes(session, lena, TUESDAY_AFTERNOON)
    wishes(session, omar, [{"day": "thu", "from": "15:00", "to": "18:00"}])
    own = book_room(session, lena, house["small"], local(2027, 3, 10, 11), local(2027, 3, 10, 12), "Nachhilfe",
                    now=NOW)
    session.flush()
    return {"cafe": cafe, "circle": circle, "lena": lena, "omar": omar, "own": own}


def cafe_dates(session, group, status=None) -> list[dt.datetime]:
    query = (sa.select(Occurrence.starts_at).join(Occurrence.offer_session)
             .where(OfferSession.offer_id == group["cafe"].id).order_by(Occurrence.starts_at))
    if status is not None:
        query = query.where(Occurrence.status == status)
    return list(session.scalars(query))


def template(session, group) -> list[tuple]:
    return [(s.day, s.start, s.room_id, s.valid_from, s.valid_until)
            for s in session.scalars(sa.select(OfferSession).where(OfferSession.offer_id == group["cafe"].id))]


def test_an_absence_over_two_weeks_is_one_change_not_a_conflict_per_date(session, house, group):
    before, conflicts = template(session, group), session.scalar(sa.select(sa.func.count()).select_from(Conflict))
    absence, changes = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO, "Urlaub")

    assert len(changes) == 1
    change = changes[0]
    assert (change.cause, change.absence_id, change.status) == ("absence", absence.id, ChangeStatus.PROPOSED)
    by_title = {item.title: item for item in change.items}
    assert sorted(by_title) == ["Begegnungscafé", "Nachhilfe"]
    assert [h["start"][:10] for h in by_title["Begegnungscafé"].hits] == ["2027-03-09", "2027-03-16"]
    # Omar is there: he may take the café over; Lena's own booking has no one to take it
    assert by_title["Begegnungscafé"].proposal["tier"] == "volunteer"
    assert by_title["Nachhilfe"].proposal is None and by_title["Nachhilfe"].reason == "absent"
    # nothing is decided yet: no conflict, no date taken out, the weekly template and the wishes as they were
    assert session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == conflicts
    assert cafe_dates(session, group, OccurrenceStatus.CANCELLED) == []
    assert template(session, group) == before
    assert profile_of(session, group["lena"]).available == TUESDAY_AFTERNOON
    assert session.get(VolunteerAbsence, absence.id).note == "Urlaub"
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.change_id == change.id)) == 0


def test_cancelling_the_dates_cancels_just_those_and_tells_everyone_once_in_their_language(session, house, group):
    before = template(session, group)
    group["omar"].language = house["coordinator"].language = "en"
    change = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)[1][0]
    decisions = [{"item": item.id, "action": "cancel"} for item in change.items]

    deciding.apply_change(session, house["coordinator"], change, decisions)

    cancelled = cafe_dates(session, group, OccurrenceStatus.CANCELLED)
    assert [d.date() for d in cancelled] == [dt.date(2027, 3, 9), dt.date(2027, 3, 16)]
    assert len(cafe_dates(session, group, OccurrenceStatus.SCHEDULED)) > 0  # the other Tuesdays stay
    assert group["own"].status == BookingStatus.CANCELLED
    assert template(session, group) == before
    assert {item.status for item in change.items} == {ItemStatus.CANCELLED}
    sent = Counter(session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.change_id == change.id)))
    assert set(sent) == {"kreis@example.org", "lena@example.org", "omar@example.org", "manager@example.org",
                         "coord@example.org"}
    # one message per address, never one per date: Lena, of the group and owner of a booking, gets one too
    assert set(sent.values()) == {1}
    told = {m.recipient: m for m in session.scalars(sa.select(OutboxMessage)
                                                     .where(OutboxMessage.change_id == change.id))}
    omar, lena = told["omar@example.org"], told["lena@example.org"]
    assert omar.subject == "Absence: dates in Unterkunft Nord"  # Omar reads English
    assert "Begegnungscafé" in omar.body and "Cancelled:" in omar.body and "Fällt aus" not in omar.body
    assert "Nachhilfe" not in omar.body  # Lena's own booking is hers
    assert lena.subject == "Abwesenheit: Termine in Unterkunft Nord"
    # the coordination learns who is away, in its language too
    assert "Reason: Absence: Lena" in told["coord@example.org"].body
    cancelled = session.scalars(sa.select(Occurrence.reason).join(Occurrence.offer_session)
                                .where(OfferSession.offer_id == group["cafe"].id,
                                       Occurrence.status == OccurrenceStatus.CANCELLED)).all()
    with force_locale("en"):  # the dates' stored reason is the app's own text: pages show it translated
        assert [stored_text(reason) for reason in cancelled] == ["Cancelled (absence)"] * 2
    assert "Begegnungscafé" in lena.body and "Nachhilfe" in lena.body


def test_taken_over_dates_stay_where_they_are(session, house, group):
    change = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)[1][0]
    cafe = next(item for item in change.items if item.kind == "offer")

    deciding.apply_change(session, house["manager"], change, [{"item": cafe.id, "action": "accept"}])

    assert cafe.status == ItemStatus.TAKEN_OVER
    assert cafe_dates(session, group, OccurrenceStatus.CANCELLED) == []
    assert group["own"].status == BookingStatus.CANCELLED  # without a proposal: cancelled
    omar = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "omar@example.org"))
    assert "jemand anderes aus der Gruppe übernimmt" in omar.body


def test_an_absence_cannot_move_dates_elsewhere(session, house, group):
    change = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)[1][0]
    cafe = next(item for item in change.items if item.kind == "offer")
    with pytest.raises(deciding.ChangeRefused) as refused:
        deciding.apply_change(session, house["manager"], change,
                              [{"item": cafe.id, "action": "free", "room": house["big"].id, "day": "wed",
                                "start": "10:00"}])
    assert (refused.value.status, refused.value.field) == (422, "action")
    assert change.status == ChangeStatus.PROPOSED


def test_dates_another_volunteer_wished_for_are_not_hit(session, house, group):
    wishes(session, group["omar"], TUESDAY_AFTERNOON)  # Omar is there on Tuesdays too
    change = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)[1][0]
    assert [item.title for item in change.items] == ["Nachhilfe"]


def test_with_no_one_else_in_the_group_the_dates_are_proposed_cancelled(session, house, group):
    group["omar"].active = False
    change = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)[1][0]
    cafe = next(item for item in change.items if item.kind == "offer")
    assert cafe.proposal is None and cafe.reason == "no_volunteer"
    deciding.apply_change(session, house["manager"], change, [])  # every item takes its default
    assert len(cafe_dates(session, group, OccurrenceStatus.CANCELLED)) == 2


def test_an_absence_that_hits_nothing_opens_no_change(session, house, group):
    absence, changes = record_absence(session, group["lena"], dt.date(2027, 3, 11), dt.date(2027, 3, 14))
    assert changes == [] and absences_of(session, group["lena"]) == [absence]


BAD_DAYS = [
    (dt.date(2027, 2, 19), dt.date(2027, 2, 25), "starts_on"),  # yesterday
    (dt.date(2027, 3, 8), dt.date(2027, 3, 7), "ends_on"),
    (dt.date(2027, 3, 8), dt.date(2028, 3, 8), "ends_on"),
    (None, dt.date(2027, 3, 7), "starts_on"),
    (dt.date(2027, 3, 15), dt.date(2027, 3, 16), "starts_on"),  # within the one recorded below
]


def test_bad_days_are_refused_at_their_field_and_nothing_is_written(session, group):
    record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)
    changes = session.scalar(sa.select(sa.func.count()).select_from(RoomChange))
    for starts_on, ends_on, field in BAD_DAYS:  # one world for all: each refusal writes nothing
        with pytest.raises(AbsenceError) as refused:
            record_absence(session, group["lena"], starts_on, ends_on)
        assert refused.value.field == field, (starts_on, ends_on)
    assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerAbsence)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(RoomChange)) == changes


def test_deleting_a_future_absence_withdraws_its_undecided_change(session, house, group):
    absence, (change,) = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)
    with pytest.raises(AbsenceError):
        delete_absence(session, group["omar"], absence)  # not his
    delete_absence(session, group["lena"], absence)
    assert change.status == ChangeStatus.DISCARDED and change.absence_id is None
    assert absences_of(session, group["lena"]) == []
    assert cafe_dates(session, group, OccurrenceStatus.CANCELLED) == []
    assert session.get(Provider, group["circle"].id) is not None


def test_the_manager_decides_an_absence_on_the_change_page(client, session, house, group):
    change = record_absence(session, group["lena"], AWAY_FROM, AWAY_TO)[1][0]
    session.flush()
    cafe = next(item for item in change.items if item.kind == "offer")
    login(client, "manager@example.org", "secret-pw")
    listed = client.get("/manage/changes").get_data(as_text=True)
    assert f'href="/manage/changes/{change.id}">Abwesenheit: Lena</a>' in listed
    page = client.get(f"/manage/changes/{change.id}").get_data(as_text=True)
    assert "<h1>Abwesenheit: Lena" in page and "jemand anderes aus der Gruppe übernimmt" in page
    assert "Selbst wählen" not in page  # nothing moves elsewhere for an absence
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = client.post(f"/manage/changes/{change.id}", data={"csrf_token": token, f"item_{cafe.id}": "accept"})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    session.expire_all()
    assert cafe.status == ItemStatus.TAKEN_OVER and group["own"].status == BookingStatus.CANCELLED
    decided = client.get(f"/manage/changes/{change.id}").get_data(as_text=True)
    assert "Finden statt; jemand anderes aus der Gruppe übernimmt:" in decided


def test_a_closure_proposes_the_groups_offer_only_within_its_volunteers_wishes(session, house, group):
    from roombook.changes.recording import record_closure

    # the group's own row says "all week"; its volunteers wished for Tuesday and Thursday afternoons
    change = record_closure(session, house["manager"], house["medium"], local(2027, 3, 8), local(2027, 3, 22),
                            "Malerarbeiten", "maintenance").change
    cafe = next(item for item in change.items if item.title == "Begegnungscafé")
    slots = [slot for slot in [cafe.proposal, *cafe.options] if slot]
    assert slots, "nothing proposed"
    for slot in slots:
        for start in slot["starts"]:
            local_start = dt.datetime.fromisoformat(start).astimezone(house["medium"].tz)
            assert local_start.strftime("%a") in ("Tue", "Thu"), slot
            assert "15:00" <= local_start.strftime("%H:%M") <= "16:30", slot  # 90 minutes, ending by 18:00
