"""Mails people expect: confirmations with a calendar invitation (iTIP), the invitation's updates when a room
change moves or cancels the dates, and the reminder of a day's dates, once per person and day. On SQLite and
PostgreSQL (the suite's database); the calendars are read back with the icalendar library."""
from __future__ import annotations

import datetime as dt

import icalendar
import sqlalchemy as sa

from roombook import clock
from roombook.booking.service import book_room, cancel_booking
from roombook.changes import deciding
from roombook.changes.recording import record_closure
from roombook.feeds.uids import booking_uid, series_uid
from roombook.jobs import send_reminders
from roombook.models import (
    BookingSeries,
    CalendarInvitation,
    OutboxMessage,
    ReminderSent,
)
from roombook.notifications import confirming, reminders
from roombook.notifications.outbox import send_pending
from tests.api.conftest import bearer  # noqa: F401  (fixture)
from tests.changes.conftest import CLOSED_FROM, CLOSED_TO, NOW, city_clock, house  # noqa: F401  (fixtures)
from tests.factories import local
from tests.manage.conftest import smtp_sink  # noqa: F401  (fixture)

BERLIN = local(2027, 1, 1).tzinfo


def calendars(message: OutboxMessage) -> list[icalendar.Calendar]:
    return [icalendar.Calendar.from_ical(part["ics"]) for part in message.calendars or []]


def events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


def messages(session, kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.recipient == to)
    return list(session.scalars(query))


def _series(session, house) -> BookingSeries:
    return session.get(BookingSeries, house["series"][0].series_id)


# --- confirmations -------------------------------------------------------------------------------------------

def test_a_series_is_confirmed_with_one_weekly_invitation_under_the_series_uid(session, house):
    volunteer = house["volunteer"]
    message = confirming.confirm_booked(session, volunteer, house["series"])
    (cal,) = calendars(message)
    assert cal["METHOD"] == "REQUEST"
    (event,) = events(cal)
    assert str(event["UID"]) == series_uid(_series(session, house).uid, "roombook")
    assert event["SEQUENCE"] == 0 and event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event.decoded("DTSTART") == local(2027, 3, 2, 17)
    assert str(event["ATTENDEE"]) == "mailto:vol@example.org"
    assert message.recipient == "vol@example.org" and message.kind == "confirmation"
    assert "booked" in message.body  # the volunteer reads English
    row = session.scalar(sa.select(CalendarInvitation))
    assert (row.recipient, row.uid, row.sequence) == ("vol@example.org", str(event["UID"]), 0)


def test_a_single_booking_is_confirmed_under_the_uid_its_feed_event_has(session, house):
    one_off = house["one_off"]
    (cal,) = calendars(confirming.confirm_booked(session, house["volunteer"], [one_off]))
    (event,) = events(cal)
    assert str(event["UID"]) == booking_uid(one_off.id, "roombook") == f"booking-{one_off.id}@roombook"
    assert "RRULE" not in event and event.decoded("DTEND") == local(2027, 3, 10, 15)


def test_a_cancellation_sends_cancel_with_the_same_uid_and_a_higher_sequence(session, house):
    volunteer, one_off, second = house["volunteer"], house["one_off"], house["series"][1]
    confirming.confirm_booked(session, volunteer, [one_off])
    confirming.confirm_booked(session, volunteer, house["series"])
    cancel_booking(session, volunteer, one_off, "krank")
    (cal,) = calendars(confirming.confirm_cancelled(session, one_off))
    assert cal["METHOD"] == "CANCEL"
    (event,) = events(cal)
    assert str(event["UID"]) == booking_uid(one_off.id, "roombook") and event["SEQUENCE"] == 1
    # one date of a series: the series' UID with the date's RECURRENCE-ID
    cancel_booking(session, volunteer, second, "Ferien")
    (cal,) = calendars(confirming.confirm_cancelled(session, second))
    (event,) = events(cal)
    assert str(event["UID"]) == series_uid(_series(session, house).uid, "roombook") and event["SEQUENCE"] == 1
    assert event.decoded("RECURRENCE-ID") == local(2027, 3, 9, 17)


def test_confirmations_switched_off_are_not_sent_but_notices_of_changes_are(session, house):
    volunteer = house["volunteer"]
    confirming.set_mail_settings(session, volunteer, confirmations=False, reminders=False, reminder_time="evening")
    assert confirming.confirm_booked(session, volunteer, house["series"]) is None
    cancel_booking(session, volunteer, house["one_off"], "krank")
    assert confirming.confirm_cancelled(session, house["one_off"]) is None
    assert messages(session, "confirmation") == []
    change = record_closure(session, house["manager"], house["big"], CLOSED_FROM, CLOSED_TO, "Lager", "other_use").change
    deciding.apply_change(session, house["manager"], change, [{"item": i.id, "action": "cancel"} for i in change.items])
    assert len(messages(session, "change", to="vol@example.org")) == 1


def test_booking_and_cancelling_through_the_api_confirm_both(client, session, house, bearer):
    headers = bearer(house["volunteer"])
    answer = client.post("/api/v1/bookings", headers=headers, json={
        "room": house["medium"].id, "start": local(2027, 3, 3, 10).isoformat(),
        "end": local(2027, 3, 3, 11).isoformat(), "title": "Nähcafé"})
    assert answer.status_code == 201, answer.get_json()
    booking_id = answer.get_json()["id"]
    assert client.delete(f"/api/v1/bookings/{booking_id}", headers=headers).status_code == 200
    methods = [(calendars(m)[0]["METHOD"], str(events(calendars(m)[0])[0]["UID"]))
               for m in messages(session, "confirmation")]
    assert methods == [("REQUEST", f"booking-{booking_id}@roombook"), ("CANCEL", f"booking-{booking_id}@roombook")]


def test_a_series_booked_then_changed_from_its_third_week_through_the_api_updates_the_invitation(
        client, session, house, bearer):
    """The series' confirmation invites to one weekly event; moving the weeks from the third on to 18:00
    sends the owner the updated dates under the same UID with a higher SEQUENCE, and cancelling the rest
    sends one CANCEL mail for all of them."""
    headers = bearer(house["volunteer"])
    answer = client.post("/api/v1/booking-series", headers=headers, json={
        "room": house["medium"].id, "start": local(2027, 3, 3, 10).isoformat(),
        "end": local(2027, 3, 3, 11).isoformat(), "title": "Nähcafé", "weeks": 5})
    assert answer.status_code == 201, answer.get_json()
    dates = [d["booking"] for d in answer.get_json()["dates"]]
    (invitation,) = calendars(messages(session, "confirmation")[-1])
    uid = str(events(invitation)[0]["UID"])
    moved = client.patch(f"/api/v1/bookings/{dates[2]}?scope=following", headers=headers,
                         json={"start_time": "18:00"})
    assert moved.status_code == 200, moved.get_json()
    (update,) = calendars(messages(session, "confirmation")[-1])
    assert update["METHOD"] == "REQUEST"
    changed = events(update)
    assert {str(e["UID"]) for e in changed} == {uid} and all(e["SEQUENCE"] > 0 for e in changed)
    assert sorted(e.decoded("DTSTART").astimezone(BERLIN).hour for e in changed) == [18, 18, 18]
    assert client.delete(f"/api/v1/bookings/{dates[3]}?scope=following&reason=Umzug",
                         headers=headers).status_code == 200
    last = messages(session, "confirmation")[-1]
    (cancel,) = calendars(last)
    assert cancel["METHOD"] == "CANCEL" and len(events(cancel)) == 2 and "2 dates" in last.subject


def test_a_manager_moving_a_volunteers_dates_updates_their_invitation_in_the_one_notice(
        client, session, house, bearer, make_user):
    headers = bearer(house["volunteer"])
    answer = client.post("/api/v1/booking-series", headers=headers, json={
        "room": house["medium"].id, "start": local(2027, 3, 3, 10).isoformat(),
        "end": local(2027, 3, 3, 11).isoformat(), "title": "Nähcafé", "weeks": 3})
    assert answer.status_code == 201, answer.get_json()
    dates = [d["booking"] for d in answer.get_json()["dates"]]
    manager = make_user("facility_manager", accommodations=[house["medium"].accommodation])
    moved = client.patch(f"/api/v1/bookings/{dates[1]}?scope=following", headers=bearer(manager),
                         json={"start_time": "15:00"})
    assert moved.status_code == 200, moved.get_json()
    (notice,) = messages(session, "booking_changed", to="vol@example.org")
    (update,) = calendars(notice)
    assert update["METHOD"] == "REQUEST"
    assert sorted(e.decoded("DTSTART").astimezone(BERLIN).hour for e in events(update)) == [15, 15]
    assert all(e["SEQUENCE"] > 0 for e in events(update))


def test_a_confirmation_reaches_a_real_smtp_server_with_its_invitation(app, session, house, smtp_sink):
    confirming.confirm_booked(session, house["volunteer"], house["series"])
    session.flush()
    assert send_pending(app)["sent"] == 1
    (mail,) = smtp_sink.messages
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and parts[0].get_param("method") == "REQUEST"
    cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
    assert str(events(cal)[0]["UID"]) == series_uid(_series(session, house).uid, "roombook")
    assert str(events(cal)[0]["ORGANIZER"]) == "mailto:roombook@example.org"


# --- a room change updates the invitations ----------------------------------------------------------------

def test_a_room_change_updates_invitations_with_a_higher_sequence_in_the_one_change_mail(session, house):
    volunteer = house["volunteer"]
    confirming.confirm_booked(session, volunteer, house["series"])
    confirming.confirm_booked(session, volunteer, [house["one_off"]])
    change = record_closure(session, house["manager"], house["big"], CLOSED_FROM, CLOSED_TO, "Lager", "other_use").change
    series_item = next(i for i in change.items if i.title == "Gesprächsgruppe")
    decisions = [{"item": i.id, "action": "cancel" if i.proposal is None or i.id == series_item.id else "accept"}
                 for i in change.items]
    deciding.apply_change(session, house["manager"], change, decisions)
    (mail,) = messages(session, "change", to="vol@example.org")  # still one message per address and change
    by_method = {str(cal["METHOD"]): events(cal) for cal in calendars(mail)}
    assert set(by_method) == {"REQUEST", "CANCEL"}
    (moved,) = by_method["REQUEST"]  # the one-off moved: the same UID, one SEQUENCE higher
    assert str(moved["UID"]) == f"booking-{house['one_off'].id}@roombook" and moved["SEQUENCE"] == 1
    assert moved.decoded("DTSTART") == house["one_off"].starts_at.astimezone(BERLIN)
    assert str(moved["LOCATION"]).startswith(house["one_off"].room.name) and house["one_off"].room != house["big"]
    cancelled = by_method["CANCEL"]  # the series' three closed Tuesdays, each by its RECURRENCE-ID
    assert {str(e["UID"]) for e in cancelled} == {series_uid(_series(session, house).uid, "roombook")}
    assert sorted(e.decoded("RECURRENCE-ID") for e in cancelled) == [local(2027, 3, d, 17) for d in (9, 16, 23)]
    assert {e["SEQUENCE"] for e in cancelled} == {1}
    # managers were never invited: their change mail has no calendar
    assert messages(session, "change", to="manager@example.org")[0].calendars is None


def test_moved_dates_of_a_series_are_requests_with_their_recurrence_id(session, house):
    confirming.confirm_booked(session, house["volunteer"], house["series"])
    change = record_closure(session, house["manager"], house["big"], CLOSED_FROM, CLOSED_TO, "Lager", "other_use").change
    series_item = next(i for i in change.items if i.title == "Gesprächsgruppe")
    assert series_item.proposal is not None
    deciding.apply_change(session, house["manager"], change,
                          [{"item": i.id, "action": "accept" if i.proposal else "cancel"} for i in change.items])
    (mail,) = messages(session, "change", to="vol@example.org")
    (cal,) = calendars(mail)
    assert cal["METHOD"] == "REQUEST"
    moved = events(cal)
    assert sorted(e.decoded("RECURRENCE-ID") for e in moved) == [local(2027, 3, d, 17) for d in (9, 16, 23)]
    assert {e["SEQUENCE"] for e in moved} == {1}


# --- reminders ---------------------------------------------------------------------------------------------

def test_the_reminder_is_due_the_evening_before_or_that_morning():
    monday_1759, monday_1800 = local(2027, 3, 1, 17, 59), local(2027, 3, 1, 18)
    assert reminders.day_due("evening", monday_1759, BERLIN) is None
    assert reminders.day_due("evening", monday_1800, BERLIN) == dt.date(2027, 3, 2)
    assert reminders.day_due("morning", local(2027, 3, 2, 6, 59), BERLIN) is None
    assert reminders.day_due("morning", local(2027, 3, 2, 7), BERLIN) == dt.date(2027, 3, 2)


def test_one_reminder_per_person_and_day_summarising_that_days_dates(app, session, house, make_user):
    volunteer = house["volunteer"]
    book_room(session, volunteer, house["medium"], local(2027, 3, 2, 10), local(2027, 3, 2, 11), "Hausaufgabenhilfe",
              now=NOW)
    department = make_user("department", email="amt@example.org", provider=house["hours"].providers[0])
    confirming.set_mail_settings(session, department, confirmations=True, reminders=True, reminder_time="morning")
    evening = local(2027, 3, 1, 18, 5)
    assert send_reminders(app, evening) == 1
    assert send_reminders(app, evening + dt.timedelta(minutes=5)) == 0  # the next run of the job
    (mail,) = messages(session, "reminder")
    assert mail.recipient == "vol@example.org"
    assert "Hausaufgabenhilfe" in mail.body and "Gesprächsgruppe" in mail.body  # both of Tuesday's dates
    assert mail.body.index("Hausaufgabenhilfe") < mail.body.index("Gesprächsgruppe")
    # the department's office hours on Thursday, that morning
    assert send_reminders(app, local(2027, 3, 4, 7, 1)) == 1
    (office,) = messages(session, "reminder", to="amt@example.org")
    assert "Sprechstunde" in office.body
    assert session.scalars(sa.select(ReminderSent.day).order_by(ReminderSent.day)).all() == \
        [dt.date(2027, 3, 2), dt.date(2027, 3, 4)]


def test_reminders_switched_off_are_not_sent(app, session, house):
    confirming.set_mail_settings(session, house["volunteer"], confirmations=True, reminders=False,
                                 reminder_time="evening")
    session.flush()
    assert send_reminders(app, local(2027, 3, 1, 18, 5)) == 0 and messages(session, "reminder") == []


def test_switching_from_evening_to_morning_does_not_remind_twice_for_one_day(app, session, house):
    volunteer = house["volunteer"]
    assert send_reminders(app, local(2027, 3, 1, 18, 5)) == 1
    confirming.set_mail_settings(session, volunteer, confirmations=True, reminders=True, reminder_time="morning")
    assert send_reminders(app, local(2027, 3, 2, 7, 5)) == 0
    assert len(messages(session, "reminder")) == 1


def test_a_day_without_dates_left_sends_nothing(app, session, house):
    assert send_reminders(app, local(2027, 3, 2, 18, 5)) == 0  # Wednesday 3 March holds none of theirs


def test_the_send_reminders_command_queues_what_is_due(app, session, house):
    with clock.frozen(local(2027, 3, 1, 18, 30)):
        result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "1 reminders queued." in result.output


def test_deleting_an_account_forgets_the_invitations_sent_to_it_and_the_export_lists_them(session, house):
    from roombook.access.privacy import delete_user, export_user_data

    volunteer = house["volunteer"]
    confirming.confirm_booked(session, volunteer, house["series"])
    confirming.set_mail_settings(session, volunteer, confirmations=True, reminders=False, reminder_time="morning")
    exported = export_user_data(session, volunteer)
    assert exported["mail_settings"] == {"confirmations": True, "reminders": False, "reminder_time": "morning"}
    assert [i["method"] for i in exported["calendar_invitations"]] == ["REQUEST"]
    delete_user(session, None, volunteer)
    assert session.scalars(sa.select(CalendarInvitation)).all() == []


def test_a_volunteer_giving_up_the_held_dates_gets_their_invitations_cancelled(session, house):
    volunteer = house["volunteer"]
    confirming.confirm_booked(session, volunteer, house["series"])
    change = record_closure(session, house["manager"], house["big"], CLOSED_FROM, CLOSED_TO, "Lager", "other_use").change
    series_item = next(i for i in change.items if i.title == "Gesprächsgruppe")
    deciding.apply_change(session, house["manager"], change, [
        {"item": i.id, "action": "ask_volunteer" if i.id == series_item.id else "accept" if i.proposal else "cancel"}
        for i in change.items])
    (held,) = calendars(messages(session, "change", to="vol@example.org")[0])
    assert held["METHOD"] == "REQUEST" and {e["SEQUENCE"] for e in events(held)} == {1}
    deciding.answer(session, volunteer, series_item, deciding.GIVE_UP)
    (answer,) = messages(session, "confirmation")[1:]
    (cal,) = calendars(answer)
    assert cal["METHOD"] == "CANCEL" and {e["SEQUENCE"] for e in events(cal)} == {2}
    assert sorted(e.decoded("RECURRENCE-ID") for e in events(cal)) == [local(2027, 3, d, 17) for d in (9, 16, 23)]
