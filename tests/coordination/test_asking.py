"""Asking volunteers to fill a coverage gap: who matches and why, one mail each, one answer each, and an
acceptance that becomes a volunteer-run offer the next plan run places, closing the gap. On the demo city
(tests/manage/conftest.py), where Unterkunft West has no counselling (60 minutes a week required) and Jonas
(counselling, anywhere, Tue and Thu 17–20, 2 hours a week, no group; made here as the demo script makes him)
could help."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook.access.accounts import create_user
from roombook.booking import book_room
from roombook.booking.recurrence import to_utc
from roombook.coordination import asking
from roombook.coordination.asking import AlreadyAnswered, AskingError, AskingRefused
from roombook.coordination.volunteers import save_profile
from roombook.models import (
    Accommodation,
    AuditEvent,
    HelpAsk,
    Offer,
    OutboxMessage,
    Provider,
    Room,
    User,
)
from roombook.notifications.outbox import send_pending
from roombook.planning import runs as plan_runs
from tests.dates import quiet_monday
from tests.manage.conftest import TODAY, demo, demo_rows, smtp_sink  # noqa: F401  (fixtures)

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)
BASE = "http://rb.test/"


def user(session, email) -> User:
    return session.scalar(sa.select(User).where(User.email == email))


def place(session, key) -> Accommodation:
    return session.scalar(sa.select(Accommodation).where(Accommodation.key == key))


@pytest.fixture
def week():
    return quiet_monday(TODAY, 1)


@pytest.fixture
def west(demo):
    return place(demo, "west")


@pytest.fixture
def jonas(demo):
    """As in the demo city (roombook.scenario.demo.MORE_VOLUNTEERS)."""
    return a_volunteer(demo, "jonas@example.org", "Jonas B.", languages=("de", "en", "fa"),
                       available=[{"day": d, "from": "17:00", "to": "20:00"} for d in ("tue", "thu")], hours=2)


def a_volunteer(session, email, name, *, skills=("counselling",), places=(), available=None, hours=None,
                language="de", provider=None, languages=("de",)) -> User:
    volunteer = create_user(session, email, "volunteer", "pw", display_name=name, provider=provider)
    volunteer.language = language
    save_profile(session, volunteer, languages=list(languages), skills=list(skills), accommodation_ids=[p.id for p in places],
                 available=available if available is not None else [{"day": "wed", "from": "16:00", "to": "19:00"}],
                 max_hours=hours, note="")
    return volunteer


def ask(session, west, week, *people):
    coordinator = user(session, "coordinator@example.org")
    return asking.ask_volunteers(session, coordinator, west, "counselling", week, [p.id for p in people],
                                 base_url=BASE)


# --- matching --------------------------------------------------------------------------------------------

def test_matching_lists_who_could_help_best_first_and_says_why(demo, west, week, jonas):
    short = a_volunteer(demo, "nora@example.org", "Nora Z.", available=[{"day": "wed", "from": "16:00", "to": "16:45"}])
    any_time = a_volunteer(demo, "otto@example.org", "Otto Y.", available=[], hours=0.5)
    a_volunteer(demo, "nord@example.org", "Nils N.", places=[place(demo, "nord")])  # wants Nord only
    a_volunteer(demo, "cook@example.org", "Carla C.", skills=("daily_life_course",))  # another skill

    found = asking.match_volunteers(demo, asking.gap(demo, west, "counselling", week))

    # those who fit first; of the rest, who has more hours left (Nora set no limit)
    assert [m.volunteer.email for m in found] == [jonas.email, short.email, any_time.email]
    best, other, busy = found
    assert best.fits and best.minutes_left == 120
    assert [str(r.text) for r in best.reasons] == [
        "kann Beratung", "möchte überall helfen", "Wunschzeiten passen für 60 Minuten",
        "noch 2,0 Std. frei in dieser Woche"]
    # an empty profile's times mean any time; half an hour a week is too little for the hour the gap needs
    assert [(str(r.text), r.ok) for r in busy.reasons][2:] == [("zu jeder Zeit", True),
                                                              ("noch 0,5 Std. frei in dieser Woche", False)]
    assert not other.fits
    assert [str(r.text) for r in other.reasons if not r.ok] == ["keine Wunschzeit, in die 60 Minuten passen"]


def test_a_wanted_language_and_the_hours_left_count(demo, west, week, jonas):
    gap = asking.gap(demo, west, "counselling", week)
    assert asking.match_volunteers(demo, gap, language="fa")[0].fits  # Jonas speaks Persian
    (refused,) = [r for r in asking.match_volunteers(demo, gap, language="ti")[0].reasons if not r.ok]
    assert str(refused.text) == "spricht kein Tigrinya"
    # two hours in a room that week use up his two hours
    room = demo.scalar(sa.select(Room).where(Room.key == "west-gr"))
    start = to_utc(dt.datetime.combine(week + dt.timedelta(days=1), dt.time(17)), room.tz)
    book_room(demo, jonas, room, start, start + dt.timedelta(hours=2), "Lernhilfe")
    (match,) = asking.match_volunteers(demo, gap)
    assert match.minutes_left == 0 and not match.fits


def test_a_gap_is_sized_in_sessions_of_at_most_three_hours():
    assert asking.offer_size(60) == (60, 1)
    assert asking.offer_size(100) == (105, 1)
    assert asking.offer_size(240) == (120, 2)


# --- asking ----------------------------------------------------------------------------------------------

def test_asking_sends_one_mail_to_each_volunteer_in_their_language(app, demo, west, week, jonas, smtp_sink):
    jonas.language = "en"
    other = a_volunteer(demo, "ola@example.org", "Ola W.")
    request = ask(demo, west, week, jonas, other)

    assert (request.accommodation, request.category, request.week, request.minutes) == (west, "counselling", week, 60)
    mails = demo.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "help_request")
                         .order_by(OutboxMessage.recipient)).all()
    assert [m.recipient for m in mails] == ["jonas@example.org", "ola@example.org"]
    english, german = mails
    assert english.subject == "Can you help? Counselling in Unterkunft West"
    assert german.subject == "Können Sie helfen? Beratung in Unterkunft West"
    ask_of = {a.volunteer_id: a for a in request.asks}
    assert f"http://rb.test/my/help-requests/{ask_of[jonas.id].id}" in english.body
    demo.flush()
    assert send_pending(app)["sent"] == 2
    assert sorted(m["To"] for m in smtp_sink.messages) == ["jonas@example.org", "ola@example.org"]
    event = demo.scalar(sa.select(AuditEvent).where(AuditEvent.action == "help_request.asked"))
    assert event.details["volunteers"] == sorted([jonas.id, other.id])


def test_asking_again_for_the_gap_asks_only_those_not_asked_yet(demo, west, week, jonas):
    other = a_volunteer(demo, "ola@example.org", "Ola W.")
    first = ask(demo, west, week, jonas)
    again = ask(demo, west, week, jonas, other)
    assert again.id == first.id and [a.volunteer_id for a in again.asks] == [jonas.id, other.id]
    assert demo.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                       .where(OutboxMessage.kind == "help_request")) == 2
    with pytest.raises(AskingError) as refused:
        ask(demo, west, week, jonas)
    assert refused.value.field == "volunteers"


def test_only_the_coordination_asks_and_only_those_who_could_help(demo, west, week, jonas):
    for email in ("volunteer@example.org", "manager@example.org"):
        with pytest.raises(AskingRefused):
            asking.ask_volunteers(demo, user(demo, email), west, "counselling", week, [jonas.id], base_url=BASE)
    cook = a_volunteer(demo, "cook@example.org", "Carla C.", skills=("daily_life_course",))
    with pytest.raises(AskingError) as refused:
        ask(demo, west, week, cook)
    assert refused.value.field == "volunteers"
    with pytest.raises(AskingError):
        ask(demo, west, week)  # nobody chosen
    assert demo.scalar(sa.select(sa.func.count()).select_from(HelpAsk)) == 0


# --- answering -------------------------------------------------------------------------------------------

def test_accepting_makes_a_volunteer_offer_of_the_gap_run_by_a_group_named_by_first_name(demo, west, week, jonas):
    request = ask(demo, west, week, jonas)
    (mine,) = asking.open_asks(demo, jonas)
    asking.answer_request(demo, jonas, mine, accept=True, message="Gern, dienstags.", base_url=BASE)

    assert mine.status == "accepted" and mine.answered_at is not None and asking.open_asks(demo, jonas) == []
    offer = request.offer
    assert (offer.accommodation, offer.category, offer.duration_minutes, offer.sessions_per_week) == \
        (west, "counselling", 60, 1)
    (group,) = offer.providers
    assert (group.name, group.kind) == ("Jonas", "volunteer") and jonas.provider == group
    # the planner places the group's offers in the times its volunteer wished for
    assert group.available == [{"day": "tue", "from": "17:00", "to": "20:00"},
                               {"day": "thu", "from": "17:00", "to": "20:00"}]
    assert group.max_minutes_per_week == 120
    told = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "help_answer"))
    assert told.recipient == "coordinator@example.org"
    assert told.subject == "Zugesagt: Jonas B., Beratung in Unterkunft West"
    assert "Nachricht: Gern, dienstags." in told.body and f"http://rb.test/manage/help-requests/{request.id}" in told.body


def test_a_long_one_word_name_still_makes_a_group_whose_key_fits(demo, west, week):
    name = "Maximilianefriederike" * 8  # one word of 168 letters: the key column holds 120
    long = a_volunteer(demo, "long@example.org", name)
    (mine,) = ask(demo, west, week, long).asks
    asking.answer_request(demo, long, mine, accept=True, base_url=BASE)
    demo.flush()
    assert long.provider.name == name and len(long.provider.key) <= 120


def test_a_new_groups_key_spells_an_umlaut_as_its_letter(demo, west, week):
    jurgen = a_volunteer(demo, "juergen@example.org", "Jürgen Ölmann")
    (mine,) = ask(demo, west, week, jurgen).asks
    asking.answer_request(demo, jurgen, mine, accept=True, base_url=BASE)
    assert jurgen.provider.name == "Jürgen" and jurgen.provider.key == "ehrenamt-jurgen"

def test_a_second_acceptance_joins_the_offer_with_the_volunteers_group(demo, west, week, jonas):
    circle = demo.scalar(sa.select(Provider).where(Provider.key == "ehrenamt"))
    member = a_volunteer(demo, "mira@example.org", "Mira K.", provider=circle)
    request = ask(demo, west, week, jonas, member)
    for ask_row in request.asks:
        asking.answer_request(demo, ask_row.volunteer, ask_row, accept=True, base_url=BASE)
    assert demo.scalar(sa.select(sa.func.count()).select_from(Offer).where(Offer.accommodation_id == west.id,
                                                                           Offer.category == "counselling")) == 1
    assert sorted(p.name for p in request.offer.providers) == ["Ehrenamtskreis Willkommen", "Jonas"]


def test_declining_makes_nothing_and_a_second_answer_is_refused(demo, west, week, jonas):
    request = ask(demo, west, week, jonas)
    (mine,) = request.asks
    asking.answer_request(demo, jonas, mine, accept=False, message="Bin verreist.", base_url=BASE)
    with pytest.raises(AlreadyAnswered):
        asking.answer_request(demo, jonas, mine, accept=True, base_url=BASE)
    demo.refresh(mine)
    assert mine.status == "declined" and mine.message == "Bin verreist." and request.offer is None
    assert jonas.provider is None
    told = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "help_answer"))
    assert told.subject.startswith("Abgesagt: Jonas B.")


def test_no_one_answers_someone_elses_request(demo, west, week, jonas):
    (mine,) = ask(demo, west, week, jonas).asks
    for email in ("volunteer@example.org", "coordinator@example.org", "admin@example.org"):
        with pytest.raises(AskingRefused):
            asking.answer_request(demo, user(demo, email), mine, accept=True, base_url=BASE)
    assert mine.status == "asked"


def test_the_coordination_withdraws_an_open_question_and_only_an_open_one(demo, west, week, jonas):
    other = a_volunteer(demo, "ola@example.org", "Ola W.")
    request = ask(demo, west, week, jonas, other)
    open_one, answered = sorted(request.asks, key=lambda a: a.volunteer_id != jonas.id)
    asking.answer_request(demo, other, answered, accept=False, base_url=BASE)
    coordinator = user(demo, "coordinator@example.org")
    with pytest.raises(AskingRefused):
        asking.withdraw_ask(demo, jonas, open_one, base_url=BASE)
    jonas.language = "en"
    asking.withdraw_ask(demo, coordinator, open_one, base_url=BASE)
    assert open_one.status == "withdrawn" and asking.open_asks(demo, jonas) == []
    with pytest.raises(AlreadyAnswered):
        asking.withdraw_ask(demo, coordinator, answered, base_url=BASE)
    with pytest.raises(AlreadyAnswered):  # a withdrawn question is not answered any more
        asking.answer_request(demo, jonas, open_one, accept=True, base_url=BASE)
    assert answered.status == "declined"
    # asked by mail, told by mail that it is settled, in his language; the one who answered is not
    (told,) = demo.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "help_withdrawn")).all()
    assert told.recipient == jonas.email and told.subject == "Settled: Counselling in Unterkunft West"
    assert "is settled; there is nothing for you to do" in told.body
    assert f"http://rb.test/my/help-requests/{open_one.id}" in told.body


def test_a_bad_message_is_refused_at_its_field_and_the_request_stays_open(demo, west, week, jonas):
    (mine,) = ask(demo, west, week, jonas).asks
    with pytest.raises(AskingError) as refused:
        asking.answer_request(demo, jonas, mine, accept=True, message="x" * 501, base_url=BASE)
    assert refused.value.field == "message" and mine.status == "asked" and jonas.provider is None


# --- the gap closes -------------------------------------------------------------------------------------

def test_an_accepted_request_closes_the_gap_once_a_plan_run_is_published(demo, west, week, jonas):
    assert asking.gap(demo, west, "counselling", week).status == "red"
    (mine,) = ask(demo, west, week, jonas).asks
    asking.answer_request(demo, jonas, mine, accept=True, base_url=BASE)
    coordinator = user(demo, "coordinator@example.org")

    run = plan_runs.run_now(demo, plan_runs.start_run(demo, coordinator, ["west"], time_limit=10),
                            "Europe/Berlin", 10)
    plan_runs.publish_run(demo, coordinator, run, today=TODAY, horizon_weeks=(week - TODAY).days // 7 + 2)

    cell = asking.gap(demo, west, "counselling", week)
    assert cell.status == "green" and cell.planned == 60
    (line,) = asking.requests_overview(demo)
    assert line.cell.status == "green" and [a.status for a in line.answered] == ["accepted"]
