"""Plans in the app: export the city for the solver, preview what a plan would change, and apply it.

Applying is all-or-nothing (the caller's transaction): weekly slots that change end the day
before the plan takes effect and a new slot starts, so past weeks keep their time; occurrences
are re-materialised; every booking the new slots displace and every guaranteed session the plan
cannot place opens a conflict for a person to decide. Minimums the plan leaves unmet, weekly or
on dates, go to the coordinators (roombook.planning.report).

A plan for some accommodations (a facility manager's run) carries their keys as `scope`: it
lists nothing of other houses, and previewing and applying it never touch them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import Session, selectinload

from roombook import clock
from roombook.access import audit
from roombook.booking.availability import clashes
from roombook.booking.occupancy import release_occurrence
from roombook.booking.occurrences import materialise_all, reinstate_booking
from roombook.booking.recurrence import parse_hhmm, to_utc
from roombook.conflicts.opening import open_conflict
from roombook.i18n import N_
from roombook.models import (
    Accommodation,
    Booking,
    Closure,
    Conflict,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
    User,
)
from roombook.models.reservations import OPEN_END, BookingStatus
from roombook.notifications import outbox
from roombook.planning.labels import row_reason
from roombook.planning.report import GapGroup, coverage_gaps, tell_coordinators
from roombook.scenario.exporter import export_scenario

# How a conflict is closed when a publish removes the week it was about (beside roombook.conflicts.decisions' decisions).
SUPERSEDED = "superseded"
Span = tuple[int, dt.datetime, dt.datetime]  # a room's id, and the time it was held


def scenario_for_run(session: Session, timezone: str, scope: list[str] | None = None) -> dict:
    """The city as a solver scenario. Outside `scope` (accommodation keys) every session is pinned
    where it is, so a facility manager's run never moves another house's offers."""
    scenario = export_scenario(session, timezone)
    _close_taken_rooms(session, scenario)
    if not scope:
        return scenario
    in_scope = set(scope)
    offers = {o["id"]: o for o in scenario["offers"]}
    for row in scenario["current_plan"]:
        offer = offers[row["offer"]]
        if offer["accommodation"] not in in_scope:
            offer.setdefault("pinned", []).append(
                {"session": row["session"], "day": row["day"], "start": row["start"], "room": row["room"]})
            offer["providers"] = [row["provider"]] + [p for p in offer["providers"] if p != row["provider"]]
    return scenario


def _close_taken_rooms(session: Session, scenario: dict) -> None:
    """A room taken "until further notice" has no weekly opening hours for the planner: the weekly template
    must not place anything there (a dated closure is left to its change: the template holds beyond it)."""
    taken = set(session.scalars(sa.select(Room.key).join(Closure, Closure.room_id == Room.id)
                                .where(Closure.ends_at >= OPEN_END)))
    for place in scenario["accommodations"]:
        for room in place["rooms"]:
            if room["id"] in taken:
                room["open"] = []


def solve_city(session: Session, timezone: str, time_limit: float, *, scope: list[str] | None = None,
               progress: Callable[[dict], None] | None = None) -> tuple[dict, dict]:
    """Export and solve; returns (scenario, plan), the plan restricted to `scope`. The solver runs in a
    process of its own, so no app process keeps what it loads and allocates (roombook.solver.apart)."""
    from roombook.solver.apart import solve_apart

    scenario = scenario_for_run(session, timezone, scope)
    plan = solve_apart(scenario, time_limit=time_limit, progress=progress)
    return scenario, restrict_to_scope(scenario, plan, scope)


def restrict_to_scope(scenario: dict, plan: dict, scope: list[str] | None) -> dict:
    """The plan as far as it concerns the accommodations in `scope` (all of it when empty): their sessions,
    shortfalls, displaced bookings and cancelled weeks, with status and moves counted for them alone.

    The solver sees the whole city, because providers work in several houses, but a run for some houses
    must not report, or publish, what it found in others: a session pinned elsewhere that cannot stay
    where it is, another house's unmet minimum. Applying the same restriction twice changes nothing.
    """
    if not scope:
        return plan
    keys = set(scope)
    offers = {o["id"]: o for o in scenario.get("offers", [])}

    def mine(row: dict) -> bool:
        return offers.get(row["offer"], {}).get("accommodation") in keys

    sessions = [row for row in plan["sessions"] if mine(row)]
    unplaced = [row for row in plan["unplaced"] if mine(row)]
    unmet = [row for row in plan["unmet_requirements"] if row["accommodation"] in keys]
    status = plan["status"]
    if status == "infeasible" and not unmet and not any(offers[row["offer"]].get("guaranteed") for row in unplaced):
        status = "feasible"  # what was short lay elsewhere; optimality is not proven for the part
    planned = {(row["offer"], row["session"]): tuple(row[k] for k in ("day", "start", "room", "provider"))
               for row in sessions}
    moved = sum(1 for row in scenario.get("current_plan", []) if mine(row) and planned.get(
        (row["offer"], row["session"])) != tuple(row[k] for k in ("day", "start", "room", "provider")))
    return {**plan, "scope": sorted(keys), "status": status, "sessions": sessions, "unplaced": unplaced,
            "unmet_requirements": unmet, "moved": moved,
            "displaced_bookings": [row for row in plan["displaced_bookings"] if mine(row)],
            "cancelled_occurrences": [row for row in plan.get("cancelled_occurrences", []) if mine(row)]}


@dataclass
class SlotChange:
    offer: str
    title: str
    session: int
    before: dict | None  # {"day", "start", "room", "provider"} or None when newly placed
    after: dict | None  # None when the plan could not place it


@dataclass
class Preview:
    changes: list[SlotChange] = field(default_factory=list)
    displaced: list[dict] = field(default_factory=list)
    unplaced: list[dict] = field(default_factory=list)
    unmet: list[dict] = field(default_factory=list)
    status: str = ""
    scope: list[str] = field(default_factory=list)  # empty: the whole city
    gaps: list[GapGroup] = field(default_factory=list)  # dated coverage gaps (set by the run or by applying)
    told: list[str] = field(default_factory=list)  # coordinators told of the unmet minimums (when applied)

    @property
    def moved(self) -> list[SlotChange]:
        return [c for c in self.changes if c.before and c.after]

    @property
    def gap_weeks(self) -> int:
        """How many (accommodation, category, week) cells miss their minimum on the dates."""
        return sum(len(group.cells) for group in self.gaps)


def offer_titles(session: Session) -> dict[str, str]:
    """Offer key → title, for naming a plan's rows."""
    return dict(session.execute(sa.select(Offer.key, Offer.title)).all())


def _slots_in_force(session: Session, on: dt.date,
                    scope: list[str] | None = None) -> dict[tuple[str, int], OfferSession]:
    """The weekly slot of each (offer key, session index) that holds on a date or starts later; only the
    offers of the accommodations in `scope`, when given."""
    query = (sa.select(OfferSession).options(selectinload(OfferSession.offer))
             .where(sa.or_(OfferSession.valid_until.is_(None), OfferSession.valid_until >= on))
             .order_by(OfferSession.valid_from))
    if scope:
        query = query.join(OfferSession.offer).join(Offer.accommodation).where(Accommodation.key.in_(scope))
    return {(row.offer.key, row.index): row for row in session.scalars(query).all()}


def _as_row(slot: OfferSession) -> dict:
    return {"day": slot.day, "start": slot.start.strftime("%H:%M"), "room": slot.room.key,
            "provider": slot.provider.key if slot.provider else None}


def preview_plan(session: Session, plan: dict, effective: dt.date) -> Preview:
    """What publishing the plan would change, compared with the slots in force from `effective` (of the
    plan's scope)."""
    scope = list(plan.get("scope") or [])
    current = _slots_in_force(session, effective, scope)
    titles = offer_titles(session)
    preview = Preview(displaced=plan["displaced_bookings"], unplaced=plan["unplaced"],
                      unmet=plan["unmet_requirements"], status=plan["status"], scope=scope)
    planned = {(row["offer"], row["session"]): row for row in plan["sessions"]}
    for key in sorted(set(current) | set(planned)):
        before = _as_row(current[key]) if key in current else None
        row = planned.get(key)
        after = {k: row[k] for k in ("day", "start", "room", "provider")} if row else None
        if before != after:
            preview.changes.append(SlotChange(key[0], titles.get(key[0], key[0]), key[1], before, after))
    return preview


def apply_plan(session: Session, actor: User | None, plan: dict, *, effective: dt.date,
               horizon: dt.date, now: dt.datetime | None = None, base_url: str = "") -> Preview:
    """Publish a plan from `effective` on; materialise occurrences up to `horizon`; tell the coordinators
    of the minimums left unmet. Flushes, never commits.

    Every changed slot ends before any new one is placed: two slots that swap their times would
    otherwise each find the other's old weeks still in the room.
    """
    now = now or clock.now()
    preview = preview_plan(session, plan, effective)
    current = _slots_in_force(session, effective, preview.scope)
    offers = {o.key: o for o in session.scalars(sa.select(Offer))}
    rooms = {r.key: r for r in session.scalars(sa.select(Room))}
    providers = {p.key: p for p in session.scalars(sa.select(Provider))}
    placed, freed = [], []
    for change in preview.changes:
        old = current.get((change.offer, change.session))
        sequence = 0
        if old is not None:
            sequence = old.sequence + 1
            freed += _end_slot(session, actor, old, effective, now)
        if change.after is None:
            continue
        offer = offers[change.offer]
        valid_from = max(effective, offer.valid_from)
        if offer.valid_until is not None and valid_from > offer.valid_until:
            continue  # the offer ends before the plan takes effect: no week left to schedule
        slot = OfferSession(offer=offer, index=change.session, day=change.after["day"],
                            start=parse_hhmm(change.after["start"]), room=rooms[change.after["room"]],
                            provider=providers.get(change.after["provider"]),
                            valid_from=valid_from, valid_until=offer.valid_until, sequence=sequence)
        session.add(slot)
        placed.append(slot)
    session.flush()
    materialise_all(session, placed, horizon, now=now)
    _give_back_displaced(session, actor, freed, now)
    _open_guarantee_conflicts(session, preview)
    session.flush()
    preview.gaps = coverage_gaps(session, preview.scope, effective, horizon)  # as the coverage page now counts
    names = dict(session.execute(sa.select(Accommodation.key, Accommodation.name)).all())
    preview.told = tell_coordinators(session, preview.unmet, preview.gaps, names=names, base_url=base_url)
    audit.record_about(session, actor, "plan.published", "plan", effective.isoformat(), status=plan["status"],
                       changes=len(preview.changes), unplaced=len(preview.unplaced), unmet=len(preview.unmet),
                       gaps=sum(len(g.cells) for g in preview.gaps), told=preview.told, scope=preview.scope)
    session.flush()
    return preview


def _settle_conflicts_of(session: Session, actor: User | None, occurrences: list[Occurrence],
                         now: dt.datetime) -> None:
    """A week the new plan removes leaves nothing to decide: its open conflicts are closed as superseded
    (they would stay in the inbox with their occurrence gone, and open again if the slot came back)."""
    if not occurrences:
        return
    for conflict in session.scalars(sa.select(Conflict).where(
            Conflict.status == "open", Conflict.occurrence_id.in_([o.id for o in occurrences]))):
        _supersede(session, actor, conflict, N_("Der neue Plan ersetzt diesen Termin."), now)


def _supersede(session: Session, actor: User | None, conflict: Conflict, note: str, now: dt.datetime) -> None:
    """Close a conflict that a publish settled, with an audit event."""
    conflict.status, conflict.resolution, conflict.resolution_note = "resolved", SUPERSEDED, note
    conflict.resolved_by_id, conflict.resolved_at = actor.id if actor else None, now
    audit.record(session, actor, "conflict.resolved", conflict, accommodation=conflict.accommodation.key,
                 kind=conflict.kind, resolution=SUPERSEDED)


def _give_back_displaced(session: Session, actor: User | None, freed: list[Span], now: dt.datetime) -> None:
    """A future booking that a removed week had displaced gets its time back when nobody has decided about
    it yet and the room is free then after the publish: the volunteer keeps the slot and is told so."""
    if not freed:
        return
    for conflict in session.scalars(sa.select(Conflict).where(
            Conflict.status == "open", Conflict.kind == "displaced_booking", Conflict.booking_id.is_not(None))):
        booking = session.get(Booking, conflict.booking_id)
        if (booking.status != BookingStatus.DISPLACED or booking.starts_at < now
                or not any(room_id == booking.room_id and start < booking.ends_at and booking.starts_at < end
                           for room_id, start, end in freed)
                or clashes(session, booking.room, booking.starts_at, booking.ends_at)):
            continue
        reinstate_booking(session, booking)
        audit.record(session, actor, "booking.reinstated", booking, room=booking.room.key, by="plan")
        _supersede(session, actor, conflict, N_("Der Termin, der die Buchung verdrängt hatte, "
                   "entfällt mit dem neuen Plan; die Buchung gilt wieder."), now)
        outbox.notify_decision(session, conflict, booking, None)


def _end_slot(session: Session, actor: User | None, slot: OfferSession, effective: dt.date,
              now: dt.datetime) -> list[Span]:
    """End a weekly slot the day before `effective`; its occurrences from then on are removed. Returns the
    time they held (room, start, end)."""
    cutoff = to_utc(dt.datetime.combine(effective, dt.time(0)), slot.room.tz)
    removed_sequences = 0
    removed = session.scalars(sa.select(Occurrence).where(Occurrence.offer_session_id == slot.id,
                                                          Occurrence.original_start >= cutoff)).all()
    freed = [(o.room_id, o.starts_at, o.ends_at) for o in removed]
    _settle_conflicts_of(session, actor, removed, now)
    for occurrence in removed:
        removed_sequences += occurrence.sequence
        release_occurrence(session, occurrence)
        session.delete(occurrence)
    if slot.valid_from >= effective:
        session.delete(slot)  # it never took effect
    else:
        slot.valid_until = effective - dt.timedelta(days=1)
        # the feed's SEQUENCE counts the slot's and its overrides' changes; it must never go down
        slot.sequence += 1 + removed_sequences
    session.flush()
    return freed


def _open_guarantee_conflicts(session: Session, preview: Preview) -> None:
    """A guaranteed session the plan could not place needs the house's manager (a weekly slot to find or give
    up). Its summary is stored, so it is worded in German, the language of stored texts."""
    offers = {o.key: o for o in session.scalars(sa.select(Offer).options(
        selectinload(Offer.accommodation).selectinload(Accommodation.rooms)))}
    open_summaries = set(session.scalars(sa.select(Conflict.summary).where(Conflict.status == "open")))
    for row in preview.unplaced:
        offer = offers.get(row["offer"])
        if offer is None or not offer.guaranteed or not offer.accommodation.rooms or \
                (preview.scope and offer.accommodation.key not in preview.scope):
            continue
        with force_locale("de"):
            summary = f"„{offer.title}“, Termin {row['session'] + 1}, hat keinen Platz im Plan: {row_reason(row)}"
        if summary not in open_summaries:
            open_conflict(session, "slot_lost", offer.accommodation.rooms[0], summary)
