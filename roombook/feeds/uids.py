"""The iCal UIDs of bookings, shared by the feeds and the invitations mailed to people: a subscriber who also
got an invitation sees one event, and an update to the invitation changes the same event."""
from __future__ import annotations


def booking_uid(booking_id: int, domain: str) -> str:
    """A one-off booking's UID (the feeds' event of that booking)."""
    return f"booking-{booking_id}@{domain}"


def series_uid(series_key: str, domain: str) -> str:
    """A weekly booking series' UID, from its stored identity (`BookingSeries.uid`): one RRULE event, its dates
    addressed by RECURRENCE-ID."""
    return f"series-{series_key}@{domain}"
