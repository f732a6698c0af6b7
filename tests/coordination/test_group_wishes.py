"""The planner reads the volunteers' profiles: a volunteer group's offers go only where its volunteers wished
to be, and no further than the hours they gave (the scenario the app builds, solved by a real plan run)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from roombook.coordination.groups import group_wishes, union_of_windows
from roombook.coordination.volunteers import save_profile
from roombook.models import Provider
from roombook.planning import runs as plan_runs
from roombook.scenario.exporter import export_scenario
from roombook.scenario.importer import import_scenario

ALL_DAY = [{"day": day, "from": "07:00", "to": "22:00"} for day in ("mon", "tue", "wed", "thu", "fri", "sat")]
# what the two volunteers of the group wished: Lena a Tuesday morning, Omar a Tuesday evening and Thursday
LENA = [{"day": "tue", "from": "09:00", "to": "10:30"}]
OMAR = [{"day": "tue", "from": "18:00", "to": "19:30"}, {"day": "thu", "from": "15:00", "to": "17:00"}]


def city(session, monday: dt.date) -> None:
    """One house, one room open all day; a volunteer group whose own row says "any weekday" and runs a
    café twice a week (guaranteed) and a bike workshop once (if its hours allow)."""
    def offer(key, sessions, guaranteed):
        return {"id": key, "title": key.capitalize(), "category": "volunteer_activity", "accommodation": "haus",
                "providers": ["ehrenamt"], "duration_minutes": 60, "sessions_per_week": sessions,
                "participants": 10, "needs_features": [], "guaranteed": guaranteed}

    import_scenario(session, {
        "format": "roombook-scenario/1", "timezone": "Europe/Berlin",
        "period": {"start": monday.isoformat(), "end": (monday + dt.timedelta(weeks=4, days=-1)).isoformat()},
        "slot_minutes": 15, "travel_minutes": 30,
        "accommodations": [{"id": "haus", "name": "Haus am See",
                            "rooms": [{"id": "saal", "name": "Saal", "capacity": 30, "features": [], "open": ALL_DAY}]}],
        "providers": [{"id": "ehrenamt", "name": "Ehrenamtskreis", "kind": "volunteer", "available": ALL_DAY}],
        "offers": [offer("cafe", 2, True), offer("werkstatt", 1, False)],
        "requirements": [], "bookings": [], "closures": [], "current_plan": []})


def volunteer(session, make_user, group: Provider | None, windows: list[dict], hours: float | None):
    user = make_user(provider=group)
    save_profile(session, user, languages=["de"], skills=["volunteer_activity"], accommodation_ids=[],
                 available=windows, max_hours=hours, note="")
    return user


def inside(row: dict, windows: list[dict]) -> bool:
    return any(w["day"] == row["day"] and w["from"] <= row["start"] and row["end"] <= w["to"] for w in windows)


def test_a_plan_run_places_the_groups_offers_inside_one_volunteers_wishes_and_within_their_hours(
        session, make_user):
    city(session, dt.date(2027, 3, 1))
    group = session.scalar(sa.select(Provider).where(Provider.key == "ehrenamt"))
    volunteer(session, make_user, group, LENA, 1)
    volunteer(session, make_user, group, OMAR, 1.5)
    coordinator = make_user("coordinator")

    run = plan_runs.run_now(session, plan_runs.start_run(session, coordinator, [], time_limit=10),
                            "Europe/Berlin", 10)

    assert run.status == "done", run.error
    provider = next(p for p in run.scenario["providers"] if p["id"] == "ehrenamt")
    assert provider["available"] == LENA + OMAR and provider["max_minutes_per_week"] == 150
    rows = [row for row in run.plan["sessions"] if row["provider"] == "ehrenamt"]
    # the café's two sessions, each inside one volunteer's window; the workshop's hour would pass 2.5 hours
    assert sorted(row["offer"] for row in rows) == ["cafe", "cafe"]
    assert all(inside(row, LENA) or inside(row, OMAR) for row in rows), rows
    assert [row["offer"] for row in run.plan["unplaced"]] == ["werkstatt"]


def test_volunteers_without_times_add_nothing_and_a_group_without_any_keeps_its_own_row(session, make_user):
    city(session, dt.date(2027, 3, 1))
    group = session.scalar(sa.select(Provider).where(Provider.key == "ehrenamt"))
    volunteer(session, make_user, group, [], 10)  # "any time" on the profile: promises the planner nothing
    make_user(provider=group)  # no profile at all
    assert group_wishes(session) == {}
    assert export_scenario(session)["providers"][0]["available"] == ALL_DAY

    volunteer(session, make_user, group, OMAR, None)  # no limit of hours: the group has none either
    gone = volunteer(session, make_user, group, LENA, 1)
    gone.active = False  # who stopped counts no more
    session.flush()
    exported = export_scenario(session)["providers"][0]
    assert exported["available"] == OMAR and "max_minutes_per_week" not in exported


def test_overlapping_and_touching_wishes_merge_into_one_window():
    assert union_of_windows([{"day": "thu", "from": "15:00", "to": "17:00"},
                             {"day": "tue", "from": "10:00", "to": "12:00"},
                             {"day": "tue", "from": "09:00", "to": "10:30"},
                             {"day": "tue", "from": "12:00", "to": "13:00"},
                             {"day": "tue", "from": "18:00", "to": "24:00"}]) == [
        {"day": "tue", "from": "09:00", "to": "13:00"}, {"day": "tue", "from": "18:00", "to": "24:00"},
        {"day": "thu", "from": "15:00", "to": "17:00"}]
