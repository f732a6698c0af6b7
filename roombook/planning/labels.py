"""A plan run in the reader's words: its status, the phase its progress shows, the plan's status and the
solver's reasons, German first, English switchable (Flask-Babel).

The stored values stay machine codes (the API answers with them). The solver gives each reason as a
code with parameters (roombook/solver/FORMAT.md) and has no Flask in it; the wording happens here, in
the language of the page, or of the mail being written (`flask_babel.force_locale`).
"""
from __future__ import annotations

from collections.abc import Callable

from babel.lists import format_list
from babel.numbers import format_decimal
from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from roombook.i18n import category_name, day_name

RUN_STATUS = {"queued": _l("wartet"), "running": _l("läuft"), "done": _l("fertig"),
              "failed": _l("fehlgeschlagen"), "published": _l("veröffentlicht"), "discarded": _l("verworfen")}
# What a run's progress shows while it works: the phases runs.py and the solver's search report.
PHASES = {"queued": _l("wartet"), "export": _l("liest die Stadt"), "greedy": _l("erste Lösung"),
          "cp-sat": _l("optimiert"), "lns": _l("verbessert"), "solving": _l("rechnet"), "done": _l("fertig"),
          "failed": _l("fehlgeschlagen")}
PLAN_STATUS = {"optimal": _l("optimal"), "feasible": _l("zulässig, Optimum nicht bewiesen"),
               "infeasible": _l("nicht alle Vorgaben erfüllbar")}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 1440


def run_status(code: str | None) -> str | LazyString:
    """A run's status in the reader's language (the code itself if it is unknown)."""
    return RUN_STATUS.get(code or "", code or "")


def phase(code: str | None) -> str | LazyString:
    return PHASES.get(code or "", code or "")


def plan_status(code: str | None) -> str | LazyString:
    return PLAN_STATUS.get(code or "", code or "")


# --- the solver's reasons ---------------------------------------------------------------------------------

def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else "de"


def _names(items: list[str]) -> str:
    return format_list([str(i) for i in items], locale=_locale()) if items else ""


def _clock(minute: int) -> str:
    minute %= DAY_MINUTES
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _at(week_minute: int) -> str:
    """Minutes from Monday 00:00 as "Mo 10:00"."""
    return f"{day_name(DAYS[week_minute // DAY_MINUTES])} {_clock(week_minute)}"


def _hours(minutes: int) -> str:
    return _("%(hours)s Std.", hours=format_decimal(round(minutes / 60, 1), locale=_locale()))


def _by(by: dict) -> str:
    return f"{by['title']} ({by['place']})"


def _pinned(r: dict) -> str:
    values = {"session": r["session"] + 1, "at": _at(r["at"]), "minutes": r["minutes"], "cause": reason(r["cause"])}
    if r.get("room"):
        return _("Termin %(session)s ist auf %(at)s in %(room)s festgelegt (%(minutes)s Minuten), aber %(cause)s",
                 room=r["room"], **values)
    return _("Termin %(session)s ist auf %(at)s festgelegt (%(minutes)s Minuten), aber %(cause)s", **values)


def _windows(r: dict) -> str:
    values = {"rooms": _names(r["rooms"]), "providers": _names(r["providers"]), "minutes": r["minutes"]}
    if r["allowed"]:
        return _("Öffnungszeiten von %(rooms)s und Verfügbarkeit von %(providers)s überschneiden sich innerhalb der "
                 "erlaubten Zeiten des Angebots nie für %(minutes)s Minuten", **values)
    return _("Öffnungszeiten von %(rooms)s und Verfügbarkeit von %(providers)s überschneiden sich nie für "
             "%(minutes)s Minuten", **values)


def _bookings(r: dict) -> str:
    listed = [_("„%(title)s“ (%(at)s–%(end)s)", title=b["title"], at=_at(b["at"]), end=_clock(b["end"]))
              for b in r["bookings"]]
    return _("Jede Zeit, zu der ein passender Raum offen und ein Anbieter verfügbar ist, belegen Buchungen, die "
             "sich nicht verdrängen lassen: %(bookings)s", bookings=_names(listed))


def _provider_hours(r: dict) -> str:
    values = {"providers": _names(r["providers"]), "supply": _hours(r["supply"]), "demand": _hours(r["demand"]),
              "places": _names(r["places"])}
    if r["capped"]:
        return _("%(providers)s darf höchstens %(supply)s pro Woche arbeiten, verlangt sind aber %(demand)s in "
                 "%(places)s", **values)
    return _("%(providers)s ist %(supply)s pro Woche verfügbar, verlangt sind aber %(demand)s in %(places)s", **values)


def _all_taken(r: dict) -> str:
    causes = "; ".join(reason(c) for c in r["causes"])
    if r["guaranteed"]:
        return _("Jede mögliche Zeit ist belegt: %(causes)s", causes=causes)
    return _("Jede mögliche Zeit ist belegt (feste Angebote gehen vor): %(causes)s", causes=causes)


def _busy(r: dict) -> str:
    if r["travel"]:
        return _("%(provider)s ist beschäftigt mit %(by)s (einschließlich %(travel)s Minuten Fahrt)",
                 provider=r["provider"], by=_by(r["by"]), travel=r["travel"])
    return _("%(provider)s ist beschäftigt mit %(by)s", provider=r["provider"], by=_by(r["by"]))


WORDS: dict[str, Callable[[dict], str]] = {
    "pin_room_unsuitable": lambda r: _("der Raum passt nicht zum Angebot"),
    "pin_room_elsewhere": lambda r: _("der Raum gehört nicht zur Unterkunft"),
    "pin_room_closed": lambda r: _("der Raum ist dann nicht geöffnet"),
    "pin_not_allowed": lambda r: _("die Zeit liegt außerhalb der erlaubten Zeiten des Angebots"),
    "pin_provider_away": lambda r: _("%(providers)s ist dann nicht verfügbar", providers=_names(r["providers"])),
    "pin_booking": lambda r: _("die Buchung %(bookings)s lässt sich nicht verdrängen",
                               bookings=_names(r["bookings"])),
    "pin_unusable": lambda r: _("die festgelegte Zeit ist nicht nutzbar"),
    "pinned": _pinned,
    "no_room": lambda r: _("%(place)s hat keinen Raum", place=r["place"]),
    "room_too_small": lambda r: _("Kein Raum in %(place)s fasst %(participants)s Teilnehmende (der größte fasst "
                                  "%(largest)s)", place=r["place"], participants=r["participants"],
                                  largest=r["largest"]),
    "room_lacks_feature": lambda r: _("Kein Raum in %(place)s hat die Ausstattung „%(feature)s“", place=r["place"],
                                      feature=r["feature"]),
    "room_unfit": lambda r: _("Kein Raum in %(place)s fasst %(participants)s Teilnehmende und hat %(features)s",
                              place=r["place"], participants=r["participants"], features=_names(r["features"])),
    "windows_never_meet": _windows,
    "bookings_block": _bookings,
    "too_few_days": lambda r: _("Nur an %(count)s Tag(en) (%(days)s) passen Raum und Anbieter für %(minutes)s "
                                "Minuten, verlangt sind aber %(sessions)s Termine an verschiedenen Tagen",
                                count=len(r["days"]), days=_names([day_name(d) for d in r["days"]]),
                                minutes=r["minutes"], sessions=r["sessions"]),
    "provider_hours": _provider_hours,
    "room_hours": lambda r: _("%(rooms)s in %(place)s ist %(supply)s pro Woche geöffnet, die Angebote, die nur "
                              "dort stattfinden können, brauchen aber %(demand)s", rooms=_names(r["rooms"]),
                              place=r["place"], supply=_hours(r["supply"]), demand=_hours(r["demand"])),
    "time_limit": lambda r: _("In der Rechenzeit nicht platziert, obwohl %(at)s in %(room)s frei scheint; bitte "
                              "mit mehr Zeit neu planen", at=_at(r["at"]), room=r["room"]),
    "all_taken": _all_taken,
    "same_day": lambda r: _("die anderen Termine des Angebots liegen schon am %(day)s", day=day_name(r["day"])),
    "room_used": lambda r: _("%(room)s ist belegt durch %(by)s", room=r["room"], by=_by(r["by"])),
    "provider_limit": lambda r: _("%(provider)s hat %(limit)s pro Woche erreicht", provider=r["provider"],
                                  limit=_hours(r["limit"])),
    "provider_busy": _busy,
    "no_offer": lambda r: _("Für %(place)s gibt es kein Angebot der Art %(category)s", place=r["place"],
                            category=category_name(r["category"])),
    "too_little_offered": lambda r: _("In %(place)s werden nur %(offered)s Minuten %(category)s pro Woche "
                                      "angeboten, verlangt sind %(required)s", place=r["place"], offered=r["offered"],
                                      category=category_name(r["category"]), required=r["required"]),
    "sessions_unplaced": lambda r: _("%(count)s Termin(e) %(category)s in %(place)s ließen sich nicht platzieren, "
                                     "z. B. „%(title)s“: %(cause)s", count=r["count"],
                                     category=category_name(r["category"]), place=r["place"], title=r["title"],
                                     cause=reason(r["cause"])),
}


def reason(why: dict) -> str:
    """A structured solver reason in the reader's language."""
    return WORDS[why["code"]](why)


def row_reason(row: dict) -> str:
    """The reason of a plan's `unplaced` or `unmet_requirements` row in the reader's language. A row without a
    known code (a plan stored before reasons had codes) keeps the solver's English text."""
    why = row.get("why")
    if isinstance(why, dict) and why.get("code") in WORDS:
        try:
            return reason(why)
        except (KeyError, TypeError, ValueError, IndexError):  # parameters of another shape: the text is still true
            pass
    return str(row.get("reason", ""))
