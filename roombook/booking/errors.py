"""Why a booking was refused, in words a volunteer understands; each names the offending field."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

OVERLAP_CONSTRAINT = "occupancy_no_overlap"


@dataclass
class Clash:
    """Something already in the room at that time. `title` is public-safe (offer title or 'belegt')."""

    kind: str  # "booking", "occurrence" or "closure"
    title: str
    start: dt.datetime
    end: dt.datetime
    closure_kind: str = ""  # for closures: "holiday" or "closure"


class BookingError(Exception):
    """A booking request that cannot be honoured. `field` names the input at fault."""

    field = "start"

    def __init__(self, message: str, *, field: str | None = None, alternatives: list | None = None):
        super().__init__(message)
        self.message = message
        if field:
            self.field = field
        self.alternatives = alternatives or []


class InvalidInterval(BookingError):
    field = "end"


class InThePast(BookingError):
    field = "start"


class OutsideOpeningHours(BookingError):
    field = "start"


class RoomClosed(BookingError):
    field = "start"


class ClosureExists(BookingError):
    """The room already has a closure of this kind from this start (the database keeps one)."""

    field = "start"


class PolicyViolation(BookingError):
    field = "end"


class BookingConflict(BookingError):
    """The room is taken: by a booking, an occurrence of an offer, or (in a race) someone faster."""

    def __init__(self, message: str, clashes: list[Clash] | None = None, alternatives: list | None = None):
        super().__init__(message, field="start", alternatives=alternatives)
        self.clashes = clashes or []


def conflict_from_integrity_error(exc: sa.exc.IntegrityError) -> Exception:
    """The database's overlap refusal as a BookingConflict; any other integrity error unchanged."""
    if OVERLAP_CONSTRAINT in str(exc.orig):
        return BookingConflict("Der Raum wurde gerade für diese Zeit gebucht. / The room was just booked for this time.")
    return exc
