"""Infeasible scenarios: the plan says so, still places what it can and names the bottleneck."""

import json
from pathlib import Path

from solver_factories import house, offer, provider, room, scenario, solved, window

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "small-city.json"


def test_overbooked_department_is_named_with_the_houses_it_serves():
    city = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    soziales = next(p for p in city["providers"] if p["id"] == "fb-soziales")
    soziales["available"] = [window("mon", "09:00", "12:00"), window("wed", "09:00", "12:00")]
    for row in city["offers"]:
        if row["id"] == "lotse-sued":
            row["providers"] = ["fb-soziales"]
            row["duration_minutes"] = 180
            row["allowed"] = [window("mon", "09:00", "12:00"), window("wed", "09:00", "12:00")]
        if row["id"] == "sz-soz-mitte":
            row["duration_minutes"] = 180
    plan = solved(city)
    assert plan["status"] == "infeasible"
    reasons = [row["reason"] for row in plan["unplaced"]]
    assert reasons
    assert all(r.startswith("Fachbereich Soziales is available 6 h/week but 8 h are requested across") for r in reasons)
    assert "Unterkunft Mitte, Unterkunft Nord and Unterkunft Süd" in reasons[0]
    assert len(plan["sessions"]) == sum(o["sessions_per_week"] for o in city["offers"]) - len(reasons)


def test_too_many_participants_names_the_house():
    plan = solved(scenario(accommodations=[house("sued", [room("gr", capacity=12)], name="Unterkunft Süd")],
                           offers=[offer("kurs", "sued", participants=18), offer("ok", "sued")]))
    assert plan["status"] == "infeasible"
    [row] = plan["unplaced"]
    assert row["reason"] == "no room in Unterkunft Süd holds 18 participants (the largest holds 12)"
    assert [s["offer"] for s in plan["sessions"]] == ["ok"]


def test_missing_feature_names_the_house_and_feature():
    plan = solved(scenario(offers=[offer("kochen", needs_features=["kitchen"])]))
    assert plan["unplaced"][0]["reason"] == "no room in Unterkunft Haus has the feature 'kitchen'"


def test_room_hours_and_provider_availability_that_never_meet():
    plan = solved(scenario(accommodations=[house("haus", [room("saal", open_=[window("mon", "08:00", "12:00")],
                                                                name="Saal")])],
                           providers=[provider("fb", [window("mon", "11:00", "18:00")], name="Fachbereich Soziales")],
                           offers=[offer("sprechstunde", providers=["fb"], duration=90)]))
    assert plan["unplaced"][0]["reason"] == (
        "opening hours of room Saal and availability of Fachbereich Soziales never overlap for 90 minutes")


def test_weekly_maximum_of_a_shared_provider_is_the_bottleneck():
    houses = [house("nord", [room("n")], name="Unterkunft Nord"), house("mitte", [room("m")], name="Unterkunft Mitte")]
    plan = solved(scenario(accommodations=houses,
                           providers=[provider("vb", name="Verfahrensberatung", max_minutes_per_week=180)],
                           offers=[offer("a", "nord", ["vb"], duration=120), offer("b", "mitte", ["vb"], duration=120)]))
    assert plan["status"] == "infeasible"
    assert plan["unplaced"][0]["reason"] == (
        "Verfahrensberatung may work at most 3 h/week but 4 h are requested across Unterkunft Mitte and Unterkunft Nord")


def test_too_few_days_for_the_sessions_per_week():
    plan = solved(scenario(providers=[provider("vhs", [window("mon", "08:00", "12:00"), window("thu", "08:00", "12:00")])],
                           offers=[offer("kurs", sessions=3)]))
    assert plan["status"] == "infeasible" and len(plan["sessions"]) == 2
    assert plan["unplaced"][0]["reason"].startswith("only 2 day(s) (Mon and Thu) offer a 60-minute slot")


def test_pin_outside_opening_hours_is_explained():
    plan = solved(scenario(offers=[offer("kurs", pinned=[{"session": 0, "day": "sat", "start": "10:00"}])]))
    assert plan["unplaced"][0]["reason"] == (
        "session 0 is pinned to Sat 10:00 for 60 minutes, but the room is not open then")


def test_non_displaceable_bookings_that_block_every_slot_are_named():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00")])]
    booking = {"id": "impf", "room": "saal", "start": "2027-03-08T11:00", "end": "2027-03-08T12:00",
               "title": "Impftermin", "displaceable": False}
    plan = solved(scenario(accommodations=[house("haus", rooms)], bookings=[booking], offers=[offer("kurs", duration=90)]))
    assert "'Impftermin' (Mon 11:00–12:00)" in plan["unplaced"][0]["reason"]


def test_unmet_requirement_explains_the_shortfall():
    plan = solved(scenario(offers=[offer("kurs", category="language_course", duration=90)],
                           requirements=[{"accommodation": "haus", "category": "language_course",
                                          "min_minutes_per_week": 180},
                                         {"accommodation": "haus", "category": "counselling",
                                          "min_minutes_per_week": 60}]))
    assert plan["status"] == "infeasible"
    reasons = {row["category"]: row for row in plan["unmet_requirements"]}
    assert reasons["language_course"]["planned_minutes"] == 90
    assert reasons["language_course"]["reason"] == (
        "only 90 minutes/week of language course are offered in Unterkunft Haus but 180 are required")
    assert reasons["counselling"]["reason"] == "no counselling offer exists for Unterkunft Haus"


def test_conflicting_guaranteed_sessions_name_what_is_in_the_way():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00")])]
    plan = solved(scenario(accommodations=[house("haus", rooms)], providers=[provider("a"), provider("b")],
                           offers=[offer("eins", providers=["a"], duration=120),
                                   offer("zwei", providers=["b"], duration=120)]))
    assert plan["status"] == "infeasible"
    [row] = plan["unplaced"]
    assert row["reason"].startswith("room Saal in Unterkunft Haus is open 2 h/week but the offers")


def test_every_reason_comes_with_its_code_and_parameters():
    """The app words reasons in the page's language from `why`; the English `reason` is the same reason."""
    from roombook.solver.wording import english

    city = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    soziales = next(p for p in city["providers"] if p["id"] == "fb-soziales")
    soziales["available"] = [window("mon", "09:00", "12:00")]
    city["requirements"].append({"accommodation": city["accommodations"][0]["id"], "category": "counselling",
                                 "min_minutes_per_week": 6000})
    plan = solved(city)
    rows = plan["unplaced"] + plan["unmet_requirements"]
    assert plan["unplaced"] and plan["unmet_requirements"]
    assert all(row["reason"] == english(row["why"]) and row["why"]["code"] for row in rows)
    unplaced = plan["unplaced"][0]["why"]
    assert unplaced["code"] == "provider_hours" and unplaced["providers"] == ["Fachbereich Soziales"]
    assert unplaced["supply"] == 180 and unplaced["demand"] > 180
    [counselling] = [row["why"] for row in plan["unmet_requirements"] if row["category"] == "counselling"]
    assert counselling == {"code": "no_offer", "category": "counselling", "place": "Unterkunft Nord"}


def test_a_blocked_session_names_its_causes_as_codes():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00"), window("tue", "10:00", "12:00")], name="Saal")]
    monday = [window("mon", "10:00", "12:00")]
    plan = solved(scenario(accommodations=[house("haus", rooms)],
                           providers=[provider("a", monday), provider("b", monday)],
                           offers=[offer("eins", providers=["a"], duration=120),
                                   offer("zwei", providers=["b"], duration=120, guaranteed=False)]))
    [row] = plan["unplaced"]
    assert row["offer"] == "zwei" and row["why"]["code"] == "all_taken" and row["why"]["guaranteed"] is False
    assert row["why"]["causes"] == [{"code": "room_used", "room": "Saal",
                                     "by": {"title": "Angebot eins", "place": "Unterkunft Haus"}}]
    assert row["reason"] == ("every possible time is taken (guaranteed offers go first): "
                             "room Saal is used by Angebot eins (Unterkunft Haus)")
