"""The booking engine: plain functions over a session, no Flask request objects.

- `intervals`: half-open interval arithmetic.
- `recurrence`: weekly local wall-clock times to UTC instants (dateutil's rrule).
- `availability`: free intervals of a room and nearest alternatives.
- `service`: book and cancel, the only write path for bookings.
- `occurrences`: materialise the dated instances of weekly offer slots; closures.
"""
from roombook.booking.availability import availability, suggest_alternatives
from roombook.booking.errors import BookingConflict, BookingError
from roombook.booking.service import book_room, book_weekly, cancel_booking

__all__ = ["BookingConflict", "BookingError", "availability", "book_room", "book_weekly", "cancel_booking",
           "suggest_alternatives"]
