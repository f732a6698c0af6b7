"""The council's report (/manage/reports): a page with charts and tables, and the same as XLSX or CSV.

Facility managers get it for their accommodations, coordinators and admins for the city. The old coverage
CSV (/manage/coverage.csv) now leads here, to the coverage table of the new CSV.
"""
from __future__ import annotations

import datetime as dt

from flask import Response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from roombook import clock
from roombook.db import db
from roombook.i18n import category_name, current_language
from roombook.reports import council, exports, periods
from roombook.web.manage.forms import CoverageForm
from roombook.web.manage.gates import (
    bp,
    coordinator_required,
    my_accommodations,
    staff_required,
)


def _date(name: str, errors: dict[str, str]) -> dt.date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[name] = _("Bitte ein Datum wie 2027-03-31 angeben.")
        return None


def _period() -> tuple[dt.date, dt.date, dict[str, str]]:
    """The asked period ([from, to), `to` exclusive), the last complete quarter by default, and input errors."""
    errors: dict[str, str] = {}
    first, end = _date("from", errors), _date("to", errors)
    default_first, default_end = periods.last_complete_quarter()
    first, end = first or default_first, end or default_end
    if not errors:
        try:
            periods.check_period(first, end)
        except periods.PeriodError as exc:
            errors[exc.field] = _("Der Zeitraum muss nach seinem Beginn enden und darf höchstens %(days)d Tage "
                                  "umfassen.", days=periods.MAX_DAYS) if exc.field == "to" else \
                _("Bitte ein Datum im Kalender angeben.")
    return first, end, errors


@bp.get("/manage/reports")
@staff_required
def reports():
    first, end, errors = _period()
    fmt = request.args.get("format", "html")
    if errors or fmt not in ("html", "csv", "xlsx"):
        if fmt not in ("html", "csv", "xlsx"):
            errors["format"] = _("Unbekanntes Format.")
        return render_template("manage/reports.html", report=None, errors=errors, first=first, end=end), 422
    report = council.build(db.session, my_accommodations(), first, end)
    name = f"bericht-{first:%Y-%m-%d}-{report.last:%Y-%m-%d}"
    if fmt == "xlsx":
        return Response(exports.report_xlsx(report),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
    if fmt == "csv":
        table = request.args.get("table") or None
        if table is not None and table not in report.tables:
            errors["table"] = _("Unbekannte Tabelle.")
            return render_template("manage/reports.html", report=None, errors=errors, first=first, end=end), 422
        return Response(exports.report_csv(report, table), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}{'-' + table if table else ''}.csv"})
    # matplotlib (and NumPy under it) only in a worker that draws a report: the master and the others stay lean
    from roombook.reports import charts

    categories = [category_name(c) for c in report.coverage.categories]
    figures = {
        "nutzung_wochen": charts.usage_heatmap(report, _("Anteil der Öffnungszeit für den Zweck je Unterkunft und Woche")),
        "abdeckung_kategorien": charts.coverage_bars(report, _("Abdeckung je Kategorie in Stunden"), categories,
                                                     _("Stunden")),
        "schliessungen": charts.closed_bars(report, _("Geschlossene Stunden nach Art"), _("Stunden")),
    }
    return render_template("manage/reports.html", report=report, errors={}, first=first, end=end, charts=figures,
                           today=clock.today(), show=council.number_format(current_language()))


@bp.get("/manage/coverage.csv")
@coordinator_required
def coverage_csv():
    """The coverage CSV of before, now a table of the report: the same weeks, German and in hours."""
    form = CoverageForm(request.args)
    first = clock.week_of(form.week.data if form.validate() and form.week.data else clock.today())
    weeks = form.weeks.data if form.validate() and form.weeks.data else 4
    return redirect(url_for("manage.reports", format="csv", table="abdeckung", **{
        "from": first.isoformat(), "to": (first + dt.timedelta(weeks=weeks)).isoformat()}))


@bp.app_template_filter("decimal")
def decimal_filter(value) -> str:
    """A number as the page's language writes it (a decimal comma in German)."""
    return format_decimal(value)
