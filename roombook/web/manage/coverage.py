"""Coverage of the council's minimums per accommodation, category and week (the coordinator's), and the
drill-down of a cell: its offers, and the volunteers who could help, to be asked (roombook.web.manage.asking)."""
from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import DataRequired, Optional

from roombook import clock
from roombook.clock import week_of
from roombook.coordination import asking, coverage, qualifications, volunteers
from roombook.coordination.categories import MANDATORY
from roombook.db import db
from roombook.models import Accommodation
from roombook.web.fields import CheckboxesField
from roombook.web.forms import Form
from roombook.web.manage.forms import CATEGORY_LABELS, CoverageForm, choices
from roombook.web.manage.gates import bp, coordinator_required, load_accommodation

# A date's state in the drill-down, in words (the stored value is a code).
OCCURRENCE_STATES = {"scheduled": _l("findet statt"), "cancelled": _l("fällt aus"), "moved": _l("verlegt")}
# Where a volunteer asked stands, in words.
STATUS_WORDS = {"asked": _l("gefragt"), "accepted": _l("zugesagt"), "declined": _l("abgesagt"),
                "withdrawn": _l("zurückgezogen")}


class AskForm(Form):
    """The volunteers ticked on the drill-down, for the gap's week."""

    week = DateField(_l("Woche"), validators=[DataRequired()])
    volunteers = CheckboxesField(_l("Ehrenamtliche"), coerce=int)
    lang = HiddenField()


class LanguageFilterForm(Form):
    """A language the helpers should speak, as a GET query of the drill-down (no CSRF)."""

    class Meta:
        csrf = False

    week = DateField(validators=[Optional()])
    lang = SelectField(_l("Sprache gewünscht"), validators=[Optional()])


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


def load_cell_place(key: str, category: str) -> Accommodation:
    """The accommodation of a drill-down cell (the gate's 404 for one not the user's); a category without a
    minimum has no cell and is not found either."""
    place = load_accommodation(key)
    if category not in {c.value for c in MANDATORY}:
        abort(404)
    return place


def render_cell(place: Accommodation, category: str, week: dt.date | None, *, lang: str | None = None,
                ask_form: AskForm | None = None) -> str:
    """The drill-down page: the cell's offers, and who could help, ranked, with why, to be asked."""
    week = week_of(week) if week else clock.week_to_show()
    lang = lang if lang in volunteers.LANGUAGES else None
    cell = asking.gap(db.session, place, category, week)
    matches = asking.match_volunteers(db.session, cell, language=lang)
    if ask_form is None:
        ask_form = AskForm(data={"week": week, "lang": lang or ""})
    ask_form.volunteers.choices = choices((m.volunteer.id, m.volunteer.display_name or m.volunteer.email)
                                          for m in matches)
    lang_form = LanguageFilterForm(data={"week": week, "lang": lang or ""})
    lang_form.lang.choices = choices([("", _("keine")), *volunteers.LANGUAGES.items()])
    return render_template("manage/coverage_cell.html", place=place, category=category, week=week,
                           cell=cell,
                           lines=coverage.cell_offers(db.session, place, category, week), labels=CATEGORY_LABELS,
                           matches=matches, ask_form=ask_form, lang_form=lang_form, statuses=STATUS_WORDS,
                           needed=qualifications.needed_for(db.session, place.id, category),
                           kind_name=qualifications.kind_name,
                           languages=volunteers.LANGUAGES, states=OCCURRENCE_STATES)


@bp.get("/manage/coverage/<key>/<category>")
@coordinator_required
def coverage_cell(key: str, category: str):
    place = load_cell_place(key, category)
    form = LanguageFilterForm(request.args)
    form.lang.choices = choices([("", ""), *((code, code) for code in volunteers.LANGUAGES)])
    if not form.validate():
        abort(400)
    return render_cell(place, category, form.week.data, lang=form.lang.data)
