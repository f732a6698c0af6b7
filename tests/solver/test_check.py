"""The independent validator rejects hand-broken plans, one rule at a time."""

import copy

import pytest
from solver_factories import house, offer, provider, room, scenario, solved, window

from roombook.solver import check_plan


@pytest.fixture(scope="module")
def city() -> dict:
    houses = [house("nord", [room("n1", features=["kitchen"]), room("n2", capacity=4)]), house("sued", [room("s1")])]
    return scenario(
        accommodations=houses,
        providers=[provider("vhs", [window(d, "08:00", "18:00") for d in ("mon", "tue", "wed")],
                            max_minutes_per_week=600)],
        offers=[offer("kochen", "nord", duration=120, sessions=2, needs_features=["kitchen"], participants=10,
                      pinned=[{"session": 0, "day": "mon", "start": "10:00"}]),
                offer("sued", "sued", duration=60)],
        bookings=[{"id": "fest", "room": "n1", "start": "2027-03-01T10:00", "end": "2027-03-01T11:00",
                   "title": "Fest", "displaceable": True}],
        closures=[{"room": "n1", "start": "2027-03-08T00:00", "end": "2027-03-09T00:00", "reason": "Wasserschaden"}],
        requirements=[{"accommodation": "sued", "category": "other", "min_minutes_per_week": 60}])


@pytest.fixture(scope="module")
def plan(city) -> dict:
    return solved(city)


def broken(plan: dict, change) -> dict:
    copied = copy.deepcopy(plan)
    change(copied)
    return copied


def row(plan: dict, offer_id: str, number: int = 0) -> dict:
    return next(r for r in plan["sessions"] if r["offer"] == offer_id and r["session"] == number)


def rules(errors: list[str]) -> set[str]:
    return {e.split(":")[0] for e in errors}


def test_the_solved_plan_is_valid(city, plan):
    assert check_plan(city, plan) == []
    assert row(plan, "kochen")["start"] == "10:00" and plan["displaced_bookings"]
    assert plan["cancelled_occurrences"]


def test_schema_violation_is_reported(city, plan):
    errors = check_plan(city, broken(plan, lambda p: p.pop("sessions")))
    assert errors and errors[0].startswith("schema:")


def test_rule_1_start_off_grid_and_outside_opening(city, plan):
    def shift(p):
        r = row(p, "sued")
        r["start"], r["end"], r["day"] = "07:05", "08:05", "tue"
    errors = [e for e in check_plan(city, broken(plan, shift)) if e.startswith("rule 1")]
    assert any("off the 15-minute grid" in e for e in errors)
    assert any("is not open" in e for e in errors)


def test_rule_1_provider_not_available(city, plan):
    def thursday(p):
        r = row(p, "sued")
        r["day"] = "thu"
    assert "rule 1" in rules(check_plan(city, broken(plan, thursday)))


def test_rule_2_room_without_capacity_or_feature(city, plan):
    def small_room(p):
        row(p, "kochen", 1)["room"] = "n2"
    errors = check_plan(city, broken(plan, small_room))
    assert rules(errors) == {"rule 2"} and len(errors) == 2


def test_rule_2_room_of_another_house(city, plan):
    assert rules(check_plan(city, broken(plan, lambda p: row(p, "sued").update(room="n2")))) == {"rule 2"}


def test_rule_3_two_sessions_in_one_room(city, plan):
    changed = copy.deepcopy(city)
    changed["offers"].append(offer("zwei", "sued", ["other"], duration=60))
    changed["providers"].append(provider("other"))

    def clash(p):
        twin = dict(row(p, "sued"), offer="zwei", provider="other")
        p["sessions"].append(twin)
    assert rules(check_plan(changed, broken(plan, clash))) == {"rule 3"}


def test_rule_3_provider_without_travel_time(city, plan):
    def too_close(p):
        kochen = row(p, "kochen")
        sued = row(p, "sued")
        sued["day"], sued["start"] = kochen["day"], f"{int(kochen['end'][:2]):02d}:{kochen['end'][3:]}"
        sued["end"] = f"{int(kochen['end'][:2]) + 1:02d}:{kochen['end'][3:]}"
    errors = check_plan(city, broken(plan, too_close))
    assert any(e.startswith("rule 3") and "without 30 minutes" in e for e in errors)


def test_rule_4_weekly_maximum(city, plan):
    changed = copy.deepcopy(city)
    changed["providers"][0]["max_minutes_per_week"] = 200
    assert rules(check_plan(changed, plan)) == {"rule 4"}


def test_rule_5_pin_and_different_days(city, plan):
    def unpin(p):
        r = row(p, "kochen")
        r["start"], r["end"] = "12:00", "14:00"
    assert "rule 5" in rules(check_plan(city, broken(plan, unpin)))

    def same_day(p):
        first, second = row(p, "kochen"), row(p, "kochen", 1)
        second["day"], second["start"], second["end"] = first["day"], "14:00", "16:00"
    assert "rule 5" in rules(check_plan(city, broken(plan, same_day)))


def test_rule_6_undeclared_displacement_and_cancellation(city, plan):
    assert rules(check_plan(city, broken(plan, lambda p: p["displaced_bookings"].clear()))) == {"rule 6"}
    assert rules(check_plan(city, broken(plan, lambda p: p["cancelled_occurrences"].clear()))) == {"rule 6"}


def test_rule_6_non_displaceable_booking(city, plan):
    changed = copy.deepcopy(city)
    changed["bookings"][0]["displaceable"] = False
    assert "rule 6" in rules(check_plan(changed, plan))


def test_rule_7_missing_guaranteed_session_needs_infeasible_status(city, plan):
    def drop(p):
        p["sessions"] = [r for r in p["sessions"] if r["offer"] != "sued"]
        p["unplaced"].append({"offer": "sued", "session": 0, "reason": "kein Platz"})
    errors = check_plan(city, broken(plan, drop))
    assert rules(errors) == {"rule 7"} and len(errors) == 2
    admitted = broken(plan, drop)
    admitted["status"] = "infeasible"
    admitted["unmet_requirements"].append({"accommodation": "sued", "category": "other", "required_minutes": 60,
                                           "planned_minutes": 0, "reason": "kein Platz"})
    assert check_plan(city, admitted) == []


def test_rule_7_infeasible_status_without_shortfall(city, plan):
    assert rules(check_plan(city, broken(plan, lambda p: p.update(status="infeasible")))) == {"rule 7"}
