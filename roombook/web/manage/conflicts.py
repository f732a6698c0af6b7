"""The conflict inbox: what a plan (or the engine) displaced, with the facts and alternatives to decide it; the
open room changes, each one decision for a whole closure, at its top."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roombook.booking.errors import BookingError
from roombook.changes import pages
from roombook.conflicts import decisions as conflicts
from roombook.db import db, transaction
from roombook.web.manage.forms import ResolveForm
from roombook.web.manage.gates import (
    bp,
    load_conflict,
    my_accommodations,
    staff_required,
)

# --- the conflict inbox ------------------------------------------------------------------------------------

@bp.get("/manage/conflicts")
@staff_required
def conflicts_inbox():
    places = my_accommodations()
    items = [conflicts.facts(db.session, c) for c in conflicts.open_conflicts(db.session, places)]
    return render_template("manage/conflicts.html", items=items, kinds=conflicts.KIND_LABELS,
                           decided=conflicts.decided_conflicts(db.session, places, limit=20), form=ResolveForm(),
                           changes=pages.changes_of(db.session, places, only_open=True))


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
