"""The accommodation's managers and the public offers in their rooms: hiding one tells its owner why, once, in
their language (through the outbox, to a real SMTP server), and the residents no longer see it."""
from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking import book_weekly
from roombook.booking.recurrence import to_utc
from roombook.models import Booking, OutboxMessage, Room, User
from roombook.notifications import outbox as notifications
from roombook.scenario.demo import GROUP_DETAILS
from tests.conftest import login
from tests.dates import quiet_monday
from tests.manage.conftest import token_from

REASON = "Bitte erst mit der Hausleitung absprechen"


@pytest.fixture
def group(demo):
    """The demo volunteer's weekly German conversation group, a public offer, on three Saturdays ahead."""
    owner = demo.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    room = demo.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    saturday = quiet_monday(clock.today(), span=3) + dt.timedelta(days=5)
    start = to_utc(dt.datetime.combine(saturday, dt.time(10, 30)), room.tz)
    result = book_weekly(demo, owner, room, start, start + dt.timedelta(minutes=90), "Deutsch-Gesprächsgruppe", 3,
                         book_rest=False, details=GROUP_DETAILS)
    assert len(result.booked) == 3, result.refused
    demo.flush()
    return demo


def _group(session) -> list[Booking]:
    return session.scalars(sa.select(Booking).where(Booking.title == "Deutsch-Gesprächsgruppe")
                           .order_by(Booking.starts_at)).all()


def test_hiding_a_public_offer_tells_its_owner_once_in_their_language(app, client, group, smtp_sink):
    session = group
    owner = session.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    owner.language = "en"
    dates = _group(session)
    assert len(dates) > 1 and all(b.public and b.hidden_at is None for b in dates)
    login(client, "manager@example.org")
    page = client.get("/manage/accommodations/nord/public-offers")
    assert page.status_code == 200 and "Deutsch-Gesprächsgruppe" in page.get_data(as_text=True)
    for _twice in range(2):
        answer = client.post(f"/manage/bookings/{dates[0].id}/hide",
                             data={"reason": REASON, "csrf_token": token_from(client)})
        assert answer.status_code == 302
    session.expire_all()
    assert all(b.hidden_at is not None and b.hidden_reason == REASON for b in _group(session))
    told = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "offer_hidden")).all()
    assert [m.recipient for m in told] == ["volunteer@example.org"]
    assert notifications.send_pending(app)["sent"] >= 1
    mails = [m for m in smtp_sink.messages if m["To"] == "volunteer@example.org"]
    assert len(mails) == 1
    body = mails[0].get_payload(decode=True).decode()
    subject = str(make_header(decode_header(mails[0]["Subject"])))
    assert subject == "Your offer “Deutsch-Gesprächsgruppe” is hidden from residents"
    assert REASON in body and "the management of Unterkunft Nord has hidden your offer" in body
    # the residents see it no more; its owner sees why in the app
    assert "Deutsch-Gesprächsgruppe" not in client.get("/accommodations/nord/offers?week="
                                                       + dates[0].starts_at.date().isoformat()).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token_from(client)})
    login(client, "volunteer@example.org")
    mine = client.get("/my/bookings").get_data(as_text=True)
    assert "vom Haus ausgeblendet" in mine or "hidden by the house" in mine
    assert REASON in mine


def test_hiding_needs_a_reason_given_at_the_field(client, group):
    demo = group
    booking = _group(demo)[0]
    login(client, "manager@example.org")
    answer = client.post(f"/manage/bookings/{booking.id}/hide", data={"reason": " ", "csrf_token": token_from(client)})
    assert answer.status_code == 422
    assert 'id="reason-error"' in answer.get_data(as_text=True)
    demo.expire_all()
    assert demo.get(Booking, booking.id).hidden_at is None
    assert demo.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                       .where(OutboxMessage.kind == "offer_hidden")) == 0


def test_a_manager_of_another_house_cannot_hide_it(client, group, make_user):
    demo = group
    booking = _group(demo)[0]
    other = demo.scalar(sa.select(Room).where(Room.key == "sued-gr")).accommodation
    make_user("facility_manager", email="sued@example.org", password="demo", accommodations=[other])
    login(client, "sued@example.org")
    answer = client.post(f"/manage/bookings/{booking.id}/hide", data={"reason": REASON,
                                                                     "csrf_token": token_from(client)})
    assert answer.status_code == 404
    demo.expire_all()
    assert demo.get(Booking, booking.id).hidden_at is None


def test_staff_save_room_and_offer_translations(client, demo):
    login(client, "coordinator@example.org")
    answer = client.post("/manage/rooms/nord-br/translations", data={
        "translations-ar-name": "غرفة الاستشارة", "translations-fa-name": "", "csrf_token": token_from(client)})
    assert answer.status_code == 302
    demo.expire_all()
    assert demo.scalar(sa.select(Room).where(Room.key == "nord-br")).translations == {"ar": {"name": "غرفة الاستشارة"}}
    page = client.get("/manage/rooms/nord-br").get_data(as_text=True)
    assert "غرفة الاستشارة" in page and "Übersetzungen" in page
    refused = client.post("/manage/rooms/nord-br/translations", data={
        "translations-ar-name": "x" * 201, "csrf_token": token_from(client)})
    assert refused.status_code == 422
