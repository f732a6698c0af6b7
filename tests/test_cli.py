"""The flask commands a person runs, through Flask's CLI runner against the real database."""
from __future__ import annotations

import json

import sqlalchemy as sa

from roombook.models import Accommodation, Occurrence, Room, User
from tests.scenario.test_scenario import EXAMPLES


def test_demo_loads_a_city_and_prints_every_login(app, session):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email in ("admin@example.org", "coordinator@example.org", "manager@example.org",
                  "department@example.org", "volunteer@example.org"):
        assert email in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Accommodation)) >= 4
    rooms = session.scalars(sa.select(Room)).all()
    social = [r for r in rooms if r.venue_note is None]  # the council's 1-2 social rooms per accommodation
    assert all(1 <= len([r for r in social if r.accommodation_id == a]) <= 2 for a in {r.accommodation_id for r in rooms})
    assert [r.key for r in rooms if r.venue_note] == ["nord-bibliothek"]  # Nord's recorded alternative venue
    assert session.scalar(sa.select(sa.func.count()).select_from(Occurrence)) > 100
    manager = session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    assert manager.check_password("demo") and {a.key for a in manager.accommodations} == {"nord", "mitte"}
    again = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    refused = app.test_cli_runner().invoke(args=["demo"])
    assert refused.exit_code != 0 and "empty database" in refused.output


def test_users_create_hashes_the_password_and_checks_scope(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    ok = runner.invoke(args=["users", "create", "--email", "Hausleitung@Example.org", "--role", "facility_manager",
                             "--accommodation", "sued", "--password", "long-enough-pw"])
    assert ok.exit_code == 0, ok.output
    user = session.scalar(sa.select(User).where(User.email == "hausleitung@example.org"))
    assert user.password_hash != "long-enough-pw" and user.check_password("long-enough-pw")
    assert [a.key for a in user.accommodations] == ["sued"]
    unknown = runner.invoke(args=["users", "create", "--email", "x@example.org", "--role", "facility_manager",
                                  "--accommodation", "atlantis", "--password", "long-enough-pw"])
    assert unknown.exit_code != 0 and "--accommodation" in unknown.output
    duplicate = runner.invoke(args=["users", "create", "--email", "hausleitung@example.org", "--role", "volunteer",
                                    "--password", "long-enough-pw"])
    assert duplicate.exit_code != 0 and "exists" in duplicate.output


def test_import_and_export_scenario_commands(app, session, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-scenario", str(EXAMPLES[0])])
    assert result.exit_code == 0, result.output
    out = tmp_path / "city.json"
    result = runner.invoke(args=["export-scenario", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert {a["id"] for a in exported["accommodations"]} == {"nord", "mitte", "sued"}


def test_import_of_a_broken_file_prints_paths_and_writes_nothing(app, session, tmp_path):
    scenario = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    scenario["offers"][0]["accommodation"] = "atlantis"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(scenario))
    result = app.test_cli_runner().invoke(args=["import-scenario", str(bad)])
    assert result.exit_code != 0
    assert "$.offers[0].accommodation: unknown accommodation 'atlantis'" in result.output
    assert "nothing was imported" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Accommodation)) == 0
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    result = app.test_cli_runner().invoke(args=["import-scenario", str(garbage)])
    assert result.exit_code != 0 and "not a JSON file" in result.output


def test_extend_horizon_command(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["extend-horizon", "--weeks", "40"])
    assert result.exit_code == 0 and "occurrences added" in result.output
