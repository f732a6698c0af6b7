"""Which of its candidates each series of a room change takes, chosen for all of them together.

Placed one after another, the first series may take the only place the second fits; chosen together with
CP-SAT (`roombook.solver.choose`) both get one where both can. The solver is started only when candidates
of different series compete: the same room, or the same provider or volunteer, at overlapping times on
some date. A series is anything with `length`, `person` and `rank` (`repair.Need`).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from roombook.booking.intervals import Interval
from roombook.models import Room

# Candidates per series the joint choice weighs (the best of each room and day first); more only slow it down,
# and a series the choice leaves without one looks further down its list afterwards.
JOINT_CANDIDATES = 12
JOINT_SECONDS = 2.0
# A series without a place costs more than any place: the guaranteed offers most, one-off bookings least.
UNPLACED = 10 ** 11


@dataclass(frozen=True)
class Slot:
    room: Room
    shift: int          # days from each lost date, within its week
    start: dt.time      # local start time
    starts: tuple[dt.datetime, ...]  # one UTC start per lost date
    travel: int | None = None  # for another accommodation: minutes of the way there

    def as_json(self, tier: str) -> dict:
        data = {"room": self.room.key, "room_id": self.room.id, "shift": self.shift,
                "local_start": self.start.strftime("%H:%M"), "tier": tier,
                "starts": [start.isoformat() for start in self.starts]}
        if self.travel is not None:
            data["travel_minutes"] = self.travel
        return data


@dataclass
class Candidate:
    key: tuple  # the rank: tier, travel, days moved, minutes moved, seats (negated), room id
    tier: str
    slot: Slot

    def spans(self, length: dt.timedelta) -> list[Interval]:
        return [(start, start + length) for start in self.slot.starts]


def _cost(candidate: Candidate) -> int:
    tier, travel, shift, minutes_off, seats, _room = candidate.key
    return (tier * 10 ** 9 + travel * 10 ** 7 + shift * 10 ** 7 + int(minutes_off) * 1000
            + min(999, max(0, seats + 1000)))


def _clashes(needs: list, lists: list[list[Candidate]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Pairs of candidates of different series that cannot both be chosen: the same room, or the same
    person, at overlapping times on some date."""
    buckets: dict[tuple, list[tuple[int, int, dt.datetime, dt.datetime]]] = defaultdict(list)
    for i, (need, candidates) in enumerate(zip(needs, lists)):
        for c, candidate in enumerate(candidates):
            for start, end in candidate.spans(need.length):
                buckets[("room", candidate.slot.room.id, start.date())].append((i, c, start, end))
                if need.person is not None:
                    buckets[(*need.person, start.date())].append((i, c, start, end))
    pairs = set()
    for entries in buckets.values():
        for a, (i, c, s1, e1) in enumerate(entries):
            for j, d, s2, e2 in entries[a + 1:]:
                if i != j and s1 < e2 and s2 < e1:
                    pairs.add(((i, c), (j, d)) if i < j else ((j, d), (i, c)))
    return sorted(pairs)


def choose(needs: list, lists: list[list[Candidate]]) -> list[int | None]:
    """The candidate each series takes: the best of each where none compete, else chosen jointly."""
    clashes = _clashes(needs, lists)
    best = [0 if candidates else None for candidates in lists]
    if not clashes:
        return best
    from roombook.solver.choose import choose_jointly

    costs = [[_cost(c) for c in candidates] for candidates in lists]
    unplaced = [UNPLACED * (4 - need.rank) for need in needs]
    return choose_jointly(costs, unplaced, clashes, time_limit=JOINT_SECONDS, hint=_greedy(lists, clashes)).chosen


def _greedy(lists: list[list[Candidate]], clashes) -> list[int | None]:
    """Most binding series first, each its best candidate that clashes with nothing taken: the solver's start."""
    against = defaultdict(set)
    for a, b in clashes:
        against[a].add(b)
        against[b].add(a)
    taken, chosen = set(), []
    for i, candidates in enumerate(lists):
        pick = next((c for c in range(len(candidates)) if not against[(i, c)] & taken), None)
        if pick is not None:
            taken.add((i, pick))
        chosen.append(pick)
    return chosen


class Taken:
    """The time the chosen slots hold, by room and by person, per day: what a series' other options avoid."""

    def __init__(self):
        self.spans: dict[tuple, list[tuple[dt.datetime, dt.datetime, int]]] = defaultdict(list)

    @staticmethod
    def _keys(need, candidate: Candidate, day: dt.date) -> list[tuple]:
        keys = [("room", candidate.slot.room.id, day)]
        return keys + [(*need.person, day)] if need.person is not None else keys

    def add(self, index: int, need, candidate: Candidate) -> None:
        for start, end in candidate.spans(need.length):
            for key in self._keys(need, candidate, start.date()):
                self.spans[key].append((start, end, index))

    def clear(self, index: int, need, candidate: Candidate) -> bool:
        return not any(s < end and start < e and other != index
                       for start, end in candidate.spans(need.length)
                       for key in self._keys(need, candidate, start.date())
                       for s, e, other in self.spans.get(key, ()))
