"""Opening conflicts: every clash that needs a person's decision becomes a row in the inbox."""
from __future__ import annotations

from sqlalchemy.orm import Session

from roombook.models import Booking, Conflict, Occurrence, Room


def open_conflict(session: Session, kind: str, room: Room, summary: str, *, booking: Booking | None = None,
                  occurrence: Occurrence | None = None, alternatives: list[dict] | None = None) -> Conflict:
    """Record an open conflict for the room's accommodation, with ranked alternatives (JSON-safe)."""
    conflict = Conflict(
        kind=kind, accommodation_id=room.accommodation_id, room_id=room.id,
        booking_id=booking.id if booking else None, occurrence_id=occurrence.id if occurrence else None,
        summary=summary,
        alternatives=[{"room": a["room"], "start": a["start"].isoformat(), "end": a["end"].isoformat()}
                      for a in alternatives or []],
    )
    session.add(conflict)
    return conflict
