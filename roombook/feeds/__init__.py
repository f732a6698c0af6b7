"""Calendar feeds (RFC 5545) built from the occurrences in the database, served and published to calendars/.

- `data`: the queries that read what a feed shows, as plain rows;
- `build`: rows → iCalendar bytes (pure, deterministic); `ical`: content lines, escaping, folding;
  `vtimezone`: RRULE-based VTIMEZONEs derived from zoneinfo;
- `catalogue`: which feeds exist (public paths, private scopes); `tokens`: private feed links;
- `publish`: atomic files under calendars/, the manifest and the data stamp; `jobs`: the scheduled
  publishing and the `publish-calendars` command; `stamps`: a built feed's Last-Modified.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask


def calendars_root(app: Flask) -> Path:
    """Where published feeds live: ROOMBOOK_CALENDARS_DIR, by default calendars/ in the project."""
    configured = app.config.get("ROOMBOOK_CALENDARS_DIR")
    return Path(configured) if configured else Path(app.root_path).parent / "calendars"


def uid_domain(app: Flask) -> str:
    """The right-hand side of every UID; set ROOMBOOK_FEED_UID_DOMAIN to the site's host name."""
    return app.config.get("ROOMBOOK_FEED_UID_DOMAIN", "roombook")
