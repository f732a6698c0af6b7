"""Each scenario has a tempting placement that exactly one hard rule forbids."""

from solver_factories import (
    house,
    offer,
    placed,
    provider,
    room,
    scenario,
    solved,
    window,
)


def test_session_goes_to_the_room_that_holds_its_participants():
    rooms = [room("klein", capacity=4), room("gross", capacity=20, open_=[window("thu", "14:00", "16:00")])]
    plan = solved(scenario(accommodations=[house("haus", rooms)], offers=[offer("kurs", participants=12)]))
    row = placed(plan, "kurs")
    assert (row["room"], row["day"]) == ("gross", "thu")


def test_session_goes_to_the_room_with_the_needed_feature():
    rooms = [room("saal", capacity=30), room("kueche", features=["kitchen"], open_=[window("wed", "10:00", "12:00")])]
    plan = solved(scenario(accommodations=[house("haus", rooms)],
                           offers=[offer("kochen", needs_features=["kitchen"])]))
    assert placed(plan, "kochen")["room"] == "kueche"


def test_session_lies_inside_provider_availability_and_on_the_grid():
    plan = solved(scenario(slot_minutes=30, providers=[provider("vhs", [window("thu", "14:10", "16:00")])],
                           offers=[offer("kurs", duration=60)]))
    row = placed(plan, "kurs")
    assert (row["day"], row["start"], row["end"]) == ("thu", "14:30", "15:30")


def test_session_lies_inside_the_allowed_windows():
    plan = solved(scenario(offers=[offer("kurs", allowed=[window("fri", "10:00", "11:00")],
                                         preferred=[window("mon", "08:00", "12:00")])]))
    row = placed(plan, "kurs")
    assert (row["day"], row["start"]) == ("fri", "10:00")


def test_two_sessions_never_share_a_room():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00")])]
    plan = solved(scenario(accommodations=[house("haus", rooms)],
                           providers=[provider("a"), provider("b")],
                           offers=[offer("eins", providers=["a"]), offer("zwei", providers=["b"])]))
    starts = sorted(row["start"] for row in plan["sessions"])
    assert starts == ["10:00", "11:00"]


def test_provider_travels_between_houses_but_not_within_one():
    houses = [house("nord", [room("n1"), room("n2")]), house("sued", [room("s1")])]
    available = [window("mon", "10:00", "12:30")]
    plan = solved(scenario(accommodations=houses, travel_minutes=30,
                           providers=[provider("vhs", available)],
                           offers=[offer("a", "nord"), offer("b", "sued")]))
    first, second = sorted(plan["sessions"], key=lambda r: r["start"])
    assert (first["start"], second["start"]) == ("10:00", "11:30")
    same_house = solved(scenario(accommodations=houses, providers=[provider("vhs", [window("mon", "10:00", "12:00")])],
                                 offers=[offer("a", "nord"), offer("c", "nord")]))
    assert sorted(r["start"] for r in same_house["sessions"]) == ["10:00", "11:00"]


def test_travel_override_between_two_houses_is_used():
    houses = [house("nord", [room("n1")]), house("sued", [room("s1")])]
    plan = solved(scenario(accommodations=houses, travel_minutes=60,
                           travel=[{"from": "sued", "to": "nord", "minutes": 15}],
                           providers=[provider("vhs", [window("mon", "10:00", "12:15")])],
                           offers=[offer("a", "nord"), offer("b", "sued")]))
    assert plan["status"] == "optimal" and len(plan["sessions"]) == 2


def test_provider_weekly_maximum_keeps_the_optional_offer_out():
    plan = solved(scenario(providers=[provider("vhs", max_minutes_per_week=120)],
                           offers=[offer("pflicht", duration=90), offer("extra", duration=90, guaranteed=False)]))
    assert [row["offer"] for row in plan["sessions"]] == ["pflicht"]
    assert plan["status"] == "optimal"
    assert "vhs" in plan["unplaced"][0]["reason"]


def test_pin_beats_the_preferred_time():
    plan = solved(scenario(offers=[offer("kurs", preferred=[window("mon", "08:00", "12:00")],
                                         pinned=[{"session": 0, "day": "wed", "start": "15:00"}])]))
    row = placed(plan, "kurs")
    assert (row["day"], row["start"]) == ("wed", "15:00")


def test_sessions_of_one_offer_fall_on_different_days():
    plan = solved(scenario(providers=[provider("vhs", [window("mon", "08:00", "20:00"), window("tue", "09:00", "10:00"),
                                                         window("wed", "09:00", "10:00")])],
                           offers=[offer("kurs", sessions=3, preferred=[window("mon", "08:00", "20:00")])]))
    assert sorted(row["day"] for row in plan["sessions"]) == ["mon", "tue", "wed"]


def test_non_displaceable_booking_blocks_its_weekday_and_time_all_period():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00"), window("tue", "10:00", "12:00")])]
    booking = {"id": "impf", "room": "saal", "start": "2027-03-15T10:30", "end": "2027-03-15T11:00",
               "title": "Impftermin", "displaceable": False}
    plan = solved(scenario(accommodations=[house("haus", rooms)], bookings=[booking],
                           offers=[offer("kurs", duration=120, preferred=[window("mon", "08:00", "20:00")])]))
    assert placed(plan, "kurs")["day"] == "tue"


def test_displaceable_booking_is_only_overlapped_when_needed_and_then_listed():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00"), window("tue", "10:00", "12:00")]),
             room("buero", capacity=4, open_=[window("mon", "08:00", "18:00")])]
    booking = {"id": "fest", "room": "saal", "start": "2027-03-15T10:00", "end": "2027-03-15T11:00",
               "title": "Fest", "displaceable": True}
    free_tuesday = solved(scenario(accommodations=[house("haus", rooms)], bookings=[booking],
                                   offers=[offer("kurs", duration=120, participants=15)]))
    assert placed(free_tuesday, "kurs")["day"] == "tue" and free_tuesday["displaced_bookings"] == []
    monday_only = [room("saal", open_=[window("mon", "10:00", "12:00")]), rooms[1]]
    plan = solved(scenario(accommodations=[house("haus", monday_only)], bookings=[booking],
                           offers=[offer("kurs", duration=120, needs_features=[], participants=15)]))
    assert placed(plan, "kurs")["day"] == "mon"
    [row] = plan["displaced_bookings"]
    assert (row["booking"], row["offer"]) == ("fest", "kurs")
    assert row["alternatives"] and row["alternatives"][0]["room"] == "buero"


def test_closure_cancels_occurrences_instead_of_moving_the_weekly_slot():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00")])]
    closure = {"room": "saal", "start": "2027-03-08T00:00", "end": "2027-03-09T00:00", "reason": "Wasserschaden"}
    plan = solved(scenario(accommodations=[house("haus", rooms)], closures=[closure]))
    assert placed(plan, "kurs")["day"] == "mon"
    assert plan["cancelled_occurrences"] == [
        {"offer": "kurs", "session": 0, "date": "2027-03-08", "reason": "Wasserschaden"}]


def test_requirement_makes_the_solver_place_enough_minutes():
    plan = solved(scenario(providers=[provider("vhs", [window("mon", "09:00", "12:00")])],
                           offers=[offer("sonst", duration=120, guaranteed=False),
                                   offer("sprache", duration=120, guaranteed=False, category="language_course")],
                           requirements=[{"accommodation": "haus", "category": "language_course",
                                          "min_minutes_per_week": 120}]))
    assert [row["offer"] for row in plan["sessions"]] == ["sprache"]
    assert plan["status"] == "optimal"


def test_guaranteed_session_wins_over_two_optional_ones():
    plan = solved(scenario(providers=[provider("vhs", [window("mon", "09:00", "11:00")])],
                           offers=[offer("frei", guaranteed=False), offer("auch", guaranteed=False),
                                   offer("muss", duration=120)]))
    assert [row["offer"] for row in plan["sessions"]] == ["muss"]
    assert plan["status"] == "optimal"
    assert plan["unplaced"][0]["reason"] == "vhs is available 2 h/week but 4 h are requested across Unterkunft Haus"


def test_travel_time_beats_a_preferred_time():
    houses = [house("nord", [room("n1")]), house("sued", [room("s1")])]
    plan = solved(scenario(accommodations=houses, travel_minutes=30,
                           providers=[provider("vhs", [window("mon", "10:00", "12:30")])],
                           offers=[offer("a", "nord"), offer("b", "sued", preferred=[window("mon", "10:30", "11:30")])]))
    assert len(plan["sessions"]) == 2
    assert placed(plan, "b")["start"] != "10:30"
    assert plan["status"] == "optimal"


def test_preferred_time_does_not_justify_displacing_a_booking():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00"), window("tue", "10:00", "12:00")])]
    booking = {"id": "fest", "room": "saal", "start": "2027-03-15T10:00", "end": "2027-03-15T11:00",
               "title": "Fest", "displaceable": True}
    plan = solved(scenario(accommodations=[house("haus", rooms)], bookings=[booking],
                           offers=[offer("kurs", duration=120, preferred=[window("mon", "08:00", "20:00")])]))
    assert placed(plan, "kurs")["day"] == "tue" and plan["displaced_bookings"] == []
    assert plan["status"] == "optimal"


def test_preferred_times_are_shared_out_when_possible():
    rooms = [room("saal", open_=[window("mon", "10:00", "12:00"), window("tue", "10:00", "12:00")])]
    plan = solved(scenario(accommodations=[house("haus", rooms)], offers=[
        offer("a", preferred=[window("mon", "10:00", "11:00")]),
        offer("b", preferred=[window("mon", "10:00", "12:00")],
              allowed=[window("mon", "10:00", "12:00"), window("tue", "10:00", "11:00")])]))
    assert (placed(plan, "a")["start"], placed(plan, "b")["start"]) == ("10:00", "11:00")
    assert {row["day"] for row in plan["sessions"]} == {"mon"} and plan["status"] == "optimal"
