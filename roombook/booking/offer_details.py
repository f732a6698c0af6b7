"""A booking as an offer for residents: what it is, for whom, in which languages, and whether residents see it.

The details are stored on each `Booking` row, like its title, so each date of a weekly booking can carry its
own (a scope edit of a series sets them on every date in scope). `check_offer_details` is the one rule for
them: the booking form, the API and a series edit all pass the values they were given through it and store
what it returns. Titles and descriptions can also be given in the residents' further languages
(`check_translations`, for bookings, offers and rooms alike).
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from roombook.coordination.categories import VALUES as CATEGORIES
from roombook.coordination.volunteers import LANGUAGES as SPOKEN
from roombook.db import text_fault
from roombook.i18n.public_texts import LANGUAGES as RESIDENT_LANGUAGES
from roombook.models.reservations import AUDIENCES

# The columns of `Booking` that make it an offer; a scope edit of a series may set any of them.
FIELDS = ("category", "languages", "audience", "description", "participants", "public", "public_contact")

# Whom an offer is for. The residents' pages name each in the reader's language (public_texts.AUDIENCES).
AUDIENCE_LABELS = {
    "everyone": _l("alle"), "women": _l("Frauen"), "men": _l("Männer"), "children": _l("Kinder"),
    "youth": _l("Jugendliche"), "families": _l("Familien"), "seniors": _l("Ältere Menschen"),
}
MAX_DESCRIPTION = 1000
MAX_CONTACT = 200
MAX_LANGUAGES = 8
# The languages a title or description may be translated into: the residents' languages other than German,
# the language every entry is written in first.
TRANSLATION_LANGUAGES = tuple(code for code in RESIDENT_LANGUAGES if code != "de")
MAX_TRANSLATED_TITLE = 200

EMPTY: dict[str, Any] = {"category": None, "languages": [], "audience": None, "description": "",
                         "participants": None, "public": False, "public_contact": ""}


class OfferDetailsError(ValueError):
    """A detail that cannot be stored; `field` names it (the form field and the API's problem field)."""

    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message = message
        self.field = field


def check_offer_details(values: dict[str, Any], room) -> dict[str, Any]:
    """The offer details of a booking in `room`, checked, in the form they are stored in; every field not
    given is empty (a plain reservation). Raises OfferDetailsError naming the first field at fault.

    A public offer needs a category (residents find offers by kind); the participants must fit the room's
    seats. The public contact is the only personal detail residents ever see, and only when its owner typed it.
    """
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise OfferDetailsError(_l("Unbekanntes Feld: %(name)s", name=unknown[0]), unknown[0])
    details = dict(EMPTY)
    category = values.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise OfferDetailsError(_l("Unbekannte Art des Angebots: %(value)s", value=str(category)[:40]), "category")
    details["category"] = category
    languages = values.get("languages") or []
    if not isinstance(languages, list | tuple) or not all(isinstance(code, str) for code in languages):
        raise OfferDetailsError(_l("Bitte Sprachen aus der Liste wählen."), "languages")
    wrong = [code for code in languages if code not in SPOKEN]
    if wrong:
        raise OfferDetailsError(_l("Unbekannte Sprache: %(code)s", code=wrong[0][:12]), "languages")
    if len(set(languages)) > MAX_LANGUAGES:
        raise OfferDetailsError(_l("Höchstens %(max)d Sprachen.", max=MAX_LANGUAGES), "languages")
    details["languages"] = list(dict.fromkeys(languages))
    audience = values.get("audience") or None
    if audience is not None and audience not in AUDIENCES:
        raise OfferDetailsError(_l("Unbekannte Zielgruppe: %(value)s", value=str(audience)[:40]), "audience")
    details["audience"] = audience
    details["description"] = _text(values.get("description"), "description", MAX_DESCRIPTION, multiline=True)
    details["public_contact"] = _text(values.get("public_contact"), "public_contact", MAX_CONTACT)
    participants = values.get("participants")
    if participants is not None:
        if isinstance(participants, bool) or not isinstance(participants, int) or participants < 1:
            raise OfferDetailsError(_l("Bitte eine ganze Zahl ab 1 angeben."), "participants")
        if participants > room.capacity:
            raise OfferDetailsError(_l("%(room)s hat %(seats)d Plätze; für %(n)d Teilnehmende ist er zu klein.",
                                       room=room.name, seats=room.capacity, n=participants), "participants")
    details["participants"] = participants
    public = values.get("public", False)
    if not isinstance(public, bool):
        raise OfferDetailsError(_l("Bitte ja oder nein angeben."), "public")
    if public and category is None:
        raise OfferDetailsError(_l("Ein öffentliches Angebot braucht eine Art, damit Bewohner es finden."),
                                "category")
    details["public"] = public
    return details


def _text(value: Any, field: str, maximum: int, multiline: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OfferDetailsError(_l("Bitte Text angeben."), field)
    value = value.strip()
    if len(value) > maximum:
        raise OfferDetailsError(_l("Höchstens %(max)d Zeichen.", max=maximum), field)
    if text_fault(value, multiline=multiline) is not None:
        raise OfferDetailsError(_l("Enthält ein Zeichen, das hier nicht stehen darf."), field)
    return value


def check_translations(values: Any, parts: tuple[str, ...] = ("title", "description"),
                       field: str = "translations") -> dict[str, dict[str, str]]:
    """Titles and descriptions in further languages: {"ar": {"title": "…", "description": "…"}, …}. Empty texts
    are dropped (the German one is shown instead); an unknown language or part is refused at `field`."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise OfferDetailsError(_l("Bitte Übersetzungen je Sprache angeben."), field)
    result: dict[str, dict[str, str]] = {}
    for code, texts in values.items():
        if code not in TRANSLATION_LANGUAGES:
            raise OfferDetailsError(_l("Unbekannte Sprache: %(code)s", code=str(code)[:12]), f"{field}.{code}"[:60])
        if not isinstance(texts, dict) or not set(texts) <= set(parts):
            raise OfferDetailsError(_l("Bitte Übersetzungen je Sprache angeben."), f"{field}.{code}")
        kept = {}
        for part, text in texts.items():
            limit = MAX_DESCRIPTION if part in ("description", "venue_note") else MAX_TRANSLATED_TITLE
            text = _text(text, f"{field}.{code}.{part}", limit, multiline=part == "description")
            if text:
                kept[part] = text
        if kept:
            result[code] = kept
    return result

