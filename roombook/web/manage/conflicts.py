"""The conflict inbox: what a plan (or the engine) displaced, with the facts and alternatives to decide it; the
open room changes, each one decision for a whole closure, at its top; the conflicts grouped by the change that
caused them and by series, and a series decided at once."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from roombook.booking.errors import BookingError
from roombook.changes import pages
from roombook.conflicts import decisions as conflicts
from roombook.conflicts import grouping
from roombook.db import db, transaction
from roombook.web.manage.forms import ResolveForm, SeriesResolveForm
from roombook.web.manage.gates import (
    bp,
    load_conflict,
    my_accommodations,
    staff_required,
)

# --- the conflict inbox ------------------------------------------------------------------------------------

def _inbox(series_form: SeriesResolveForm | None = None, refused_for: int | None = None, status: int = 200):
    places = my_accommodations()
    items = [conflicts.facts(db.session, c) for c in conflicts.open_conflicts(db.session, places)]
    return render_template("manage/conflicts.html", items=items, groups=grouping.group_inbox(db.session, items),
                           kinds=conflicts.KIND_LABELS,
                           decided=conflicts.decided_conflicts(db.session, places, limit=20), form=ResolveForm(),
                           series_form=series_form or SeriesResolveForm(formdata=None), refused_for=refused_for,
                           changes=pages.changes_of(db.session, places, only_open=True)), status


@bp.get("/manage/conflicts")
@staff_required
def conflicts_inbox():
    return _inbox()


@bp.post("/manage/conflicts/<int:conflict_id>/resolve-series")
@staff_required
def resolve_series(conflict_id: int):
    """Every open conflict of this conflict's series at once: the first free alternative each, or cancelled."""
    conflict = load_conflict(conflict_id)
    form = SeriesResolveForm()
    if form.validate_on_submit():
        if form.action.data == conflicts.CANCEL and not (form.note.data or "").strip():
            form.note.errors.append(_("Bitte eine Begründung angeben."))
        else:
            try:
                with transaction():
                    decided = grouping.resolve_series(db.session, current_user, conflict, form.action.data,
                                                      note=form.note.data or "",
                                                      base_url=current_app.config["ROOMBOOK_BASE_URL"])
            except (conflicts.DecisionRefused, BookingError) as exc:
                form.action.errors.append(str(exc.message))
            else:
                flash(ngettext("%(num)d Konflikt entschieden.", "%(num)d Konflikte entschieden.", len(decided)),
                      "info")
                return redirect(url_for("manage.conflicts_inbox"))
    return _inbox(form, conflict_id, 422)


@bp.get("/manage/conflicts/<int:conflict_id>")
@staff_required
def conflict(conflict_id: int):
    conflict = load_conflict(conflict_id)
    return render_template("manage/conflict.html", item=conflicts.facts(db.session, conflict),
                           kinds=conflicts.KIND_LABELS, form=ResolveForm(formdata=None))


@bp.post("/manage/conflicts/<int:conflict_id>/resolve")
@staff_required
def resolve(conflict_id: int):
    conflict = load_conflict(conflict_id)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            with transaction():
                conflicts.resolve_conflict(db.session, current_user, conflict, form.action.data,
                                           note=form.note.data or "", alternative=form.alternative.data,
                                           base_url=current_app.config["ROOMBOOK_BASE_URL"])
        except (conflicts.DecisionRefused, BookingError) as exc:
            getattr(form, getattr(exc, "field", "action"), form.action).errors.append(str(exc.message))
        else:
            flash(_("Entschieden."), "info")
            return redirect(url_for("manage.conflicts_inbox"))
    conflict = load_conflict(conflict_id)
    return render_template("manage/conflict.html", item=conflicts.facts(db.session, conflict),
                           kinds=conflicts.KIND_LABELS, form=form), 422
