"""A volunteer's requests for help (roombook.coordination.asking): the open ones on the start page, all of them on
a page of their own, and one request's page (where the mail links) to accept or decline it, once."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from roombook.access.permissions import can_answer_help_request
from roombook.coordination import asking
from roombook.db import db, transaction
from roombook.models import HelpAsk
from roombook.web.common import bp
from roombook.web.forms import Form

STATUS_WORDS = {"asked": _l("offen"), "accepted": _l("zugesagt"), "declined": _l("abgesagt"),
                "withdrawn": _l("zurückgezogen")}


class HelpAnswerForm(Form):
    answer = RadioField(_l("Ihre Antwort"), choices=[SelectChoice("accept", _l("Ich übernehme das")),
                                                     SelectChoice("decline", _l("Ich kann leider nicht"))],
                        validators=[InputRequired(_l("Bitte zusagen oder absagen."))])
    message = TextAreaField(_l("Nachricht an die Koordination (freiwillig)"))


def load_own_ask(ask_id: int) -> HelpAsk:
    """A request the current user was asked in; anyone else's is not found."""
    ask = db.session.get(HelpAsk, ask_id)
    if ask is None or not can_answer_help_request(current_user, ask.volunteer_id):
        abort(404)
    return ask


def size_of(ask: HelpAsk) -> tuple[int, int]:
    return asking.offer_size(ask.request.minutes)


@bp.app_context_processor
def _help_words():
    return {"help_statuses": STATUS_WORDS, "help_size": size_of}


@bp.get("/my/help-requests")
@login_required
def my_help_requests():
    if not can_answer_help_request(current_user, current_user.id):  # only volunteers are asked
        abort(403)
    return render_template("my_help_requests.html", asks=asking.asks_of(db.session, current_user))


@bp.route("/my/help-requests/<int:ask_id>", methods=["GET", "POST"])
@login_required
def my_help_request(ask_id: int):
    ask = load_own_ask(ask_id)
    form = HelpAnswerForm()
    if form.validate_on_submit():
        try:
            with transaction():
                asking.answer_request(db.session, current_user, ask, accept=form.answer.data == "accept",
                                      message=form.message.data or "",
                                      base_url=current_app.config["ROOMBOOK_BASE_URL"])
        except asking.AskingError as exc:
            getattr(form, exc.field, form.answer).errors.append(exc.message)
        else:
            flash(_("Danke! Ihre Zusage ist bei der Koordination; die nächste Planung setzt die Termine.")
                  if form.answer.data == "accept" else _("Ihre Absage ist bei der Koordination."), "info")
            return redirect(url_for("web.start"))
        db.session.refresh(ask)
    status = 422 if form.is_submitted() else 200
    return render_template("my_help_request.html", ask=ask, form=form), status
