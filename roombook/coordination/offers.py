"""The coordinator's offers: recurring series created and edited here feed the next plan run.

New or changed offers get their weekly slots from the solver; nothing here moves an existing slot.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook.access import audit
from roombook.booking.rooms import RoomInputError, check_features
from roombook.coordination import qualifications
from roombook.coordination.categories import VALUES as CATEGORIES
from roombook.models import Accommodation, Offer, Provider, User

FIELDS = ("title", "description", "category", "duration_minutes", "sessions_per_week", "participants",
          "needs_features", "guaranteed", "valid_from", "valid_until")


def list_offers(session: Session) -> list[Offer]:
    """Every offer, by accommodation, category and title."""
    return list(session.scalars(sa.select(Offer).join(Offer.accommodation)
                                .order_by(Accommodation.name, Offer.category, Offer.title)))


def slug(text: str, fallback: str) -> str:
    """A key's part made from a name: ASCII letters and digits ("Jürgen" → "jurgen"), at most 60 characters,
    so that a prefix and a counter still fit the 120-character key columns."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-") or fallback


def unique_key(session: Session, column, base: str) -> str:
    """`base`, or `base-2`, `base-3` … whichever no row holds yet in the key column `column`."""
    key, n = base, 1
    while session.scalar(sa.select(column).where(column == key)) is not None:
        n += 1
        key = f"{base}-{n}"
    return key


def _check(values: dict) -> None:
    if not values["title"].strip():
        raise RoomInputError(_l("Bitte einen Titel angeben."), "title")
    if values["category"] not in CATEGORIES:
        raise RoomInputError(_l("Unbekannte Kategorie."), "category")
    if values["valid_until"] is not None and values["valid_until"] < values["valid_from"]:
        raise RoomInputError(_l("„Bis“ liegt vor „ab“."), "valid_until")


def all_providers(session: Session) -> list[Provider]:
    return list(session.scalars(sa.select(Provider).order_by(Provider.name)))


def save_offer(session: Session, actor: User, offer: Offer | None, *, accommodation: Accommodation,
               provider_keys: list[str], title: str, description: str, category: str, duration_minutes: int,
               sessions_per_week: int, participants: int, needs_features: list[str], guaranteed: bool,
               valid_from: dt.date, valid_until: dt.date | None,
               required_qualifications: list[str] | None = None) -> Offer:
    """Create (offer=None) or change an offer; the next plan run places its weekly slots. The volunteers who
    run it must hold `required_qualifications` (kind codes, roombook.coordination.qualifications; None leaves
    them as they are)."""
    values = {"title": title.strip(), "description": (description or "").strip(), "category": category,
              "duration_minutes": duration_minutes, "sessions_per_week": sessions_per_week,
              "participants": participants, "needs_features": check_features(needs_features, "needs_features"),
              "guaranteed": guaranteed, "valid_from": valid_from, "valid_until": valid_until}
    _check(values)
    providers = list(session.scalars(sa.select(Provider).where(Provider.key.in_(provider_keys or []))
                                     .order_by(Provider.key)))
    if not providers:
        raise RoomInputError(_l("Bitte mindestens einen Anbieter wählen."), "providers")
    created = offer is None
    if offer is None:
        offer = Offer(key=unique_key(session, Offer.key, f"{accommodation.key}-{slug(title, 'angebot')}"),
                      accommodation=accommodation)
        session.add(offer)
        before = {}
    else:
        before = {f: _plain(getattr(offer, f)) for f in FIELDS}
        before["accommodation"] = offer.accommodation.key
        offer.accommodation = accommodation
    for name, value in values.items():
        setattr(offer, name, value)
    offer.providers = list(providers)
    session.flush()
    after = {f: _plain(getattr(offer, f)) for f in FIELDS} | {"accommodation": accommodation.key}
    if not created and after != before:
        for slot in offer.sessions:  # calendar clients pick up the change (iCal SEQUENCE)
            slot.sequence += 1
    audit.record(session, actor, "offer.created" if created else "offer.updated", offer,
                 accommodation=accommodation.key, changes={k: v for k, v in after.items() if before.get(k) != v})
    if required_qualifications is not None:
        try:
            qualifications.set_required_kinds(session, actor, offer, required_qualifications)
        except qualifications.QualificationError as exc:
            raise RoomInputError(exc.message, "qualifications") from None
    return offer


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value
