"""The outbox and the SMTP job, against a real SMTP server on loopback (aiosmtpd)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking import rooms
from roombook.db import utcnow
from roombook.jobs import send_department_digests
from roombook.models import Occurrence, OfferSession, OutboxMessage, Room, User
from roombook.notifications import outbox as notifications
from tests.conftest import login
from tests.manage.conftest import Sink, free_port


def _fresh(session, message_id):
    session.expire_all()
    return session.get(OutboxMessage, message_id)


def test_messages_are_sent_to_the_smtp_server_and_marked_sent(app, session, smtp_sink):
    message = notifications.enqueue(session, "a@example.org", "Hallo", "Text mit Umlauten: äöü")
    session.flush()
    result = notifications.send_pending(app)
    assert result == {"sent": 1, "failed": 0, "waiting": 0}
    assert [m["To"] for m in smtp_sink.messages] == ["a@example.org"]
    assert smtp_sink.messages[0]["Subject"] == "Hallo" and smtp_sink.messages[0]["From"] == "roombook@example.org"
    assert "äöü" in smtp_sink.messages[0].get_payload(decode=True).decode()
    sent = _fresh(session, message.id)
    assert sent.sent_at is not None and sent.attempts == 1
    assert notifications.send_pending(app)["sent"] == 0  # never twice


def test_a_server_down_at_first_loses_nothing_and_retries_with_back_off(app, session, monkeypatch):
    port = free_port()
    monkeypatch.setitem(app.config, "ROOMBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "ROOMBOOK_SMTP_PORT", port)
    first = notifications.enqueue(session, "a@example.org", "Eins", "1")
    second = notifications.enqueue(session, "b@example.org", "Zwei", "2")
    session.flush()
    now = clock.now()
    assert notifications.send_pending(app, now=now) == {"sent": 0, "failed": 2, "waiting": 2}
    failed = _fresh(session, first.id)
    assert failed.sent_at is None and failed.attempts == 1 and failed.last_error
    assert failed.next_attempt_at == now + dt.timedelta(minutes=1)
    assert notifications.send_pending(app, now=now + dt.timedelta(seconds=30))["failed"] == 0  # not yet due
    assert notifications.send_pending(app, now=now + dt.timedelta(minutes=1))["failed"] == 2
    assert _fresh(session, first.id).next_attempt_at == now + dt.timedelta(minutes=3)  # 1 min, then 2 min

    sink = Sink(port)
    sink.start()
    try:
        result = notifications.send_pending(app, now=now + dt.timedelta(minutes=3))
    finally:
        sink.stop()
    assert result == {"sent": 2, "failed": 0, "waiting": 0}
    assert sorted(m["Subject"] for m in sink.messages) == ["Eins", "Zwei"]
    assert _fresh(session, second.id).attempts == 3


def test_back_off_doubles_and_is_capped():
    assert [notifications.retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert notifications.retry_delay(30) == notifications.LONGEST_RETRY


def test_without_smtp_settings_messages_stay_readable_in_the_outbox(app, client, demo, monkeypatch):
    monkeypatch.delenv("ROOMBOOK_SMTP_HOST", raising=False)
    notifications.enqueue(demo, "a@example.org", "Bleibt hier", "Lesbar im Postausgang")
    demo.flush()
    assert notifications.send_pending(app)["sent"] == 0
    login(client, "coordinator@example.org")
    page = client.get("/manage/outbox").get_data(as_text=True)
    assert "Bleibt hier" in page and "Lesbar im Postausgang" in page and "Kein SMTP-Server" in page


def test_a_displaced_volunteer_gets_reason_alternatives_and_a_link(app, demo, volunteer_booking, smtp_sink):
    manager = demo.scalar(sa.select(User).where(User.email == "manager@example.org"))
    rooms.apply_closure(demo, manager, volunteer_booking.room, volunteer_booking.starts_at,
                        volunteer_booking.ends_at, "Wasserrohrbruch", base_url="http://rb.test/")
    demo.flush()
    notifications.send_pending(app)
    mail = next(m for m in smtp_sink.messages if m["To"] == "volunteer@example.org")
    body = mail.get_payload(decode=True).decode()
    assert "Wasserrohrbruch" in body and "Freie Alternativen" in body and "http://rb.test/booking-changes/" in body


def test_the_displaced_volunteer_and_the_manager_are_told_each_in_their_own_language(
        app, demo, volunteer_booking, smtp_sink):
    manager = demo.scalar(sa.select(User).where(User.email == "manager@example.org"))
    volunteer_booking.user.language = "en"
    rooms.apply_closure(demo, manager, volunteer_booking.room, volunteer_booking.starts_at,
                        volunteer_booking.ends_at, "Wasserrohrbruch", base_url="http://rb.test/")
    demo.flush()
    notifications.send_pending(app)
    to_volunteer = next(m for m in smtp_sink.messages if m["To"] == "volunteer@example.org")
    body = to_volunteer.get_payload(decode=True).decode()
    assert to_volunteer["Subject"].startswith("Booking cannot take place: ")
    assert "cannot take place" in body and "Free alternatives" in body and "Wasserrohrbruch" in body
    assert "Ihre Buchung" not in body and " / " not in body
    to_manager = next(m for m in smtp_sink.messages if m["To"] == "manager@example.org")
    assert "neue Konflikt" in to_manager["Subject"] or "neuer Konflikt" in to_manager["Subject"]
    assert "Schließung von" in to_manager.get_payload(decode=True).decode()


def test_the_weekly_digest_tells_a_department_about_changed_office_hours(demo):
    manager = demo.scalar(sa.select(User).where(User.email == "manager@example.org"))
    room = demo.scalar(sa.select(Room).where(Room.key == "nord-br"))
    occ = demo.scalars(sa.select(Occurrence).join(Occurrence.offer_session)
                       .where(OfferSession.offer.has(key="nord-sprechstunde"), Occurrence.status == "scheduled",
                              Occurrence.starts_at > clock.now() + dt.timedelta(days=1))
                       .order_by(Occurrence.starts_at)).first()  # not one a holiday already cancelled
    rooms.apply_closure(demo, manager, room, occ.starts_at, occ.ends_at, "Umbau")
    assert notifications.enqueue_department_digests(demo, now=utcnow() + dt.timedelta(minutes=1)) == 1
    digest = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    assert digest.recipient == "department@example.org"
    assert "Sprechstunde Fachbereich Soziales" in digest.body and "fällt aus" in digest.body and "Umbau" in digest.body
    # a quiet week sends nothing
    assert notifications.enqueue_department_digests(demo, now=utcnow() + dt.timedelta(days=30)) == 0


def test_send_mail_command(app, session, smtp_sink):
    notifications.enqueue(session, "c@example.org", "Per Befehl", "x")
    session.flush()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output and smtp_sink.messages[0]["Subject"] == "Per Befehl"


def test_department_digest_command_and_job_run_once_a_week(app, committed):
    from roombook.db import transaction
    from tests.manage.conftest import build_demo

    with transaction():
        build_demo(committed.session)
        occ = committed.session.scalars(sa.select(Occurrence).join(Occurrence.offer_session).where(
            OfferSession.offer.has(key="nord-sprechstunde"), Occurrence.starts_at > clock.now())).first()
        rooms.apply_closure(committed.session, None, occ.room, occ.starts_at, occ.ends_at, "Brandschutz")
    result = app.test_cli_runner().invoke(args=["department-digest"])
    assert result.exit_code == 0 and "1 digests queued" in result.output, result.output
    assert send_department_digests(app, dt.date(2031, 1, 6)) == 1
    assert send_department_digests(app, dt.date(2031, 1, 8)) is None  # same week: claimed


# A booking title reaches mail subjects ("Buchung verlegt/abgesagt: …"); a line break in it once made
# building the e-mail fail, send_pending stopped at that message, and every message behind it stayed stuck.
BROKEN_TITLES = {"CR LF": ("Treffen\r\nBcc: alle@example.org", "Treffen Bcc: alle@example.org"),
                 "U+2028": ("Treffen\u2028Teil 2", "Treffen Teil 2"),
                 "vertical tab": ("Treffen \x0b Teil 2", "Treffen Teil 2")}


@pytest.mark.parametrize("title,subject", BROKEN_TITLES.values(), ids=BROKEN_TITLES)
def test_a_title_with_a_line_break_is_one_line_in_the_subject_and_sent(app, session, smtp_sink, title, subject):
    notifications.enqueue(session, "a@example.org", f"Buchung verlegt/abgesagt: {title}", f"„{title}“")
    session.flush()
    assert notifications.send_pending(app) == {"sent": 1, "failed": 0, "waiting": 0}
    [mail] = smtp_sink.messages
    assert mail["Subject"] == f"Buchung verlegt/abgesagt: {subject}"
    assert mail["Bcc"] is None and mail["To"] == "a@example.org"


def test_one_line_keeps_the_marks_right_to_left_text_needs():
    persian = "کلاس\u200cها \u200fبرای همه"
    assert notifications.one_line(f"Buchung: {persian}\r\n\u202e") == f"Buchung: {persian}"


def test_a_message_that_cannot_be_built_fails_with_its_reason_and_blocks_no_other(app, client, demo, smtp_sink):
    """As a row written before subjects were made one line: it is recorded as failed, shown with its reason
    on the outbox page, and the messages queued behind it go out, in this run and the next."""
    stuck = OutboxMessage(recipient="a@example.org", subject="Buchung abgesagt: Treffen\r\nBcc: x@example.org",
                          body="x", next_attempt_at=clock.now() - dt.timedelta(minutes=5))
    demo.add(stuck)
    demo.flush()
    behind = [notifications.enqueue(demo, f"{n}@example.org", f"Nachricht {n}", "y") for n in ("b", "c")]
    demo.flush()
    now = clock.now()
    assert notifications.send_pending(app, now=now) == {"sent": 2, "failed": 1, "waiting": 1}
    assert sorted(m["Subject"] for m in smtp_sink.messages) == ["Nachricht b", "Nachricht c"]
    failed = _fresh(demo, stuck.id)
    assert failed.sent_at is None and failed.attempts == 1
    assert failed.last_error.startswith(notifications.UNBUILDABLE) and "carriage return" in failed.last_error
    assert failed.next_attempt_at == now + notifications.FIRST_RETRY
    assert all(_fresh(demo, m.id).sent_at is not None for m in behind)

    later = notifications.enqueue(demo, "d@example.org", "Nachricht d", "z")
    demo.flush()
    result = notifications.send_pending(app, now=now + dt.timedelta(minutes=1))
    assert result == {"sent": 1, "failed": 1, "waiting": 1} and _fresh(demo, later.id).sent_at is not None

    login(client, "coordinator@example.org")
    page = client.get("/manage/outbox").get_data(as_text=True)
    article = page[page.index("Buchung abgesagt: Treffen"):]
    article = article[:article.index("</article>")]
    assert "nicht gesendet" in article and "2 Versuche" in article
    assert "Grund: cannot be built as an e-mail: ValueError: Header values may not contain linefeed or carriage " \
           "return characters" in article
