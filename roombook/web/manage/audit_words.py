"""The audit trail in the reader's words: events, objects and their details are stored as codes (the API and
the database keep them), the page names them in German or English and shows times in the city's time.

A code without a word here is shown as it is; tests/hardening/test_words.py finds it on the page, and
tests/web/test_audit_words.py finds an event the code writes that has no word.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l

from roombook.conflicts.decisions import KIND_LABELS, RESOLUTION_LABELS
from roombook.i18n import category_name, local_time
from roombook.models import AuditEvent
from roombook.web.manage.forms import PURPOSE_LABELS, ROLE_LABELS

ACTIONS = {
    "api_token.created": _l("API-Schlüssel erstellt"), "api_token.revoked": _l("API-Schlüssel widerrufen"),
    "booking.created": _l("Buchung angelegt"), "booking.cancelled": _l("Buchung abgesagt"),
    "booking.displaced": _l("Buchung verdrängt"), "booking.reinstated": _l("Buchung gilt wieder"),
    "change.recorded": _l("Raumänderung vorgeschlagen"), "change.item_decided": _l("Termine einer Reihe entschieden"),
    "change.applied": _l("Raumänderung entschieden"), "change.answered": _l("Ehrenamtliche haben geantwortet"),
    "closure.added": _l("Schließung eingetragen"), "closure.applied": _l("Schließung angewendet"),
    "closure.removed": _l("Schließung entfernt"), "conflict.resolved": _l("Konflikt entschieden"),
    "feed_token.created": _l("Kalender-Link erstellt"), "feed_token.revoked": _l("Kalender-Link widerrufen"),
    "feed_token.rotated": _l("Kalender-Link erneuert"), "offer.created": _l("Angebot angelegt"),
    "offer.updated": _l("Angebot geändert"), "plan.published": _l("Plan veröffentlicht"),
    "plan_run.started": _l("Planung gestartet"), "plan_run.published": _l("Planung veröffentlicht"),
    "plan_run.discarded": _l("Planung verworfen"), "requirements.updated": _l("Vorgaben geändert"),
    "room.updated": _l("Raum geändert"), "user.deleted": _l("Konto gelöscht"),
    "volunteer_profile.saved": _l("Profil gespeichert"), "booking.hidden": _l("Öffentliches Angebot ausgeblendet"),
    "user.mail_settings": _l("Mail-Einstellungen geändert"), "booking.changed": _l("Buchung geändert"),
    "change.dates_added": _l("Neue Termine zur Raumänderung hinzugefügt"),
    "conflict.series_resolved": _l("Konflikte einer Reihe entschieden"),
    "registration.approved": _l("Anmeldung angenommen"), "registration.declined": _l("Anmeldung abgelehnt"),
    "invitation.sent": _l("Einladung verschickt"), "invitation.accepted": _l("Einladung angenommen"),
    "user.password_set": _l("Passwort neu gesetzt"),
    "offer.requirements": _l("Verlangte Nachweise eines Angebots geändert"),
    "qualification.recorded": _l("Nachweis erfasst"), "qualification.deleted": _l("Nachweis gelöscht"),
    "training.created": _l("Schulung angelegt"), "training.signed_up": _l("Zur Schulung angemeldet"),
    "training.cancelled": _l("Von der Schulung abgemeldet"), "training.moved_up": _l("Von der Warteliste nachgerückt"),
    "training.attendance": _l("Anwesenheit erfasst"),
    "help_request.asked": _l("Ehrenamtliche angefragt"), "help_request.answered": _l("Anfrage beantwortet"),
    "help_request.withdrawn": _l("Anfrage zurückgezogen"),
    "absence.recorded": _l("Abwesenheit eingetragen"), "absence.deleted": _l("Abwesenheit gelöscht"),
    "change.discarded": _l("Raumänderung verworfen"),
}
OBJECTS = {"apitoken": _l("API-Schlüssel"), "booking": _l("Buchung"), "changeitem": _l("Reihe einer Raumänderung"),
           "closure": _l("Schließung"), "conflict": _l("Konflikt"), "feedtoken": _l("Kalender-Link"),
           "offer": _l("Angebot"), "accommodation": _l("Unterkunft"), "plan": _l("Plan"),
           "planrun": _l("Planung"), "room": _l("Raum"), "roomchange": _l("Raumänderung"), "user": _l("Konto"),
           "registration": _l("Anmeldung"), "accounttoken": _l("Einladung"), "training": _l("Schulung"),
           "helprequest": _l("Anfrage an Ehrenamtliche"), "volunteerabsence": _l("Abwesenheit")}
KEYS = {
    "accommodation": _l("Unterkunft"), "after": _l("nachher"), "answer": _l("Antwort"), "base_url": _l("Adresse"),
    "before": _l("vorher"), "by": _l("durch"), "cause": _l("Anlass"), "change": _l("Raumänderung"),
    "changed": _l("geändert"), "changes": _l("Änderungen"), "closure": _l("Schließung"),
    "conflicts": _l("Konflikte"), "dates": _l("Termine"), "decision": _l("Entscheidung"),
    "effective": _l("gilt ab"), "end": _l("Ende"), "gaps": _l("Lücken"), "items": _l("Reihen"),
    "kind": _l("Art"), "label": _l("Bezeichnung"), "moved_occurrence": _l("verlegter Termin"),
    "new_booking": _l("neue Buchung"), "note": _l("Notiz"), "opened": _l("neue Konflikte"), "now": _l("Zeitpunkt"), "prefix": _l("Kennung"),
    "purpose": _l("Zweck"), "reason": _l("Grund"), "replaces": _l("ersetzt"), "residents": _l("Bewohnende"),
    "resolution": _l("Entscheidung"), "room": _l("Raum"), "scope": _l("Umfang"), "start": _l("Beginn"),
    "status": _l("Stand"), "told": _l("benachrichtigt"), "unmet": _l("unerfüllte Vorgaben"),
    "unplaced": _l("nicht platziert"), "why": _l("warum"), "confirmations": _l("Bestätigungen"),
    "reminders": _l("Erinnerungen"), "reminder_time": _l("Erinnerung kommt"), "provider": _l("Träger"),
    "account": _l("Konto"), "role": _l("Rolle"),
    "fields": _l("Felder"), "kinds": _l("Nachweise"), "position": _l("Platz auf der Warteliste"),
    "present": _l("anwesend"), "seats": _l("Plätze"), "sessions": _l("Termine"), "signup": _l("Anmeldung"),
    "valid_until": _l("gültig bis"),
    "category": _l("Kategorie"), "week": _l("Woche"), "volunteers": _l("Ehrenamtliche"),
    "offer": _l("Angebot"), "volunteer": _l("Ehrenamtliche(r)"), "starts_on": _l("vom"), "ends_on": _l("bis einschließlich"),
    "withdrawn": _l("zurückgezogene Raumänderungen"),
}
# Codes that appear as values, beside the word lists of the pages that name the same things (_values()).
VALUES: dict[str, Any] = {
    "accept": _l("Vorschlag annehmen"), "option": _l("andere Möglichkeit"), "cancel": _l("absagen"),
    "ask_volunteer": _l("Ehrenamtliche fragen"), "closure": _l("Schließung"),
    "opening_hours": _l("Öffnungszeiten"), "plan": _l("Plan"), "optimal": _l("optimal"),
    "feasible": _l("zulässig"), "infeasible": _l("nicht alle Vorgaben erfüllbar"),
    "open": _l("Öffnungszeiten"), "capacity": _l("Plätze"), "features": _l("Ausstattung"), "name": _l("Name"),
    "max_open_bookings": _l("offene Buchungen je Person"), "max_booking_minutes": _l("längste Buchung"),
    "max_days_ahead": _l("Tage im Voraus"), "venue_note": _l("Hinweis zum Ort"), "title": _l("Titel"),
    "languages": _l("Sprachen"), "skills": _l("Fähigkeiten"), "accommodations": _l("Unterkünfte"),
    "available": _l("Zeiten"), "max_minutes_per_week": _l("Stunden pro Woche"), "note": _l("Notiz"),
    "evening": _l("am Vorabend"), "morning": _l("am Morgen"), "this": _l("dieser Termin"),
    "following": _l("dieser und die folgenden"), "series": _l("die ganze Serie"), "start_time": _l("Beginn"),
    # joining: the roles one may be invited to, and which link set a password
    **{str(role): label for role, label in ROLE_LABELS.items()}, "reset": _l("Passwort vergessen"),
    "welcome": _l("erstes Passwort"),
    "minutes": _l("Dauer"), "accepted": _l("zugesagt"), "declined": _l("abgesagt"), "absence": _l("Abwesenheit"),
}
YES_NO = {True: _l("ja"), False: _l("nein")}


@cache
def _values() -> dict[str, Any]:
    # imported when first needed: roombook.web.changes imports the manage package, which imports this module
    from roombook.web.changes import WORDS as CHANGE_WORDS

    return {**KIND_LABELS, **RESOLUTION_LABELS, **PURPOSE_LABELS, **CHANGE_WORDS["item"], **CHANGE_WORDS["answer"],
            **CHANGE_WORDS["kind"], **VALUES}


@dataclass
class AuditLine:
    at: str
    actor: str
    action: str
    object: str
    details: list[tuple[str, str]]


def _value(value: Any) -> str:
    """A detail's value in words: known codes named, instants in the city's time, lists and maps spelled out."""
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_value(k)}: {_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return str(YES_NO[value])
    if isinstance(value, str) and value in _values():
        return str(_values()[value])
    if isinstance(value, str):
        named = category_name(value)
        if named != value:
            return named
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is not None and "T" in value:
            return local_time(instant)
        return value
    return "" if value is None else str(value)


def audit_line(event: AuditEvent) -> AuditLine:
    """One event of the trail as the page shows it."""
    details = [(str(KEYS.get(key, key)), _value(value)) for key, value in (event.details or {}).items()
               if value not in (None, "", [], {})]
    kind = OBJECTS.get(event.object_type, event.object_type)
    return AuditLine(at=local_time(event.at), actor=event.actor.email if event.actor else "",
                     action=str(ACTIONS.get(event.action, event.action)), object=f"{kind} {event.object_id}",
                     details=details)
