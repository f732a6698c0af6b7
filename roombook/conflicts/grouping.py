"""The conflict inbox in groups, and one decision for a whole series.

A closure recorded on the engine's own path, or the weeks a horizon adds to a slot in a closed room, open a
conflict per date. A manager should not scroll through them one by one: the inbox groups them by the room
change whose closure caused them (when there is one) and, within it, by series (an offer's weekly slot, a
volunteer's booking series), and a series is decided at once: each date takes its first free alternative,
or all are cancelled with one reason. All or nothing, in the caller's one transaction; the owner of a
booking series is told once, not once per date.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.conflicts.decisions import (
    ACCEPT,
    CANCEL,
    ConflictFacts,
    Decision,
    DecisionRefused,
    facts,
    resolve_conflict,
)
from roombook.i18n import language_of, when
from roombook.models import Booking, Closure, Conflict, Occurrence, RoomChange, User
from roombook.notifications import outbox

SERIES_ACTIONS = (ACCEPT, CANCEL)


@dataclass
class SeriesGroup:
    """The open conflicts of one series (or a single conflict), oldest date first."""

    key: tuple
    title: str
    items: list[ConflictFacts] = field(default_factory=list)

    @property
    def several(self) -> bool:
        return len(self.items) > 1

    @property
    def first(self) -> Conflict:
        return self.items[0].conflict


@dataclass
class ChangeGroup:
    """The series a room change's closure left in the inbox (`change` None: conflicts of no change)."""

    change: RoomChange | None
    series: list[SeriesGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(s.items) for s in self.series)


def _thing(session: Session, conflict: Conflict) -> Occurrence | Booking | None:
    if conflict.occurrence_id is not None:
        return session.get(Occurrence, conflict.occurrence_id)
    if conflict.booking_id is not None:
        return session.get(Booking, conflict.booking_id)
    return None


def _fits(thing: Occurrence | Booking | None, room) -> bool:
    """Whether an offer's date may go to the room: its expected participants seated, its features there (a
    booking names neither, so any room its manager offers)."""
    if not isinstance(thing, Occurrence):
        return True
    offer = thing.offer_session.offer
    return (offer.participants is None or room.capacity >= offer.participants) \
        and set(offer.needs_features or []) <= set(room.features or [])


def series_key(session: Session, conflict: Conflict) -> tuple:
    """What makes conflicts one series: an offer's weekly slot, a booking series; else the conflict alone."""
    thing = _thing(session, conflict)
    if isinstance(thing, Occurrence):
        return ("slot", thing.offer_session_id)
    if isinstance(thing, Booking) and thing.series_id is not None:
        return ("series", thing.series_id)
    return ("one", conflict.id)


def _title(session: Session, conflict: Conflict) -> str:
    thing = _thing(session, conflict)
    if isinstance(thing, Occurrence):
        return thing.offer_session.offer.title
    if isinstance(thing, Booking):
        return thing.title
    return conflict.summary


def _change_of(session: Session, conflict: Conflict) -> RoomChange | None:
    """The room change whose closure covers the conflict's date in its room, if any."""
    thing = _thing(session, conflict)
    if thing is None:
        return None
    return session.scalar(sa.select(RoomChange).join(Closure, Closure.id == RoomChange.closure_id).where(
        Closure.room_id == thing.room_id, Closure.starts_at < thing.ends_at, Closure.ends_at > thing.starts_at)
        .order_by(RoomChange.id).limit(1))


def group_inbox(session: Session, items: list[ConflictFacts]) -> list[ChangeGroup]:
    """The open conflicts by room change, then by series, in the order of each group's oldest conflict;
    the conflicts of no change come last."""
    changes: dict[int | None, ChangeGroup] = {}
    series: dict[tuple, SeriesGroup] = {}
    for item in items:
        change = _change_of(session, item.conflict)
        group = changes.setdefault(change.id if change else None, ChangeGroup(change))
        key = (change.id if change else None, *series_key(session, item.conflict))
        if key not in series:
            series[key] = SeriesGroup(key, _title(session, item.conflict))
            group.series.append(series[key])
        series[key].items.append(item)
    return sorted(changes.values(), key=lambda g: g.change is None)


def series_of(session: Session, conflict: Conflict) -> list[Conflict]:
    """The open conflicts of the same series in the same accommodation, oldest date first."""
    key = series_key(session, conflict)
    if key[0] == "one":
        return [conflict]
    candidates = session.scalars(sa.select(Conflict).where(
        Conflict.status == "open", Conflict.accommodation_id == conflict.accommodation_id,
        Conflict.occurrence_id.is_not(None) if key[0] == "slot" else Conflict.booking_id.is_not(None)))
    found = [c for c in candidates if series_key(session, c) == key]
    return sorted(found, key=lambda c: (_thing(session, c).starts_at, c.id))


def resolve_series(session: Session, actor: User, conflict: Conflict, action: str, *, note: str = "",
                   base_url: str = "", now: dt.datetime | None = None) -> list[Decision]:
    """Decide every open conflict of the conflict's series at once: each takes its first alternative still
    free with the seats and features it needs (checked date by date, so two dates never take the same
    time), or all are cancelled with one
    reason. Raises DecisionRefused, naming the date, when one cannot be decided; the caller rolls back."""
    now = now or clock.now()
    if action not in SERIES_ACTIONS:
        raise DecisionRefused(_l("Unbekannte Entscheidung."))
    if conflict.status != "open":
        raise DecisionRefused(_l("Dieser Konflikt ist schon entschieden."))
    decisions = []
    for one in series_of(session, conflict):
        alternative = None
        if action == ACCEPT:
            thing = _thing(session, one)
            alternative = next((a.index for a in facts(session, one, now=now).alternatives
                                if a.free and _fits(thing, a.room)), None)
            if alternative is None:
                when = thing.starts_at.astimezone(one.accommodation.tz) if thing is not None else None
                raise DecisionRefused(_l("Für den Termin am %(when)s ist keine passende Alternative frei (genug "
                                         "Plätze, nötige Ausstattung); bitte diesen einzeln entscheiden.",
                                         when=when.strftime("%d.%m.%Y %H:%M") if when else "–"))
        decisions.append(resolve_conflict(session, actor, one, action, note=note, alternative=alternative,
                                          base_url=base_url, now=now, tell_owner=False))
    audit.record(session, actor, "conflict.series_resolved", conflict, accommodation=conflict.accommodation.key,
                 decision=action, conflicts=[d.conflict.id for d in decisions], note=note)
    _tell_owners(session, decisions, note)
    return decisions


def _tell_owners(session: Session, decisions: list[Decision], note: str) -> None:
    """One message per owner for the whole series, with every date's outcome, in the owner's language."""
    by_owner: dict[int, list[tuple[Booking, Booking | None]]] = {}
    owners = {}
    for decision in decisions:
        booking = session.get(Booking, decision.conflict.booking_id) if decision.conflict.booking_id else None
        if booking is None or booking.user is None or decision.conflict.kind != "displaced_booking":
            continue
        owners[booking.user.id] = booking.user
        by_owner.setdefault(booking.user.id, []).append((booking, decision.new_booking))
    for owner_id, pairs in by_owner.items():
        owner, title = owners[owner_id], pairs[0][0].title
        with force_locale(language_of(owner)):
            subject = _("Ihre Termine: %(title)s", title=title)
            body = render_template("mail/series_decision.txt", title=title, pairs=pairs, note=note,
                                   when=when)
        outbox.enqueue(session, owner.email, subject, body, kind="booking_decision")
