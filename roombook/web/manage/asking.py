"""Asking volunteers to fill a coverage gap (the coordinator's): the ask from the coverage drill-down, and the
requests with who was asked, who answered and whether the gap has closed."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roombook.coordination import asking
from roombook.db import db, transaction
from roombook.models import HelpAsk, HelpRequest
from roombook.web.manage.coverage import (
    STATUS_WORDS,
    AskForm,
    load_cell_place,
    render_cell,
)
from roombook.web.manage.forms import CATEGORY_LABELS, ConfirmForm
from roombook.web.manage.gates import bp, coordinator_required


@bp.post("/manage/coverage/<key>/<category>/ask")
@coordinator_required
def ask_volunteers(key: str, category: str):
    place = load_cell_place(key, category)
    form = AskForm()
    if form.validate_on_submit():
        try:
            with transaction():
                asking.ask_volunteers(db.session, current_user, place, category, form.week.data,
                                      form.volunteers.data or [], base_url=current_app.config["ROOMBOOK_BASE_URL"])
        except asking.AskingError as exc:
            getattr(form, exc.field, form.volunteers).errors.append(exc.message)
        else:
            flash(_("Angefragt; die Gefragten bekommen eine Mail und sehen die Anfrage auf ihrer Startseite."), "info")
            return redirect(url_for("manage.coverage_cell", key=key, category=category,
                                    week=form.week.data.isoformat(), lang=form.lang.data or None,
                                    _anchor="could-help"))
    return render_cell(place, category, form.week.data, lang=form.lang.data, ask_form=form), 422


@bp.get("/manage/help-requests")
@coordinator_required
def help_requests():
    return render_template("manage/help_requests.html", lines=asking.requests_overview(db.session),
                           labels=CATEGORY_LABELS, statuses=STATUS_WORDS, one=False, withdraw=ConfirmForm())


@bp.get("/manage/help-requests/<int:request_id>")
@coordinator_required
def help_request(request_id: int):
    request_row = db.session.get(HelpRequest, request_id) or abort(404)
    return render_template("manage/help_requests.html", lines=asking.request_lines(db.session, [request_row]),
                           labels=CATEGORY_LABELS, statuses=STATUS_WORDS, one=True, withdraw=ConfirmForm())


@bp.post("/manage/help-requests/<int:request_id>/asks/<int:ask_id>/withdraw")
@coordinator_required
def withdraw_help_ask(request_id: int, ask_id: int):
    ask = db.session.get(HelpAsk, ask_id)
    if ask is None or ask.request_id != request_id:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction():
            asking.withdraw_ask(db.session, current_user, ask, base_url=current_app.config["ROOMBOOK_BASE_URL"])
    except asking.AlreadyAnswered:
        flash(_("Diese Anfrage ist schon beantwortet."), "error")
    else:
        flash(_("Anfrage zurückgezogen."), "info")
    return redirect(url_for("manage.help_request", request_id=request_id))
