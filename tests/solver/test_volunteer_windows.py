"""A volunteer-run offer in the solver: its group's windows (several a day, as its volunteers wished them) bound
where it may go, and the group's weekly minutes (the sum of its volunteers' hours) bound how much of it."""
from __future__ import annotations

from roombook.solver.timegrid import parse_hhmm
from tests.solver.solver_factories import (
    house,
    offer,
    placed,
    provider,
    room,
    scenario,
    solved,
    weekdays,
    window,
)

# Two volunteers' wishes as the app merges them: a Tuesday morning and evening, a Thursday afternoon.
GROUP = [window("tue", "09:00", "10:30"), window("tue", "18:00", "20:00"), window("thu", "15:00", "16:00")]


def length(row: dict) -> int:
    return parse_hhmm(row["end"]) - parse_hhmm(row["start"])


def inside(row: dict, windows: list[dict]) -> bool:
    # zero-padded "HH:MM" compare as the times do
    return any(w["day"] == row["day"] and w["from"] <= row["start"] and row["end"] <= w["to"] for w in windows)


def group(**extra) -> dict:
    return provider("ehrenamt", GROUP, name="Ehrenamtskreis", kind="volunteer", **extra)


def test_a_volunteer_run_offer_is_placed_only_inside_its_groups_windows():
    # the room is open all week long and the offer would rather be at noon: the group's windows still decide
    plan = solved(scenario(accommodations=[house("haus", [room("saal", open_=weekdays("07:00", "22:00"))])],
                           providers=[group()],
                           offers=[offer("cafe", providers=["ehrenamt"], duration=60, sessions=2,
                                         category="volunteer_activity",
                                         preferred=[window("tue", "12:00", "14:00")])]))
    rows = [placed(plan, "cafe", n) for n in range(2)]
    assert all(inside(row, GROUP) for row in rows), rows
    assert sorted(row["day"] for row in rows) == ["thu", "tue"]
    assert plan["unplaced"] == []


def test_an_offer_longer_than_every_window_of_the_group_stays_unplaced():
    plan = solved(scenario(providers=[group()],
                           offers=[offer("lang", providers=["ehrenamt"], duration=150, guaranteed=False)]))
    assert plan["sessions"] == []
    assert [row["offer"] for row in plan["unplaced"]] == ["lang"]


def test_the_groups_weekly_minutes_cap_what_is_placed():
    # two volunteers' 1.5 hours each: three hours a week, though the windows would hold more
    plan = solved(scenario(providers=[group(max_minutes_per_week=180)],
                           accommodations=[house("haus", [room("saal", open_=[window("tue", "07:00", "22:00"),
                                                                               window("thu", "07:00", "22:00")])])],
                           offers=[offer("a", providers=["ehrenamt"], duration=60, sessions=2),
                                   offer("b", providers=["ehrenamt"], duration=120, guaranteed=False)]))
    assert sum(length(row) for row in plan["sessions"]) <= 180
    assert {row["offer"] for row in plan["sessions"]} == {"a"}
    assert all(inside(row, GROUP) for row in plan["sessions"])
