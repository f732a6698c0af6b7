"""Closures with a preview, the conflict inbox and its three decisions, all recorded and told."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking import rooms
from roombook.conflicts import decisions as conflicts
from roombook.models import (
    AuditEvent,
    Booking,
    Conflict,
    Occurrence,
    OutboxMessage,
    Room,
    User,
)
from roombook.models.offers import OccurrenceStatus
from tests.conftest import login
from tests.manage.conftest import token_from


def _room(session, key):
    return session.scalar(sa.select(Room).where(Room.key == key))


def _user(session, email):
    return session.scalar(sa.select(User).where(User.email == email))


def _close_over(session, booking, reason="Wasserschaden"):
    manager = _user(session, "manager@example.org")
    start = booking.starts_at - dt.timedelta(hours=1)
    return rooms.apply_closure(session, manager, booking.room, start, booking.ends_at, reason,
                               base_url="http://rb.test/")


def test_preview_names_what_a_closure_would_cancel_and_displace_without_writing(demo, volunteer_booking):
    room = volunteer_booking.room
    day_start = volunteer_booking.starts_at.replace(hour=0)
    before = demo.scalar(sa.select(sa.func.count()).select_from(Conflict))
    preview = rooms.preview_closure(demo, room, day_start, day_start + dt.timedelta(days=1), "Grundreinigung")
    assert [b.id for b in preview.bookings] == [volunteer_booking.id]
    assert demo.scalar(sa.select(sa.func.count()).select_from(Conflict)) == before
    assert volunteer_booking.active


def test_applying_a_closure_displaces_the_booking_opens_a_conflict_and_mails_the_volunteer(demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    assert volunteer_booking.status == "displaced"
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    assert conflict.booking_id == volunteer_booking.id and conflict.alternatives
    mail = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "volunteer@example.org"))
    assert "Wasserschaden" in mail.body and f"http://rb.test/booking-changes/{conflict.id}" in mail.body
    assert "1. " in mail.body  # the alternatives are listed
    assert demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "manager@example.org"))


def test_accepting_an_alternative_books_it_for_the_same_person_and_keeps_history(demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    manager = _user(demo, "manager@example.org")
    decision = conflicts.resolve_conflict(demo, manager, conflict, "accept", alternative=0)
    new = decision.new_booking
    assert new.user_id == volunteer_booking.user_id and new.title == volunteer_booking.title and new.active
    alt = conflict.alternatives[0]
    assert new.starts_at == dt.datetime.fromisoformat(alt["start"]) and new.room.key == alt["room"]
    assert volunteer_booking.status == "displaced" and "verlegt" in volunteer_booking.status_reason
    assert conflict.status == "resolved" and conflict.resolution == "alternative"
    assert conflict.resolved_by_id == manager.id and conflict.resolved_at is not None
    event = demo.scalar(sa.select(AuditEvent).where(AuditEvent.action == "conflict.resolved"))
    assert event.details["new_booking"] == new.id and event.actor_id == manager.id
    told = demo.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "booking_decision")).all()
    assert len(told) == 1 and "verlegt" in told[0].body


def test_cancel_and_override_need_a_reason(demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    manager = _user(demo, "manager@example.org")
    for action in ("cancel", "override"):
        with pytest.raises(conflicts.DecisionRefused) as refused:
            conflicts.resolve_conflict(demo, manager, conflict, action, note="  ")
        assert refused.value.field == "note"
    conflicts.resolve_conflict(demo, manager, conflict, "cancel", note="Keine passende Zeit")
    assert volunteer_booking.status == "cancelled" and volunteer_booking.status_reason == "Keine passende Zeit"
    with pytest.raises(conflicts.DecisionRefused):
        conflicts.resolve_conflict(demo, manager, conflict, "cancel", note="nochmal")


def test_override_cannot_beat_a_closure(demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    with pytest.raises(conflicts.DecisionRefused, match="geschlossen"):
        conflicts.resolve_conflict(demo, _user(demo, "manager@example.org"), conflict, "override", note="wichtig")
    assert conflict.status == "open"


def test_override_gives_an_occurrence_its_slot_back_and_displaces_what_is_in_the_way(demo):
    """A course cancelled by a closure that was then removed: override reinstates it; a booking made in
    the freed slot meanwhile is displaced in turn, with a conflict of its own."""
    from roombook.booking import book_room

    manager = _user(demo, "manager@example.org")
    room = _room(demo, "nord-gr")
    occ = demo.scalars(sa.select(Occurrence).where(Occurrence.room_id == room.id, Occurrence.status == "scheduled",
                                                   Occurrence.starts_at > clock.now()
                                                   + dt.timedelta(days=8)).order_by(Occurrence.starts_at)).first()
    closure, opened = rooms.apply_closure(demo, manager, room, occ.starts_at, occ.ends_at, "Strom aus")
    hit = next(c for c in opened if c.kind == "closure_hit")
    assert occ.status == OccurrenceStatus.CANCELLED
    rooms.remove_closure(demo, manager, closure)
    volunteer = _user(demo, "volunteer@example.org")
    squatter = book_room(demo, volunteer, room, occ.starts_at, occ.ends_at, "Spieleabend")
    decision = conflicts.resolve_conflict(demo, manager, hit, "override", note="Kurs hat Vorrang")
    assert occ.status == OccurrenceStatus.SCHEDULED and squatter.status == "displaced"
    assert [c.kind for c in decision.opened] == ["displaced_booking"]


def test_accepting_moves_an_occurrence_hit_by_a_closure(demo):
    manager = _user(demo, "manager@example.org")
    room = _room(demo, "nord-br")
    occ = demo.scalars(sa.select(Occurrence).where(Occurrence.room_id == room.id, Occurrence.status == "scheduled",
                                                   Occurrence.starts_at > clock.now()
                                                   + dt.timedelta(days=8)).order_by(Occurrence.starts_at)).first()
    _closure, opened = rooms.apply_closure(demo, manager, room, occ.starts_at, occ.ends_at, "Renovierung")
    hit = next(c for c in opened if c.kind == "closure_hit")
    facts = conflicts.facts(demo, hit)
    chosen = next(a for a in facts.alternatives if a.free)
    decision = conflicts.resolve_conflict(demo, manager, hit, "accept", alternative=chosen.index)
    assert decision.moved is occ and occ.status == "moved" and occ.starts_at == chosen.start


def test_inbox_lists_open_conflicts_oldest_first_with_facts(client, demo, volunteer_booking):
    _close_over(demo, volunteer_booking)
    login(client, "manager@example.org")
    page = client.get("/manage/conflicts").get_data(as_text=True)
    assert "Verdrängte Buchung" in page and "Fahrradwerkstatt" in page and "volunteer@example.org" in page
    assert "Alternativen" in page


def test_decided_conflicts_name_their_decision_in_the_page_language(client, demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    conflicts.resolve_conflict(demo, _user(demo, "manager@example.org"), conflict, "accept", alternative=0)
    login(client, "manager@example.org")
    page = client.get("/manage/conflicts").get_data(as_text=True)
    assert "→ <strong>Alternative gewählt</strong>" in page
    client.post("/language", data={"csrf_token": token_from(client), "lang": "en", "next": "/manage/conflicts"})
    page = client.get("/manage/conflicts").get_data(as_text=True)
    assert "→ <strong>Alternative taken</strong>" in page and "<strong>alternative</strong>" not in page


def test_resolving_in_the_browser_form_moves_the_booking(client, demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    login(client, "manager@example.org")
    token = token_from(client, "/manage/conflicts")
    response = client.post(f"/manage/conflicts/{conflict.id}/resolve",
                           data={"csrf_token": token, "action": "accept", "alternative": "0"})
    assert response.status_code == 302
    assert demo.get(Conflict, conflict.id).status == "resolved"
    active = demo.scalars(sa.select(Booking).where(Booking.user_id == volunteer_booking.user_id,
                                                   Booking.status == "active")).all()
    assert any(b.starts_at == dt.datetime.fromisoformat(conflict.alternatives[0]["start"]) for b in active)
    audit = client.get("/manage/audit").get_data(as_text=True)
    assert "Konflikt entschieden" in audit and "conflict.resolved" not in audit and "manager@example.org" in audit


@pytest.mark.parametrize("data,message", [
    ({"action": "cancel", "note": ""}, "Begründung"),
    ({"action": "accept", "alternative": "99"}, "Alternativen"),
    ({"action": "accept", "alternative": "nonsense"}, "Alternative"),
    ({"action": "explode"}, "role=\"alert\""),
])
def test_bad_decisions_get_a_form_message_not_a_500(client, demo, volunteer_booking, data, message):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    login(client, "manager@example.org")
    token = token_from(client, "/manage/conflicts")
    response = client.post(f"/manage/conflicts/{conflict.id}/resolve", data={"csrf_token": token, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert demo.get(Conflict, conflict.id).status == "open"


def test_the_volunteer_takes_an_alternative_from_the_email_link(client, demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    login(client, "volunteer@example.org")
    page = client.get(f"/booking-changes/{conflict.id}").get_data(as_text=True)
    assert "Fahrradwerkstatt" in page
    token = token_from(client, f"/booking-changes/{conflict.id}")
    response = client.post(f"/booking-changes/{conflict.id}", data={"csrf_token": token, "alternative": "0"})
    assert response.status_code == 302
    assert demo.get(Conflict, conflict.id).resolution == "alternative"
    my = client.get("/my/bookings").get_data(as_text=True)
    start = dt.datetime.fromisoformat(conflict.alternatives[0]["start"]).astimezone(volunteer_booking.room.tz)
    assert start.strftime("%H:%M") in my


def test_someone_elses_displaced_booking_link_is_not_found(client, demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    login(client, "department@example.org")
    assert client.get(f"/booking-changes/{conflict.id}").status_code == 404


def test_an_alternative_is_free_up_to_its_start_as_when_it_was_offered(demo, volunteer_booking):
    _closure, opened = _close_over(demo, volunteer_booking)
    conflict = next(c for c in opened if c.kind == "displaced_booking")
    start = dt.datetime.fromisoformat(conflict.alternatives[0]["start"])
    assert conflicts.facts(demo, conflict, now=start).alternatives[0].free
    assert not conflicts.facts(demo, conflict, now=start + dt.timedelta(seconds=1)).alternatives[0].free
