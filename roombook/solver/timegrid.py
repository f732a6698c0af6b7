"""Week-minute arithmetic shared by the solver (the validator in check.py has its own)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 1440
WEEK_MINUTES = 7 * DAY_MINUTES

Span = tuple[int, int]


def parse_hhmm(text: str) -> int:
    """Minutes since midnight; "24:00" is the end of the day."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M")


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def merge(spans: list[Span]) -> list[Span]:
    """Union of half-open spans; touching spans join so a session may straddle them."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def week_spans(windows: list[dict]) -> list[Span]:
    """Windows as merged week-minute spans (Monday 00:00 is 0)."""
    spans = []
    for window in windows:
        offset = DAYS.index(window["day"]) * DAY_MINUTES
        spans.append((offset + parse_hhmm(window["from"]), offset + parse_hhmm(window["to"])))
    return merge(spans)


def intersect(first: list[Span], second: list[Span]) -> list[Span]:
    result = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            result.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def starts_within(spans: list[Span], duration: int, slot: int) -> list[int]:
    """Grid starts of a session of `duration` lying wholly inside one of `spans`."""
    starts = []
    for start, end in spans:
        first = -(-start // slot) * slot
        starts.extend(range(first, end - duration + 1, slot))
    return starts


def overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def dates_in(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_pieces(start: datetime, end: datetime) -> list[tuple[date, int, int]]:
    """Split a dated span into (date, from, to) pieces that each stay within one day."""
    pieces = []
    day = start.date()
    while datetime.combine(day, datetime.min.time()) < end:
        day_start = datetime.combine(day, datetime.min.time())
        lo = max(start, day_start)
        hi = min(end, day_start + timedelta(days=1))
        if lo < hi:
            pieces.append((day, int((lo - day_start).total_seconds() // 60),
                           int((hi - day_start).total_seconds() // 60)))
        day += timedelta(days=1)
    return pieces

