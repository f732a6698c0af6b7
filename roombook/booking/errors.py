"""Why a booking was refused, in words a volunteer understands; each names the offending field."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

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

    def __init__(self, message: str | LazyString, *, field: str | None = None, alternatives: list | None = None):
        super().__init__(message)
        self._message = message
        if field:
            self.field = field
        self.alternatives = alternatives or []

    @property
    def message(self) -> str:
        """The refusal in the language of whoever reads it (a lazy text is translated when read)."""
        return str(self._message)

    @message.setter
    def message(self, value: str | LazyString) -> None:
        self._message = value

    def __str__(self) -> str:
        return self.message


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

    def __init__(self, message: str | LazyString, clashes: list[Clash] | None = None,
                 alternatives: list | None = None):
        super().__init__(message, field="start", alternatives=alternatives)
        self.clashes = clashes or []


def conflict_from_integrity_error(exc: sa.exc.IntegrityError) -> Exception:
    """The database's overlap refusal as a BookingConflict; any other integrity error unchanged."""
    if OVERLAP_CONSTRAINT in str(exc.orig):
        return BookingConflict(_l("Der Raum wurde gerade für diese Zeit gebucht."))
    return exc
