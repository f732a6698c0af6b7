"""The API of a volunteer's requests for help: their own list, one answer each (409 for a second), a bad field
named (422), someone else's request not found (404)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook.models import User
from tests.api.conftest import bearer  # noqa: F401  (fixture)
from tests.coordination.test_asking import a_volunteer, ask, jonas, week, west  # noqa: F401  (fixtures)
from tests.manage.conftest import demo, demo_rows  # noqa: F401  (fixtures)

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


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
