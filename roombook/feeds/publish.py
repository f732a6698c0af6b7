"""Publishing the public feeds to calendars/ and deciding whether a published file is still current.

Every file is written to a temporary file in the same folder and renamed over the old one, so a web
server or a client never reads half a file. A manifest (calendars/.manifest.json, written last, the
same way) records each file's ETag and Last-Modified (see stamps.py), and the *data stamp* the
files were built from. The data stamp is a digest of cheap aggregate queries (row counts and newest
updated_at per table, the offer–provider links, the feed window); when it equals the
manifest's, every published file is current and the app can serve it, or answer 304, without
building anything.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from roombook import clock
from roombook.db import db, transaction
from roombook.feeds import calendars_root, uid_domain
from roombook.feeds.build import FeedMeta, build_calendar
from roombook.feeds.catalogue import Feed, public_feeds
from roombook.feeds.data import Selection, load_feed_data, window_start
from roombook.feeds.rows import FeedData
from roombook.feeds.stamps import changed_at
from roombook.models import (
    Accommodation,
    Booking,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
)
from roombook.models.offers import offer_provider

MANIFEST = ".manifest.json"
UTC = dt.timezone.utc


@dataclass(frozen=True)
class Stamp:
    """A digest of everything public feeds are built from."""

    digest: str


def data_stamp(session: Session, today: dt.date) -> Stamp:
    """Cheap aggregates that change whenever any public feed's content may have changed."""
    parts: list = [window_start(today).isoformat()]
    for model in (Offer, OfferSession, Occurrence, Booking, Room, Accommodation, Provider):
        count, newest, top = session.execute(sa.select(sa.func.count(), sa.func.max(model.updated_at),
                                                       sa.func.max(model.id))).one()
        parts += [count, top, newest.isoformat() if newest else None]
    # links have no stamp of their own (see stamps.py); renames advance the renamed row's updated_at
    parts.append(session.execute(sa.select(sa.func.count(), sa.func.sum(offer_provider.c.provider_id))).all())
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    return Stamp(digest)


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


@dataclass
class Manifest:
    stamp: str = ""
    files: dict[str, dict] = field(default_factory=dict)  # path -> {"etag", "modified" (ISO, UTC)}


_manifest_cache: dict[Path, tuple[tuple[int, int], Manifest]] = {}
_cache_lock = threading.Lock()


def read_manifest(root: Path) -> Manifest:
    """The manifest of a calendars folder (cached while the file is unchanged)."""
    path = root / MANIFEST
    try:
        st = path.stat()
    except FileNotFoundError:
        return Manifest()
    key = (st.st_mtime_ns, st.st_size)
    with _cache_lock:
        cached = _manifest_cache.get(path)
        if cached and cached[0] == key:
            return cached[1]
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(raw.get("stamp", ""), raw.get("files", {}))
    except (OSError, ValueError):
        return Manifest()
    with _cache_lock:
        _manifest_cache[path] = (key, manifest)
    return manifest


def write_atomically(path: Path, body: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class _CityData:
    """The city's feed rows, indexed by room, so each public feed's slice costs little."""

    def __init__(self, data: FeedData) -> None:
        self.data = data
        self.slots_by_room: dict[int, list] = {}
        for slot in data.slots:
            for room_id in {slot.room_id} | slot.occurrence_rooms():
                self.slots_by_room.setdefault(room_id, []).append(slot)
        self.bookings_by_room: dict[int, list] = {}
        for booking in data.bookings:
            self.bookings_by_room.setdefault(booking.room_id, []).append(booking)

    def part(self, selection: Selection) -> FeedData:
        """The slice a public feed's selection shows (the same rows its own query finds)."""
        rooms = selection.room_ids
        if rooms is None:
            slots, bookings = self.data.slots, self.data.bookings
        else:
            slots = sorted({s.id: s for r in rooms for s in self.slots_by_room.get(r, [])}.values(), key=lambda s: s.id)
            bookings = sorted((b for r in rooms for b in self.bookings_by_room.get(r, [])), key=lambda b: b.id)
        if selection.category is not None:
            slots = [s for s in slots if s.category == selection.category]
        return FeedData(self.data.rooms, slots if selection.offers else [],
                        bookings if selection.bookings != "none" else [], rooms)


@dataclass
class PublishResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    stamp: str = ""


def publish_calendars(session: Session, root: Path, today: dt.date, timezone: str, uid_domain: str,
                      *, now: dt.datetime | None = None) -> PublishResult:
    """Write every public feed whose content changed, remove feeds that no longer exist, then the manifest.

    The city's data is read once and sliced per feed, so publishing hundreds of feeds costs about
    as much as building the city feed.
    """
    now = (now or clock.now()).replace(microsecond=0)
    stamp = data_stamp(session, today)
    latest = changed_at(session, today, timezone)
    since = window_start(today)
    city = _CityData(load_feed_data(session, Selection(bookings="public"), since, timezone))
    cache: dict = {}
    old = read_manifest(root)
    result = PublishResult(stamp=stamp.digest)
    files: dict[str, dict] = {}
    for feed in public_feeds(session):
        body = build_calendar(city.part(feed.selection),
                              FeedMeta(feed.name, feed.description, uid_domain, timezone), since, cache)
        etag = etag_of(body)
        path = root / feed.path
        before = old.files.get(feed.path)
        if before and before.get("etag") == etag and path.exists():
            # Same bytes, but between two runs the app may have built and served other bytes for this
            # feed (a booking made, then cancelled), with the time of that change as Last-Modified: the
            # file's must not be older, or a client revalidating with If-Modified-Since alone keeps them.
            modified = max(dt.datetime.fromisoformat(before["modified"]), latest)
            files[feed.path] = {**before, "modified": modified.isoformat()}
            result.unchanged += 1
            continue
        write_atomically(path, body)
        files[feed.path] = {"etag": etag, "modified": now.isoformat()}
        result.written.append(feed.path)
    for gone in sorted(set(old.files) - set(files)):
        try:
            (root / gone).unlink()
        except FileNotFoundError:
            pass
        result.removed.append(gone)
    write_atomically(root / MANIFEST, json.dumps({"stamp": stamp.digest, "files": files}, indent=0,
                                                 sort_keys=True).encode())
    return result


@dataclass(frozen=True)
class Rendered:
    """A feed ready to answer with: its ETag and Last-Modified, and how to get its body."""

    etag: str
    modified: dt.datetime
    body: bytes | None = None
    file: Path | None = None

    def read(self) -> bytes:
        return self.body if self.body is not None else self.file.read_bytes()


class StampCache:
    """The data stamp, recomputed at most every `ttl` seconds per process.

    A 304 must cost a few milliseconds; the stamp's aggregate queries scan the occurrence table, so
    a process reuses a fresh stamp for a moment. With ttl=0 every request recomputes it.
    """

    def __init__(self) -> None:
        self._value: tuple[float, dt.date, Stamp] | None = None
        self._lock = threading.Lock()

    def get(self, session: Session, today: dt.date, ttl: float) -> Stamp:
        clock = time.monotonic()
        with self._lock:
            if ttl > 0 and self._value and self._value[1] == today and clock - self._value[0] < ttl:
                return self._value[2]
        stamp = data_stamp(session, today)
        with self._lock:
            self._value = (clock, today, stamp)
        return stamp

    def clear(self) -> None:
        with self._lock:
            self._value = None


stamp_cache = StampCache()


def published_feed(session: Session, path: str, root: Path, today: dt.date, *,
                   stamp_ttl: float = 0) -> Rendered | None:
    """The published file at `path` if the data has not changed since it was written, else None.

    Needs no query beyond the (briefly cached) data stamp, so a subscriber's refresh that ends in a
    304 costs about a millisecond.
    """
    manifest = read_manifest(root)
    entry = manifest.files.get(path)
    if not entry or not manifest.stamp:
        return None
    if stamp_cache.get(session, today, stamp_ttl).digest != manifest.stamp or not (root / path).exists():
        return None
    return Rendered(entry["etag"], dt.datetime.fromisoformat(entry["modified"]), file=root / path)


def current_feed(session: Session, feed: Feed, root: Path, today: dt.date, timezone: str, uid_domain: str,
                 *, stamp_ttl: float = 0) -> Rendered:
    """The published file when it is current, else a freshly built body (private feeds are always built).

    A built body's Last-Modified is `changed_at`, read after the body in the same transaction (never
    older than what the body shows), never older than the published file's, and later than it when
    the bytes differ.
    """
    from roombook.feeds.catalogue import build_feed

    entry = None
    if feed.public and feed.path:
        published = published_feed(session, feed.path, root, today, stamp_ttl=stamp_ttl)
        if published is not None:
            return published
        entry = read_manifest(root).files.get(feed.path)
    body = build_feed(session, feed, today, timezone, uid_domain)
    etag = etag_of(body)
    latest = changed_at(session, today, timezone)
    if entry:
        # Never older than the published file; newer when the content differs from it. Bytes equal to
        # the file's still take the newest change: the data changed since publishing (else the file
        # would have been served), and a client may hold what an answer in between showed.
        published = dt.datetime.fromisoformat(entry["modified"])
        latest = max(latest, published if entry.get("etag") == etag else published + dt.timedelta(seconds=1))
    return Rendered(etag, latest, body=body)


def publish_now(app: Flask, today: dt.date | None = None) -> PublishResult:
    """Publish every public feed (inside an app context); only changed files are rewritten."""
    today = today or clock.today(app.config["ROOMBOOK_TIMEZONE"])
    with transaction(write=False):
        return publish_calendars(db.session, calendars_root(app), today, app.config["ROOMBOOK_TIMEZONE"],
                                 uid_domain(app))


@click.command("publish-calendars")
@with_appcontext
def publish_calendars_command() -> None:
    """Write the public calendar feeds to calendars/ (only files whose content changed)."""
    app = current_app._get_current_object()
    result = publish_now(app)
    click.echo(f"{len(result.written)} feeds written, {result.unchanged} unchanged, {len(result.removed)} removed "
               f"in {calendars_root(app)}.")
