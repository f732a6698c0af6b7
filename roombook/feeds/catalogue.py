"""Which feeds exist: the public ones by path, and the private ones a feed token stands for."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.access.permissions import manages
from roombook.coordination.categories import LABELS_DE
from roombook.coordination.categories import VALUES as CATEGORIES
from roombook.feeds.build import FeedMeta, build_calendar
from roombook.feeds.data import Selection, load_feed_data, window_start
from roombook.models import Accommodation, FeedToken, Provider, Room, User
from roombook.models.people import ProviderKind, Role

SCOPES = ("department", "provider", "volunteer", "manager")


@dataclass(frozen=True)
class Feed:
    """A feed: its path under calendars/ (public ones only), what it shows, and its calendar name."""

    path: str | None
    selection: Selection
    name: str
    description: str = ""
    public: bool = True


def city_feed() -> Feed:
    return Feed("all.ics", Selection(bookings="public"), "roombook: alle Unterkünfte",
                "Alle Angebote und Raumbelegungen der Gemeinschaftsunterkünfte")


def accommodation_feed(place: Accommodation) -> Feed:
    return Feed(f"accommodation/{place.key}.ics",
                Selection(room_ids=frozenset(r.id for r in place.rooms), bookings="public"),
                f"roombook: {place.name}", f"Angebote und Raumbelegung, {place.name}")


def room_feed(room: Room) -> Feed:
    return Feed(f"room/{room.key}.ics", Selection(room_ids=frozenset({room.id}), bookings="public"),
                f"roombook: {room.accommodation.name}, {room.name}",
                f"Angebote und Belegung des Raums {room.name}, {room.accommodation.name}")


def category_feed(category: str) -> Feed:
    label = LABELS_DE.get(category, category)
    # with the public offers of that kind that volunteers and departments booked
    return Feed(f"category/{category}.ics", Selection(category=category, bookings="offers"), f"roombook: {label}",
                f"{label} in allen Unterkünften")


def find_public_feed(session: Session, kind: str, key: str | None = None) -> Feed | None:
    """The public feed at /calendars/<kind>/<key>.ics, or None when there is no such thing."""
    if kind == "all":
        return city_feed()
    if kind == "category":
        return category_feed(key) if key in CATEGORIES else None
    if kind == "accommodation":
        place = session.scalar(sa.select(Accommodation).where(Accommodation.key == key))
        return accommodation_feed(place) if place else None
    if kind == "room":
        room = session.scalar(sa.select(Room).where(Room.key == key))
        return room_feed(room) if room else None
    return None


def public_feeds(session: Session) -> list[Feed]:
    """Every public feed, in a stable order: what the publisher writes under calendars/."""
    places = session.scalars(sa.select(Accommodation).order_by(Accommodation.key)).all()
    rooms = session.scalars(sa.select(Room).order_by(Room.key)).all()
    return ([city_feed()] + [accommodation_feed(p) for p in places] + [room_feed(r) for r in rooms]
            + [category_feed(c) for c in CATEGORIES])


def allowed_scopes(user: User | None) -> list[str]:
    """The private feeds a user may have: each needs the role or link that gives it meaning."""
    if user is None or not user.active:
        return []
    scopes = []
    if user.role == Role.DEPARTMENT and user.provider is not None:
        scopes.append("department")
    if user.provider is not None:
        scopes.append("provider")
    scopes.append("volunteer")
    if user.role in (Role.ADMIN, Role.COORDINATOR) or (user.role == Role.FACILITY_MANAGER and user.accommodations):
        scopes.append("manager")
    return scopes


def team_scopes(provider: Provider) -> list[str]:
    """The feeds a provider's team link may show: what its members may see of it (a department's office
    hours; any provider's sessions). A person's own bookings and managed rooms are never a team's."""
    return ["department", "provider"] if provider.kind == ProviderKind.DEPARTMENT else ["provider"]


def _team_feed(token: FeedToken) -> Feed | None:
    provider = token.provider
    if token.scope not in team_scopes(provider):
        return None
    if token.scope == "department":
        return Feed(None, Selection(provider_id=provider.id, category="office_hours"),
                    f"roombook: Sprechstunden {provider.name}", public=False)
    return Feed(None, Selection(provider_id=provider.id), f"roombook: {provider.name}", public=False)


def private_feed(session: Session, token: FeedToken) -> Feed | None:
    """The feed a token stands for, or None when its owner may no longer have it."""
    if token.provider_id is not None:
        return _team_feed(token)
    user = token.user
    if token.scope not in allowed_scopes(user):
        return None
    if token.scope == "department":
        return Feed(None, Selection(provider_id=user.provider_id, category="office_hours"),
                    f"roombook: Sprechstunden {user.provider.name}", public=False)
    if token.scope == "provider":
        return Feed(None, Selection(provider_id=user.provider_id), f"roombook: {user.provider.name}",
                    public=False)
    if token.scope == "volunteer":
        return Feed(None, Selection(offers=False, bookings="detailed", booking_user_id=user.id),
                    "roombook: meine Buchungen", public=False)
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return Feed(None, Selection(bookings="detailed"), "roombook: alle Räume mit Buchungen", public=False)
    places = [p for p in session.scalars(sa.select(Accommodation).order_by(Accommodation.key)) if manages(user, p)]
    rooms = frozenset(r.id for p in places for r in p.rooms)
    return Feed(None, Selection(room_ids=rooms, bookings="detailed"),
                "roombook: " + ", ".join(p.name for p in places) + " (Buchungen)", public=False)


def build_feed(session: Session, feed: Feed, today: dt.date, timezone: str, uid_domain: str) -> bytes:
    """Build one feed from the database, as it stands in this transaction."""
    since = window_start(today)
    data = load_feed_data(session, feed.selection, since, timezone)
    return build_calendar(data, FeedMeta(feed.name, feed.description, uid_domain, timezone), since)
