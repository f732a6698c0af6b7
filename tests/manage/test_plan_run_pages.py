"""The plan pages speak the page language: status words, the progress a running run shows, the plan's result and
the solver's reasons are German, English after the switch; the API keeps the machine codes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.i18n import CATALOGS
from roombook.models import PlanRun, User
from roombook.planning import labels
from roombook.planning import runs as plan_runs
from roombook.solver import wording
from tests.conftest import login
from tests.manage.conftest import token_from
from tests.manage.test_i18n import _data_names, german_left

TIME_LIMIT = 15
STATUSES = ("queued", "running", "done", "failed", "published", "discarded")
GERMAN = {"queued": "wartet", "running": "läuft", "done": "fertig", "failed": "fehlgeschlagen",
          "published": "veröffentlicht", "discarded": "verworfen"}
ENGLISH = {"queued": "waiting", "running": "running", "done": "finished", "failed": "failed",
           "published": "published", "discarded": "discarded"}
BADGE = re.compile(r'<(?:span|strong)[^>]*class="badge (\w+)"[^>]*>([^<]*)<')


@pytest.fixture
def runs(demo) -> dict[str, PlanRun]:
    """One run of the manager's in every status; the finished one solved for real (Mitte has no counselling
    offer, so its plan cannot meet every minimum), the running one in the middle of CP-SAT."""
    manager = demo.scalar(sa.select(User).where(User.email == "manager@example.org"))
    done = plan_runs.run_now(demo, plan_runs.start_run(demo, manager, ["mitte", "nord"], time_limit=TIME_LIMIT),
                             "Europe/Berlin", TIME_LIMIT)
    made = {"done": done}
    now = clock.now()
    for status in ("queued", "running", "failed", "published", "discarded"):
        run = PlanRun(created_by_id=manager.id, scope=["nord"], status=status, created_at=now, heartbeat_at=now,
                      progress={"phase": "cp-sat" if status == "running" else status, "elapsed": 3.2,
                                "objective": 12, "time_limit": TIME_LIMIT},
                      error="RuntimeError: kaputt" if status == "failed" else None)
        demo.add(run)
        made[status] = run
    demo.flush()
    return made


def _switch_to_english(client) -> None:
    response = client.post("/language", data={"csrf_token": token_from(client), "lang": "en", "next": "/manage/"})
    assert response.status_code == 302


def _badges(page: str) -> dict[str, str]:
    return dict(BADGE.findall(page))


def test_the_list_names_every_status_in_german_and_in_english(client, demo, runs):
    login(client, "manager@example.org")
    german = client.get("/manage/plans").get_data(as_text=True)
    assert _badges(german) == GERMAN
    assert "Unterkunft Mitte, Unterkunft Nord" in german  # the scope by name, not by key
    _switch_to_english(client)
    english = client.get("/manage/plans").get_data(as_text=True)
    assert _badges(english) == ENGLISH
    assert german_left(english, _data_names(demo)) == []


def test_a_finished_runs_page_reads_its_result_and_reasons_in_the_page_language(client, demo, runs):
    run = runs["done"]
    assert run.plan["status"] == "infeasible" and run.plan["unmet_requirements"]
    login(client, "manager@example.org")
    german = client.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    assert _badges(german) == {"done": "fertig"}
    assert "(Ergebnis: nicht alle Vorgaben erfüllbar)" in german
    assert "Unterkunft Mitte · Beratung</strong>: 0 von 60 Minuten pro Woche – Für Unterkunft Mitte gibt es kein " \
           "Angebot der Art Beratung" in german
    assert "infeasible" not in german and "offer exists" not in german
    _switch_to_english(client)
    english = client.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    assert _badges(english) == {"done": "finished"} and "(result: not every rule can be kept)" in english
    assert "Unterkunft Mitte · Counselling</strong>: 0 of 60 minutes a week – no Counselling offer exists for " \
           "Unterkunft Mitte" in english
    assert "Plan infeasible" not in english and "Für Unterkunft" not in english
    assert german_left(english, _data_names(demo)) == []


def test_a_running_runs_progress_speaks_the_page_language(client, demo, runs):
    run = runs["running"]
    login(client, "manager@example.org")
    german = client.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    assert _badges(german) == {"running": "läuft"} and '<span id="progress-text">optimiert · 3.2 s' in german
    polled = client.get(f"/manage/plans/{run.id}/progress").get_json()
    assert (polled["status"], polled["progress"]["phase"]) == ("running", "cp-sat")  # the codes stay
    assert (polled["status_label"], polled["phase_label"]) == ("läuft", "optimiert")
    _switch_to_english(client)
    english = client.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    assert _badges(english) == {"running": "running"} and '<span id="progress-text">optimising · 3.2 s' in english
    polled = client.get(f"/manage/plans/{run.id}/progress").get_json()
    assert (polled["status_label"], polled["phase_label"]) == ("running", "optimising")
    queued = client.get(f"/manage/plans/{runs['queued'].id}/progress").get_json()
    assert (queued["status"], queued["status_label"], queued["phase_label"]) == ("queued", "waiting", "waiting")


def test_the_api_keeps_the_machine_codes(client, demo, runs):
    manager = demo.scalar(sa.select(User).where(User.email == "manager@example.org"))
    _token, secret = create_api_token(demo, manager, "test")
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "de"}
    listed = client.get("/api/v1/plan-runs", headers=headers).get_json()
    assert sorted(item["status"] for item in listed["items"]) == sorted(STATUSES)
    preview = client.get(f"/api/v1/plan-runs/{runs['done'].id}/preview", headers=headers).get_json()
    assert preview["status"] == "infeasible" and preview["scope"] == ["mitte", "nord"]
    assert {row["why"]["code"] for row in preview["unmet"]} == {"no_offer"}
    assert all(gap["accommodation"] in ("mitte", "nord") for gap in preview["coverage_gaps"])
    assert {(gap["accommodation"], gap["category"], gap["planned_minutes"], gap["required_minutes"])
            for gap in preview["coverage_gaps"]} >= {("mitte", "counselling", 0, 60)}


# One reason of every code the solver gives, with names that are data (the same in every language).
EXAMPLES = [
    {"code": "pinned", "session": 0, "at": 600, "room": "Saal", "minutes": 90, "cause": {"code": "pin_room_closed"}},
    {"code": "pinned", "session": 1, "at": 1440 + 540, "room": None, "minutes": 60,
     "cause": {"code": "pin_provider_away", "providers": ["Volkshochschule", "Caritas"]}},
    *({"code": "pinned", "session": 0, "at": 600, "room": "Saal", "minutes": 60, "cause": {"code": code}}
      for code in ("pin_room_unsuitable", "pin_room_elsewhere", "pin_not_allowed", "pin_unusable")),
    {"code": "pinned", "session": 0, "at": 600, "room": "Saal", "minutes": 60,
     "cause": {"code": "pin_booking", "bookings": ["Impftermin"]}},
    {"code": "no_room", "place": "Unterkunft Haus"},
    {"code": "room_too_small", "place": "Unterkunft Haus", "participants": 18, "largest": 12},
    {"code": "room_lacks_feature", "place": "Unterkunft Haus", "feature": "kitchen"},
    {"code": "room_unfit", "place": "Unterkunft Haus", "participants": 18, "features": ["kitchen", "private"]},
    {"code": "windows_never_meet", "rooms": ["Saal"], "providers": ["Volkshochschule"], "minutes": 90,
     "allowed": True},
    {"code": "windows_never_meet", "rooms": ["Saal"], "providers": ["Volkshochschule"], "minutes": 90,
     "allowed": False},
    {"code": "bookings_block", "bookings": [{"title": "Impftermin", "at": 660, "end": 720}]},
    {"code": "too_few_days", "days": ["mon", "thu"], "minutes": 60, "sessions": 3},
    {"code": "provider_hours", "providers": ["Volkshochschule"], "capped": True, "supply": 180, "demand": 240,
     "places": ["Unterkunft Nord", "Unterkunft Mitte"]},
    {"code": "provider_hours", "providers": ["Volkshochschule"], "capped": False, "supply": 150, "demand": 240,
     "places": ["Unterkunft Nord"]},
    {"code": "room_hours", "rooms": ["Saal"], "place": "Unterkunft Haus", "supply": 120, "demand": 180},
    {"code": "time_limit", "at": 600, "room": "Saal"},
    {"code": "all_taken", "guaranteed": False, "causes": [
        {"code": "same_day", "day": "tue"},
        {"code": "room_used", "room": "Saal", "by": {"title": "Deutschkurs", "place": "Unterkunft Haus"}},
        {"code": "provider_limit", "provider": "Volkshochschule", "limit": 600},
        {"code": "provider_busy", "provider": "Volkshochschule", "travel": 30,
         "by": {"title": "Deutschkurs", "place": "Unterkunft Nord"}},
        {"code": "provider_busy", "provider": "Volkshochschule", "travel": 0,
         "by": {"title": "Deutschkurs", "place": "Unterkunft Nord"}}]},
    {"code": "all_taken", "guaranteed": True, "causes": [{"code": "same_day", "day": "wed"}]},
    {"code": "no_offer", "category": "counselling", "place": "Unterkunft Haus"},
    {"code": "too_little_offered", "category": "language_course", "place": "Unterkunft Haus", "offered": 90,
     "required": 180},
    {"code": "sessions_unplaced", "category": "language_course", "place": "Unterkunft Haus", "count": 2,
     "title": "Deutschkurs", "cause": {"code": "no_room", "place": "Unterkunft Haus"}},
]


def _codes(why: dict) -> set[str]:
    nested = [why.get("cause")] + list(why.get("causes", []))
    return {why["code"]} | {code for part in nested if part for code in _codes(part)}


def _names(why: dict) -> set[str]:
    """The data in a reason (names of places, rooms, providers, offers): the same in every language."""
    found = set()
    for key, value in why.items():
        if key in ("place", "room", "provider", "title", "feature") and isinstance(value, str):
            found.add(value)
        elif key in ("rooms", "providers", "places", "bookings") and isinstance(value, list):
            found |= {v if isinstance(v, str) else v["title"] for v in value}
        elif isinstance(value, dict):
            found |= _names(value)
        elif key == "causes":
            found |= {name for cause in value for name in _names(cause)}
    return found


def test_every_solver_reason_has_its_words_in_both_languages(app):
    assert set().union(*(_codes(why) for why in EXAMPLES)) == set(wording.WORDS) == set(labels.WORDS)
    with app.test_request_context():
        for why in EXAMPLES:
            with force_locale("de"):
                german = labels.reason(why)
            with force_locale("en"):
                english = labels.reason(why)
            assert german != english and german != wording.english(why), why
            assert all(name in german and name in english for name in _names(why)), why
    capped, available = [why for why in EXAMPLES if why["code"] == "provider_hours"]
    with app.test_request_context(), force_locale("de"):
        assert labels.reason(EXAMPLES[0]) == ("Termin 1 ist auf Mo 10:00 in Saal festgelegt (90 Minuten), aber der "
                                              "Raum ist dann nicht geöffnet")
        assert labels.reason(capped) == ("Volkshochschule darf höchstens 3 Std. pro Woche arbeiten, verlangt sind "
                                         "aber 4 Std. in Unterkunft Nord und Unterkunft Mitte")
    with app.test_request_context(), force_locale("en"):
        assert labels.reason(available) == ("Volkshochschule is available 2.5 h a week but 4 h are requested across "
                                            "Unterkunft Nord")


def test_a_plan_stored_before_reasons_had_codes_keeps_its_text(app):
    with app.test_request_context():
        assert labels.row_reason({"offer": "x", "session": 0, "reason": "no room"}) == "no room"
        assert labels.row_reason({"reason": "old", "why": {"code": "no_room"}}) == "old"  # parameters missing


ROOT = Path(__file__).resolve().parents[2]
SOURCES = [("roombook/planning/**.py", "python"), ("roombook/web/manage/plans.py", "python"),
           ("templates/manage/plan*.html", "jinja2"), ("templates/manage/_plan_gap.txt", "jinja2"),
           ("templates/mail/coverage_gaps.txt", "jinja2")]


def test_every_plan_text_has_an_english_translation():
    with (CATALOGS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        translated = {m.id for m in read_po(fh) if m.id and m.string}
    found = {message for _f, _l, message, _c, _ctx in extract_from_dir(
        str(ROOT), SOURCES, keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None})}
    assert len(found) > 60
    assert sorted(found - translated) == []
