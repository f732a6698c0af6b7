"""The room changes a closure opens: the list, and the one page that decides a change, every series at once.

The page proposes for each series what roombook.changes.repair found best; "Bestätigen" applies every choice in
one transaction (roombook.changes.deciding), or none: a refusal is shown at the series it names, with the
choices kept. Once applied, the page shows what was decided, who was told, and which posters to print again.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roombook.booking.errors import BookingError
from roombook.changes import deciding, pages
from roombook.db import db, transaction
from roombook.models import RoomChange
from roombook.web.manage.forms import DecisionForm, decision_form
from roombook.web.manage.gates import bp, load_change, my_accommodations, staff_required


@bp.get("/manage/changes")
@staff_required
def changes():
    return render_template("manage/changes.html", changes=pages.changes_of(db.session, my_accommodations()))


def _change_page(change: RoomChange, form: DecisionForm, status: int = 200, refusal: str | None = None):
    return render_template("manage/change.html", view=pages.change_view(db.session, change), form=form,
                           refusal=refusal), status


@bp.route("/manage/changes/<int:change_id>", methods=["GET", "POST"])
@staff_required
def change(change_id: int):
    change = load_change(change_id)
    form = decision_form(list(change.items), posted=request.method == "POST",
                         rooms=sorted(change.accommodation.rooms, key=lambda r: (-r.capacity, r.name)))
    if request.method == "GET":
        return _change_page(change, form)
    if not form.validate_on_submit():
        return _change_page(change, form, 422)
    try:
        with transaction():
            deciding.apply_change(db.session, current_user, change, form.decisions(),
                                  base_url=current_app.config["ROOMBOOK_BASE_URL"])
    except deciding.ChangeRefused as exc:
        named = form.refuse(exc.items, exc.message)
        return _change_page(load_change(change_id), form, exc.status, None if named else str(exc.message))
    except BookingError as exc:  # a slot taken in the very moment: the database refused the overlap
        return _change_page(load_change(change_id), form, 409, str(exc.message))
    flash(_("Raumänderung angewendet. Alle Betroffenen werden benachrichtigt."), "info")
    return redirect(url_for("manage.change", change_id=change_id))
