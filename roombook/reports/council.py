"""The council's report as tables: the one shape the page, its charts, the CSV and the XLSX are made from.

A cell is a number (hours, a count, a percentage), a date, a text, EMPTY (nothing to compute: a room with no
open hours has no share) or NOT_AVAILABLE (the data does not exist yet: trainings, bookings' kinds) — the
last shown as "nicht verfügbar", never as 0.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import LazyString, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook.i18n import category_name
from roombook.models import Accommodation
from roombook.models.reservations import ClosurePurpose
from roombook.reports import periods, shortfalls, utilisation, volunteer_work
from roombook.reports.shortfalls import CoverageReport
from roombook.reports.utilisation import CLOSURE_KINDS, Figures, Utilisation
from roombook.reports.volunteer_work import VolunteerWork, small


class Marker:
    """A cell that is no figure: shown as its text, in the page's language."""

    def __init__(self, text: LazyString):
        self.text = text

    def __str__(self) -> str:
        return str(self.text)


NOT_AVAILABLE = Marker(_l("nicht verfügbar"))
EMPTY = Marker(_l("–"))

KIND_LABELS = {ClosurePurpose.HOLIDAY: _l("Feiertag"), ClosurePurpose.MAINTENANCE: _l("Wartung"),
               ClosurePurpose.OTHER_USE: _l("andere Nutzung durch die Verwaltung"),
               ClosurePurpose.OTHER: _l("sonstige Schließung")}
CAUSE_LABELS = {shortfalls.NO_OFFER: _l("kein Angebot"), shortfalls.NO_PROVIDER: _l("kein Anbieter"),
                shortfalls.CLOSURE: _l("Schließung"), shortfalls.CANCELLATION: _l("Absage"),
                shortfalls.ROOM_TOO_SMALL: _l("Raum zu klein"), shortfalls.TOO_FEW: _l("zu wenige Termine geplant")}


@dataclass
class Column:
    label: LazyString | str
    kind: str = "text"  # text, hours, count, percent, date


@dataclass
class Table:
    key: str  # the XLSX sheet's and the HTML table's name
    title: LazyString | str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: LazyString | str = ""
    page_only: bool = False  # a summary for reading; the exports carry the rows it sums


@dataclass
class Report:
    first: dt.date
    end: dt.date
    places: list[Accommodation]
    weekly: Utilisation  # per accommodation and week: the heat map
    total: Utilisation  # per accommodation over the period
    city: Figures
    coverage: CoverageReport
    volunteers: VolunteerWork
    tables: dict[str, Table]

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def number_format(language: str) -> Callable[[object], str]:
    """Cells as the page shows them, in `language`'s way of writing numbers (1.234,5 or 1,234.5) and dates
    (TT.MM.JJJJ): one function made once per page, as a city's report has tens of thousands of cells."""
    german = language == "de"

    def show(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (int, float, dt.date)):
            return str(value)
        if isinstance(value, dt.date):
            return f"{value:%d.%m.%Y}"
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
        return text.translate(_GERMAN) if german else text
    return show


_GERMAN = str.maketrans({",": ".", ".": ","})


def hours(seconds: int | float) -> float:
    """Seconds (or minutes × 60) as hours, to the hundredth."""
    return round(seconds / 3600, 2)


def _share(figures: Figures):
    share = figures.purpose_share
    return EMPTY if share is None else round(share * 100, 1)


def build(session: Session, places: list[Accommodation], first: dt.date, end: dt.date,
          *, now: dt.datetime | None = None) -> Report:
    """The whole report on `places` for the local dates [first, end)."""
    weeks = periods.parts(first, end, "week")
    total = periods.parts(first, end, "total")
    weekly = utilisation.utilisation(session, places, weeks, "accommodation")
    overall = utilisation.summed(weekly, total[0])
    city = Figures()
    for line in overall.lines:
        city.add(line.figures)
    cover = shortfalls.coverage_report(session, places, first, end, total, now=now)
    work = volunteer_work.volunteer_work(session, places, first, end)
    report = Report(first, end, places, weekly, overall, city, cover, work, {})
    for make in (_usage, _usage_by_category, _usage_weeks, _closed, _coverage_by_category, _coverage, _procedural,
                 _shortfalls, _shortfall_runs, _volunteers, _volunteer_offers, _volunteer_places):
        table = make(report)  # in order: a summary may read the table before it
        report.tables[table.key] = table
    return report


def _usage(report: Report) -> Table:
    table = Table("nutzung", _l("Nutzung der Räume"), [
        Column(_l("Unterkunft")), Column(_l("Stunden geöffnet"), "hours"), Column(_l("davon Feiertag"), "hours"),
        *[Column(_l("geschlossen: %(kind)s", kind=KIND_LABELS[k]), "hours") for k in CLOSURE_KINDS[1:]],
        Column(_l("genutzt für den Zweck"), "hours"), Column(_l("Anteil für den Zweck (%)"), "percent")],
        note=_l("Anteil: Stunden für den Zweck je geöffnete Stunde außer Feiertagen. Schließungen für eine andere "
                "Nutzung durch die Verwaltung zählen nicht als Nutzung für den Zweck."))

    def row(name, f: Figures):
        return [name, hours(f.open), hours(f.holiday), *[hours(f.closed[k]) for k in CLOSURE_KINDS[1:]],
                hours(f.purpose), _share(f)]

    table.rows = [row(line.name, line.figures) for line in report.total.lines]
    table.rows.append(row(_l("Gesamt"), report.city))
    return table


def _usage_by_category(report: Report) -> Table:
    kinds = list(utilisation.CATEGORIES)
    table = Table("nutzung_kategorien", _l("Genutzte Stunden nach Art des Angebots"), [
        Column(_l("Unterkunft")), *[Column(LazyString(category_name, c), "hours") for c in kinds],
        Column(_l("Einzelbuchungen (ehrenamtliche Aktivitäten)"), "hours"),
        Column(_l("Einzelbuchungen nach Kategorie"))],
        note=_l("Eine Einzelbuchung ohne Art des Angebots ist eine Reservierung: sie zählt als ehrenamtliche "
                "Aktivität."))

    def row(name, f: Figures):
        by_category = ", ".join(f"{category_name(c) if c else gettext('ohne Angabe')}: {format_decimal(hours(s))}"
                                for c, s in sorted((f.bookings_by_category or {}).items())) or "–"
        return [name, *[hours(f.offers[c]) for c in kinds], hours(f.bookings), by_category]

    table.rows = [row(line.name, line.figures) for line in report.total.lines]
    table.rows.append(row(_l("Gesamt"), report.city))
    return table


def _usage_weeks(report: Report) -> Table:
    parts = report.weekly.parts
    table = Table("nutzung_wochen", _l("Anteil der Öffnungszeit für den Zweck je Woche (%)"),
                  [Column(_l("Unterkunft")), *[Column(_week_label(p), "percent") for p in parts]])
    by_place: dict[str, list] = {}
    for line in report.weekly.lines:
        by_place.setdefault(line.name, []).append(_share(line.figures))
    table.rows = [[name, *values] for name, values in by_place.items()]
    return table


def _week_label(part: periods.Part) -> str:
    return str(_l("KW %(week)d", week=part.first.isocalendar()[1]))


def _closed(report: Report) -> Table:
    table = Table("schliessungen", _l("Geschlossene Stunden nach Art"),
                  [Column(_l("Art")), Column(_l("Stunden"), "hours"), Column(_l("zählt als Ausfall"))],
                  note=_l("Feiertage sind keine Ausfälle: sie werden getrennt ausgewiesen."))
    table.rows = [[KIND_LABELS[k], hours(report.city.closed[k]),
                   _l("nein") if k == ClosurePurpose.HOLIDAY else _l("ja")] for k in CLOSURE_KINDS]
    return table


def _coverage_by_category(report: Report) -> Table:
    table = Table("abdeckung_kategorien", _l("Abdeckung je Kategorie"), [
        Column(_l("Kategorie")), Column(_l("gefordert (Stunden)"), "hours"), Column(_l("geplant (Stunden)"), "hours"),
        Column(_l("stattgefunden (Stunden)"), "hours"), Column(_l("fehlend (Stunden)"), "hours")])
    for category in report.coverage.categories:
        items = [t for t in report.coverage.totals if t.category == category]
        table.rows.append([_category(category), hours(60 * sum(t.required for t in items)),
                           hours(60 * sum(t.planned for t in items)), hours(60 * sum(t.delivered for t in items)),
                           hours(60 * sum(t.missing for t in items))])
    return table


def _coverage(report: Report) -> Table:
    table = Table("abdeckung", _l("Abdeckung je Unterkunft und Kategorie"), [
        Column(_l("Unterkunft")), Column(_l("Kategorie")), Column(_l("Wochen"), "count"),
        Column(_l("gefordert (Stunden)"), "hours"), Column(_l("geplant (Stunden)"), "hours"),
        Column(_l("stattgefunden (Stunden)"), "hours"), Column(_l("abgesagt (Stunden)"), "hours"),
        Column(_l("fehlend (Stunden)"), "hours")],
        note=_l("Gezählt werden die Wochen, deren Montag im Zeitraum liegt. Stattgefunden: vergangene, nicht "
                "abgesagte Termine."))
    names = {c: _category(c) for c in report.coverage.categories}
    table.rows = [[t.accommodation.name, names[t.category], t.weeks, hours(60 * t.required),
                   hours(60 * t.planned), hours(60 * t.delivered), hours(60 * t.cancelled), hours(60 * t.missing)]
                  for t in report.coverage.totals]
    return table


def _procedural(report: Report) -> Table:
    table = Table("ohne_verfahrensberatung", _l("Wochen ohne Asylverfahrensberatung"),
                  [Column(_l("Unterkunft")), Column(_l("Wochen"), "count"), Column(_l("Wochen ab"))])
    table.rows = [[place.name, len(weeks), ", ".join(f"{week:%d.%m.%Y}" for week in weeks)]
                  for place, weeks in report.coverage.procedural_gaps]
    return table


def cause_texts() -> Callable[[shortfalls.Cause], str]:
    """A cause in words, as a function with the page language's words looked up once (a city's report has
    thousands of causes)."""
    causes = {code: str(label) for code, label in CAUSE_LABELS.items()}
    kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
    hours_text = gettext("%(hours)s Std.")
    comma = format_decimal(1.5)[1]

    def text(cause: shortfalls.Cause) -> str:
        words = causes[cause.code]
        if cause.code == shortfalls.CLOSURE:
            words += f" ({kinds[cause.detail]})"
        elif cause.detail:
            words += f" ({cause.detail})"
        if cause.minutes:
            words += " " + hours_text % {"hours": f"{hours(60 * cause.minutes):g}".replace(".", comma)}
        return words
    return text


def _category(category: str) -> str:
    return category_name(category)


def _shortfalls(report: Report) -> Table:
    table = Table("fehlstellen", _l("Fehlstellen und ihre Ursachen"), [
        Column(_l("Unterkunft")), Column(_l("Kategorie")), Column(_l("Woche ab"), "date"),
        Column(_l("geplant (Stunden)"), "hours"), Column(_l("gefordert (Stunden)"), "hours"),
        Column(_l("fehlend (Stunden)"), "hours"), Column(_l("Ursachen"))],
        note=_l("Asylverfahrensberatung zuerst."))
    names = {c: _category(c) for c in report.coverage.categories}
    cause_text = cause_texts()
    table.rows = [[s.accommodation.name, names[s.category], s.week, hours(60 * s.planned),
                   hours(60 * s.required), hours(60 * s.missing), "; ".join(cause_text(c) for c in s.causes)]
                  for s in report.coverage.shortfalls]
    return table


def _shortfall_runs(report: Report) -> Table:
    """The shortfalls as the page shows them: a house's consecutive weeks with the same figures and causes in
    one row (a big city's quarter has thousands of week rows; the CSV and XLSX keep them all)."""
    table = Table("fehlstellen_zeitraeume", _l("Fehlstellen und ihre Ursachen"), [
        Column(_l("Unterkunft")), Column(_l("Kategorie")), Column(_l("Wochen")), Column(_l("Anzahl Wochen"), "count"),
        Column(_l("fehlend je Woche (Stunden)"), "hours"), Column(_l("Ursachen je Woche"))],
        note=_l("Asylverfahrensberatung zuerst; aufeinanderfolgende Wochen mit gleichen Zahlen und Ursachen in "
                "einer Zeile."), page_only=True)
    runs: list[list] = []
    for name, category, week, _planned, _required, missing, causes in report.tables["fehlstellen"].rows:
        last = runs[-1] if runs else None
        if (last is not None and last[0] == name and last[1] == category and last[5] == causes
                and last[4] == missing and last[6] + dt.timedelta(days=7) == week):
            last[6] = week
            last[3] += 1
            continue
        runs.append([name, category, week, 1, missing, causes, week])
    for run in runs:
        first, last = run[2], run.pop(6)
        run[2] = f"{first:%d.%m.%Y}" if first == last else f"{first:%d.%m.%Y} – {last:%d.%m.%Y}"
    table.rows = runs
    return table


def _volunteers(report: Report) -> Table:
    work = report.volunteers
    table = Table("ehrenamt", _l("Ehrenamtliche Arbeit"), [Column(_l("Kennzahl")), Column(_l("Wert"), "count")],
                  note=_l("Ohne personenbezogene Angaben; Zahlen unter 3 erscheinen als „< 3“."))
    table.rows = [[_l("aktive Ehrenamtliche"), small(work.active)],
                  [_l("Stunden in den Räumen (je Person gezählt)"), hours(60 * work.minutes)],
                  [_l("Einzelbuchungen von Ehrenamtlichen"), work.booking_dates],
                  [_l("Schulungen gehalten"), NOT_AVAILABLE if work.trainings_held is None else work.trainings_held],
                  [_l("Schulungsteilnahmen"),
                   NOT_AVAILABLE if work.trainings_attended is None else work.trainings_attended]]
    return table


def _volunteer_offers(report: Report) -> Table:
    work = report.volunteers
    table = Table("ehrenamt_angebote", _l("Angebote von Ehrenamtlichen nach Kategorie"),
                  [Column(_l("Kategorie")), Column(_l("Termine"), "count"), Column(_l("Stunden"), "hours")])
    table.rows = [[LazyString(category_name, c), work.offer_dates[c], hours(60 * work.offer_minutes[c])]
                  for c in utilisation.CATEGORIES if c in work.offer_dates]
    return table


def _volunteer_places(report: Report) -> Table:
    table = Table("ehrenamt_unterkuenfte", _l("Ehrenamtliche je Unterkunft"), [
        Column(_l("Unterkunft")), Column(_l("aktive Ehrenamtliche"), "count"), Column(_l("Stunden"), "hours")])
    table.rows = [[p.accommodation.name, small(p.volunteers),
                   hours(60 * p.minutes) if p.volunteers >= volunteer_work.SMALL else small(p.volunteers)]
                  for p in report.volunteers.places]
    return table
