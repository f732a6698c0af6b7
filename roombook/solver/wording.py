"""The solver's reasons in English words: the plan's `reason` text and the command line's output.

The reasons themselves are structured (explain.py); the app words the same codes and parameters in
the page's language, so nothing here is ever shown on a page.
"""

from __future__ import annotations

from .timegrid import DAY_MINUTES, DAYS, format_hhmm


def hours(minutes: int) -> str:
    value = minutes / 60
    return f"{value:g} h" if value == int(value) else f"{value:.1f} h"


def names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def category_label(category: str) -> str:
    return category.replace("_", " ")


def describe_start(week_minute: int) -> str:
    """"Mon 10:00"."""
    return f"{DAYS[week_minute // DAY_MINUTES].capitalize()} {format_hhmm(week_minute % DAY_MINUTES)}"


def _label(by: dict) -> str:
    return f"{by['title']} ({by['place']})"


PIN_CAUSES = {
    "pin_room_unsuitable": lambda r: "that room does not suit the offer",
    "pin_room_elsewhere": lambda r: "that room is not in the accommodation",
    "pin_room_closed": lambda r: "the room is not open then",
    "pin_not_allowed": lambda r: "that time is outside the offer's allowed times",
    "pin_provider_away": lambda r: f"{names(r['providers'])} is not available then",
    "pin_booking": lambda r: f"booking {names(r['bookings'])} cannot be displaced",
    "pin_unusable": lambda r: "the pinned time is not usable",
}


def _pinned(r: dict) -> str:
    where = f" in room {r['room']}" if r.get("room") else ""
    return (f"session {r['session']} is pinned to {describe_start(r['at'])}{where} for {r['minutes']} minutes, "
            f"but {english(r['cause'])}")


def _bookings(r: dict) -> str:
    listed = [f"'{b['title']}' ({describe_start(b['at'])}–{format_hhmm(b['end'] % DAY_MINUTES)})"
              for b in r["bookings"]]
    return ("every time when a suitable room is open and a provider is available is blocked by "
            f"bookings that cannot be displaced: {names(listed)}")


def _windows(r: dict) -> str:
    within = " within the offer's allowed times" if r["allowed"] else ""
    return (f"opening hours of room {names(r['rooms'])} and availability of {names(r['providers'])}{within} "
            f"never overlap for {r['minutes']} minutes")


def _busy(r: dict) -> str:
    travel = f" (incl. {r['travel']} minutes travel)" if r["travel"] else ""
    return f"{r['provider']} is busy with {_label(r['by'])}{travel}"


def _all_taken(r: dict) -> str:
    priority = "" if r["guaranteed"] else " (guaranteed offers go first)"
    return f"every possible time is taken{priority}: {'; '.join(english(c) for c in r['causes'])}"


WORDS = {
    **PIN_CAUSES,
    "pinned": _pinned,
    "no_room": lambda r: f"{r['place']} has no room",
    "room_too_small": lambda r: (f"no room in {r['place']} holds {r['participants']} participants "
                                 f"(the largest holds {r['largest']})"),
    "room_lacks_feature": lambda r: f"no room in {r['place']} has the feature '{r['feature']}'",
    "room_unfit": lambda r: (f"no room in {r['place']} holds {r['participants']} participants and has "
                             f"{names([repr(f) for f in r['features']])}"),
    "windows_never_meet": _windows,
    "bookings_block": _bookings,
    "too_few_days": lambda r: (
        f"only {len(r['days'])} day(s) ({names([d.capitalize() for d in r['days']])}) offer a {r['minutes']}-minute "
        f"slot where room and provider fit, but {r['sessions']} sessions on different days are requested"),
    "provider_hours": lambda r: (
        f"{names(r['providers'])} {'may work at most' if r['capped'] else 'is available'} {hours(r['supply'])}/week "
        f"but {hours(r['demand'])} are requested across {names(r['places'])}"),
    "room_hours": lambda r: (f"room {names(r['rooms'])} in {r['place']} is open {hours(r['supply'])}/week but the "
                             f"offers that can only use it need {hours(r['demand'])}"),
    "time_limit": lambda r: (f"not placed within the time limit although {describe_start(r['at'])} in room "
                             f"{r['room']} looks free; solve again with more time"),
    "all_taken": _all_taken,
    "same_day": lambda r: f"the offer's other sessions use {r['day'].capitalize()}",
    "room_used": lambda r: f"room {r['room']} is used by {_label(r['by'])}",
    "provider_limit": lambda r: f"{r['provider']} has reached {hours(r['limit'])}/week",
    "provider_busy": _busy,
    "no_offer": lambda r: f"no {category_label(r['category'])} offer exists for {r['place']}",
    "too_little_offered": lambda r: (f"only {r['offered']} minutes/week of {category_label(r['category'])} are offered "
                                     f"in {r['place']} but {r['required']} are required"),
    "sessions_unplaced": lambda r: (f"{r['count']} session(s) of {category_label(r['category'])} in {r['place']} "
                                    f"could not be placed, e.g. '{r['title']}': {english(r['cause'])}"),
}


def english(reason: dict) -> str:
    """A structured reason in English words."""
    return WORDS[reason["code"]](reason)
