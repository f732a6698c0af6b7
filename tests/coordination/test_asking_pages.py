"""The pages of asking volunteers: the coordinator ticks volunteers on the coverage drill-down and asks them,
the volunteer answers on their start page (once), the coordinator reads the answers; nobody else answers or
asks. The API of the same (their own list, one answer each), and how residents and the public read a
volunteer-run offer: by its group's name or the volunteer's first name, never a full name
(roombook.coordination.naming). On the demo city, with Jonas as in tests/coordination/test_asking.py (one module:
each module that uses the demo builds it once)."""
from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
import sqlalchemy as sa

from roombook.coordination import asking
from roombook.coordination.naming import public_name
from roombook.feeds.catalogue import accommodation_feed, build_feed
from roombook.models import (
    Accommodation,
    HelpAsk,
    HelpRequest,
    OutboxMessage,
    Provider,
    User,
)
from roombook.planning import runs as plan_runs
from tests.api.conftest import bearer  # noqa: F401  (fixture)
from tests.conftest import csrf_token, login
from tests.coordination.test_asking import BASE, a_volunteer, ask, jonas, week, west  # noqa: F401  (fixtures)
from tests.manage.conftest import TODAY, demo, demo_rows  # noqa: F401  (fixtures)
from tests.web.test_week_view_queries import counting_selects

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


def drill_down(week) -> str:
    return f"/manage/coverage/west/counselling?week={week.isoformat()}"


def ask_through_the_page(client, week, *people) -> object:
    page = client.get(drill_down(week)).get_data(as_text=True)
    return client.post("/manage/coverage/west/counselling/ask",
                       data={"csrf_token": csrf_token(page), "week": week.isoformat(),
                             "volunteers": [str(p.id) for p in people]})


def test_the_drill_down_lists_who_could_help_with_why_and_asks_them(client, demo, week, jonas):
    login(client, "coordinator@example.org")
    page = client.get(drill_down(week)).get_data(as_text=True)
    helpers = page[page.index('id="could-help"'):]
    assert f'name="volunteers" value="{jonas.id}"' in helpers and "Jonas B." in helpers
    assert "✓ Wunschzeiten passen für 60 Minuten" in helpers and "Anfragen</button>" in helpers
    assert 'id="cell-status">fehlt' in page

    answer = ask_through_the_page(client, week, jonas)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#could-help")
    (mail,) = demo.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "help_request")).all()
    assert mail.recipient == "jonas@example.org"
    page = client.get(drill_down(week)).get_data(as_text=True)
    assert "Jonas B.</strong> <span class=\"tag\">gefragt</span>" in page  # no checkbox for the one asked
    requests = client.get("/manage/help-requests").get_data(as_text=True)
    assert "Unterkunft West · Beratung" in requests and "gefragt" in requests


def test_asking_someone_who_could_not_help_is_refused_at_the_field(client, demo, week, jonas):
    cook = a_volunteer(demo, "cook@example.org", "Carla C.", skills=("daily_life_course",))
    login(client, "coordinator@example.org")
    answer = ask_through_the_page(client, week, cook)
    assert answer.status_code == 422
    assert 'id="volunteers-error">Gefragt werden können nur Ehrenamtliche' in answer.get_data(as_text=True)
    assert demo.scalar(sa.select(sa.func.count()).select_from(HelpAsk)) == 0


def test_only_the_coordination_asks(client, demo, week, jonas):
    login(client, "volunteer@example.org")
    assert client.get(drill_down(week)).status_code == 403
    token = csrf_token(client.get("/start").get_data(as_text=True))
    answer = client.post("/manage/coverage/west/counselling/ask",
                         data={"csrf_token": token, "week": week.isoformat(), "volunteers": [str(jonas.id)]})
    assert answer.status_code == 403 and demo.scalar(sa.select(sa.func.count()).select_from(HelpAsk)) == 0


def test_create_offer_opens_on_the_gaps_accommodation_and_category(client, demo, week):
    login(client, "coordinator@example.org")
    page = client.get(drill_down(week)).get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Angebot anlegen', page).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert re.search(r'<option selected value="west">|<option value="west" selected>', form)
    assert re.search(r'<option selected value="counselling">|<option value="counselling" selected>', form)


def test_the_volunteer_accepts_on_the_start_page_once(client, demo, week, jonas):
    login(client, "coordinator@example.org")
    ask_through_the_page(client, week, jonas)
    login(client, "jonas@example.org", "pw")
    start = client.get("/start").get_data(as_text=True)
    assert 'id="help-h">Anfragen der Koordination' in start and "Beratung, Unterkunft West" in start
    (ask,) = demo.scalars(sa.select(HelpAsk)).all()
    url = f"/my/help-requests/{ask.id}"
    answer = client.post(url, data={"csrf_token": csrf_token(start), "answer": "accept"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/start")
    demo.refresh(ask)
    assert ask.status == "accepted" and ask.request.offer.category == "counselling"
    assert "Anfragen der Koordination" not in client.get("/start").get_data(as_text=True)

    again = client.post(url, data={"csrf_token": csrf_token(start), "answer": "decline"})
    assert again.status_code == 422 and "Diese Anfrage ist schon beantwortet." in again.get_data(as_text=True)
    mine = client.get("/my/help-requests").get_data(as_text=True)
    assert "zugesagt" in mine


def test_a_withdrawn_question_tells_the_volunteer_it_is_settled(client, demo, week, jonas):
    login(client, "coordinator@example.org")
    ask_through_the_page(client, week, jonas)
    (ask,) = demo.scalars(sa.select(HelpAsk)).all()
    page = client.get(f"/manage/help-requests/{ask.request_id}").get_data(as_text=True)
    withdrawn = client.post(f"/manage/help-requests/{ask.request_id}/asks/{ask.id}/withdraw",
                            data={"csrf_token": csrf_token(page)})
    assert withdrawn.status_code == 302
    (told,) = demo.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "help_withdrawn")).all()
    assert told.recipient == jonas.email and "hat sich erledigt" in told.body
    login(client, "jonas@example.org", "pw")
    mine = client.get(f"/my/help-requests/{ask.id}").get_data(as_text=True)
    assert "Die Koordination hat diese Anfrage zurückgezogen" in mine and "Ihre Antwort" not in mine


def test_no_one_else_sees_or_answers_a_volunteers_request(client, demo, week, jonas):
    login(client, "coordinator@example.org")
    ask_through_the_page(client, week, jonas)
    (ask,) = demo.scalars(sa.select(HelpAsk)).all()
    url = f"/my/help-requests/{ask.id}"
    assert client.get(url).status_code == 404  # not even the coordinator who asked answers for him
    login(client, "volunteer@example.org")
    assert client.get(url).status_code == 404
    token = csrf_token(client.get("/start").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "answer": "accept"}).status_code == 404
    demo.refresh(ask)
    assert ask.status == "asked"


def _requests_in(demo, places, weeks) -> None:
    """A request per place and week, each asking a volunteer of its own (who never signs in: no password)."""
    coordinator = demo.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    for place, monday in ((p, w) for p in places for w in weeks):
        request = HelpRequest(accommodation=place, category="counselling", week=monday, minutes=60,
                              asked_by_id=coordinator.id)
        volunteer = User(email=f"asked-{place.key}-{monday}@example.org", role="volunteer",
                         display_name=f"Gefragt {place.name}", password_hash="-")
        demo.add_all([request, volunteer, HelpAsk(request=request, volunteer=volunteer, status="asked")])
    demo.flush()
    demo.expire_all()


def test_the_requests_page_reads_the_same_few_times_however_many_requests(client, demo, west, week):
    login(client, "coordinator@example.org")
    later = week + dt.timedelta(weeks=5)
    _requests_in(demo, [west], [week, later])  # two runs of weeks: two coverages
    with counting_selects() as few:
        assert client.get("/manage/help-requests").status_code == 200
    others = demo.scalars(sa.select(Accommodation).where(Accommodation.id != west.id)
                          .order_by(Accommodation.key)).all()[:2]
    _requests_in(demo, others, [week, week + dt.timedelta(weeks=1), later])
    with counting_selects() as many:
        page = client.get("/manage/help-requests").get_data(as_text=True)
    assert len(many) == len(few), many
    lines = asking.requests_overview(demo)
    assert len(lines) == 8 and page.count('class="card help-request"') == 8
    for line in lines:  # each with its own gap
        r = line.request
        assert line.cell == asking.gap(demo, r.accommodation, r.category, r.week)

# --- the API ------------------------------------------------------------------------------------------

def test_a_volunteer_lists_and_answers_their_request_once(client, demo, west, week, jonas, bearer):
    (mine,) = ask(demo, west, week, jonas).asks
    headers = bearer(jonas)
    (listed,) = client.get("/api/v1/help-requests", headers=headers).json["items"]
    assert listed == {**listed, "id": mine.id, "status": "asked", "accommodation": west.id,
                      "category": "counselling", "week": week.isoformat(), "session_minutes": 60,
                      "sessions_per_week": 1, "offer": None}
    url = f"/api/v1/help-requests/{mine.id}/answer"

    bad = client.post(url, headers=headers, json={"answer": "maybe"})
    assert bad.status_code == 422 and bad.json["field"] == "answer"
    answer = client.post(url, headers=headers, json={"answer": "accept", "message": "Gern"})
    assert answer.status_code == 200 and answer.json["status"] == "accepted" and answer.json["offer"] is not None
    again = client.post(url, headers=headers, json={"answer": "decline"})
    assert again.status_code == 409 and again.json["status"] == 409


def test_someone_elses_request_is_not_found(client, demo, west, week, jonas, bearer):
    (mine,) = ask(demo, west, week, jonas).asks
    other = demo.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    assert client.get("/api/v1/help-requests", headers=bearer(other)).json["items"] == []
    answer = client.post(f"/api/v1/help-requests/{mine.id}/answer", headers=bearer(other), json={"answer": "accept"})
    assert answer.status_code == 404 and mine.status == "asked"


# --- public naming ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "kind", "members", "shown"), [
    ("Maria Schmidt", "volunteer", ["Maria Schmidt"], "Maria"),  # the group is one person, by full name
    ("maria  schmidt", "volunteer", ["Maria Schmidt", "Jo"], "maria"),
    ("Ehrenamtskreis Willkommen", "volunteer", ["Amal K."], "Ehrenamtskreis Willkommen"),  # the group's own name
    ("Jonas", "volunteer", ["Jonas B."], "Jonas"),
    ("Fachbereich Soziales", "department", ["Fachbereich Soziales"], "Fachbereich Soziales"),
])
def test_a_volunteer_group_named_like_a_member_shows_the_first_name(name, kind, members, shown):
    assert public_name(name, kind, members) == shown


def test_the_public_feed_and_page_name_a_volunteer_offer_by_first_name(client, demo, west, week, jonas):
    # his group was made by hand under his full name
    group = Provider(key="jonas-b", name="Jonas B.", kind="volunteer",
                     available=[{"day": "tue", "from": "17:00", "to": "20:00"}])
    demo.add(group)
    jonas.provider = group
    demo.flush()
    (mine,) = ask(demo, west, week, jonas).asks
    asking.answer_request(demo, jonas, mine, accept=True, base_url=BASE)
    coordinator = demo.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    run = plan_runs.run_now(demo, plan_runs.start_run(demo, coordinator, ["west"], time_limit=10),
                            "Europe/Berlin", 10)
    plan_runs.publish_run(demo, coordinator, run, today=TODAY, horizon_weeks=(week - TODAY).days // 7 + 2)

    feed = icalendar.Calendar.from_ical(build_feed(demo, accommodation_feed(west), TODAY, "Europe/Berlin", "rb"))
    counselling = [e for e in feed.walk("VEVENT") if str(e.get("CATEGORIES").cats[0]) == "Beratung"
                   or "Beratung" in str(e.get("DESCRIPTION", ""))]
    assert counselling, "the accepted offer is in the accommodation's feed"
    descriptions = [str(e.get("DESCRIPTION", "")) for e in counselling]
    assert any("Beratung – Jonas" in d for d in descriptions)
    assert not any("Jonas B" in d for d in descriptions)
    page = client.get(f"/accommodations/west/offers?week={week.isoformat()}").get_data(as_text=True)
    assert "Beratung" in page and "Jonas B." not in page


def test_bad_input_to_the_ask_form_is_refused_at_its_field(client, demo, week, jonas):
    login(client, "coordinator@example.org")
    token = csrf_token(client.get(drill_down(week)).get_data(as_text=True))
    for data in ({"week": "kw12", "volunteers": str(jonas.id)}, {"week": week.isoformat(), "volunteers": "jonas"},
                 {"week": week.isoformat()}):
        answer = client.post("/manage/coverage/west/counselling/ask", data={"csrf_token": token, **data})
        assert answer.status_code == 422, data
        assert 'class="error"' in answer.get_data(as_text=True), data
    assert client.get("/manage/coverage/west/counselling?lang=xx").status_code == 400
    assert demo.scalar(sa.select(sa.func.count()).select_from(HelpAsk)) == 0
