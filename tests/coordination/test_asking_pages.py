"""The pages of asking volunteers: the coordinator ticks volunteers on the coverage drill-down and asks them,
the volunteer answers on their start page (once), the coordinator reads the answers; nobody else answers or
asks. On the demo city, with Jonas as in tests/coordination/test_asking.py."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from roombook.models import HelpAsk, OutboxMessage
from tests.conftest import csrf_token
from tests.coordination.test_asking import a_volunteer, jonas, week, west  # noqa: F401  (fixtures)
from tests.manage.conftest import demo, demo_rows, login  # noqa: F401  (fixtures)

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
