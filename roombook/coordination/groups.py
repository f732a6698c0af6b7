"""What a volunteer group can give, read from its volunteers' profiles: the planner places the group's offers
by it (roombook.scenario.exporter), and a room change proposes their new times within it (roombook.changes.repair).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.booking.intervals import merge
from roombook.booking.recurrence import DAYS
from roombook.models import Provider, User, VolunteerProfile
from roombook.models.people import ProviderKind, Role


def group_wishes(session: Session) -> dict[int, tuple[list[dict], int | None]]:
    """For each volunteer group (a provider of kind "volunteer") whose active volunteers named wished times:
    the union of those times (overlapping and touching windows merged) and, as its weekly maximum, the sum of
    their hours (None, no limit, when one of them set none). The planner places the group's offers by it.

    Only volunteers who named times count, for the times and the hours alike: a profile without times says
    "any time" to the coordinator, but a group's reach is what its members promised. A group none of whose
    volunteers named times is left out, and keeps the provider row's own windows and maximum."""
    found: dict[int, tuple[list[dict], int | None]] = {}
    rows = session.execute(
        sa.select(User.provider_id, VolunteerProfile.available, VolunteerProfile.max_minutes_per_week)
        .join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .join(Provider, Provider.id == User.provider_id)
        .where(Provider.kind == ProviderKind.VOLUNTEER, User.role == Role.VOLUNTEER, User.active)
        .order_by(User.provider_id, User.id))
    by_group: dict[int, list[tuple[list[dict], int | None]]] = {}
    for provider_id, available, most in rows:
        if available:
            by_group.setdefault(provider_id, []).append((available, most))
    for provider_id, members in by_group.items():
        hours = [most for _available, most in members]
        found[provider_id] = (union_of_windows(w for available, _most in members for w in available),
                              None if None in hours else sum(hours))
    return found


def union_of_windows(windows) -> list[dict]:
    """Weekly windows ({"day", "from", "to"}) merged where they overlap or touch, in weekday and time order."""
    by_day: dict[str, list[tuple[str, str]]] = {}
    for window in windows:
        by_day.setdefault(window["day"], []).append((window["from"], window["to"]))
    # zero-padded "HH:MM" sort as the times do, "24:00" last: the intervals' own merge serves
    return [{"day": day, "from": start, "to": end} for day in DAYS for start, end in merge(by_day.get(day, []))]
