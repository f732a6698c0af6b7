"""Coverage of the council's minimums per accommodation, category and week (the coordinator's)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l

from roombook import clock
from roombook.clock import week_of
from roombook.coordination import coverage, qualifications, volunteers
from roombook.coordination.categories import MANDATORY
from roombook.db import db
from roombook.web.manage.forms import CATEGORY_LABELS, CoverageForm
from roombook.web.manage.gates import bp, coordinator_required, load_accommodation

# A date's state in the drill-down, in words (the stored value is a code).
OCCURRENCE_STATES = {"scheduled": _l("findet statt"), "cancelled": _l("fällt aus"), "moved": _l("verlegt")}

# --- coverage (coordinator) ----------------------------------------------------------------------------------

def _coverage_query() -> coverage.Coverage:
    form = CoverageForm(request.args)
    if not form.validate():
        abort(400)
    first = form.week.data or clock.week_to_show()
    return coverage.coverage(db.session, first, form.weeks.data or 4)


@bp.get("/manage/coverage")
@coordinator_required
def coverage_dashboard():
    return render_template("manage/coverage.html", cov=_coverage_query(), labels=CATEGORY_LABELS,
                           status_labels=coverage.STATUS_LABELS, form=CoverageForm(request.args))


@bp.get("/manage/coverage/print")
@coordinator_required
def coverage_print():
    return render_template("manage/coverage_print.html", cov=_coverage_query(), labels=CATEGORY_LABELS,
                           status_labels=coverage.STATUS_LABELS, today=clock.today())


@bp.get("/manage/coverage/<key>/<category>")
@coordinator_required
def coverage_cell(key: str, category: str):
    place = load_accommodation(key)
    if category not in {c.value for c in MANDATORY}:
        abort(404)
    form = CoverageForm(request.args)
    if not form.validate():
        abort(400)
    week = week_of(form.week.data) if form.week.data else clock.week_to_show()
    return render_template("manage/coverage_cell.html", place=place, category=category, week=week,
                           lines=coverage.cell_offers(db.session, place, category, week), labels=CATEGORY_LABELS,
                           helpers=volunteers.who_could_help(db.session, place, category),
                           needed=qualifications.needed_for(db.session, place.id, category),
                           kind_name=qualifications.kind_name,
                           languages=volunteers.LANGUAGES, states=OCCURRENCE_STATES)
