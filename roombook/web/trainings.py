"""A volunteer's trainings: the coming ones with their seats and waiting list, signing up and cancelling, their
own status and place, and the qualifications recorded for them. The rules are roombook.coordination.trainings."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from roombook import clock
from roombook.coordination import qualifications, trainings
from roombook.db import db, transaction
from roombook.models import Training, TrainingSignup, User
from roombook.models.trainings import SignupStatus
from roombook.web.common import bp
from roombook.web.manage.forms import ConfirmForm
from roombook.web.volunteers import volunteer_required


def start_block(session: Session, user: User, now: dt.datetime) -> list[tuple[Training, TrainingSignup]]:
    """For the start page: the coming trainings the volunteer is signed up for or waits for, with the sign-up."""
    return trainings.coming_signups(session, user, now)


@bp.get("/my/trainings")
@volunteer_required
def my_trainings():
    now, today = clock.now(), clock.today()
    coming = trainings.upcoming(db.session, now)
    return render_template("my_trainings.html", trainings=coming,
                           mine=trainings.signups_of_user(db.session, current_user), now=now,
                           seats_taken=trainings.seats_taken, form=ConfirmForm(),
                           tz=ZoneInfo(current_app.config["ROOMBOOK_TIMEZONE"]),
                           held=qualifications.qualifications_of(db.session, current_user.id),
                           kind_name=qualifications.kind_name, today=today,
                           open_to_me=trainings.open_to_user(db.session, current_user, coming, today))


def _training(training_id: int) -> Training:
    return db.session.get(Training, training_id) or abort(404)


@bp.post("/my/trainings/<int:training_id>/signup")
@volunteer_required
def training_sign_up(training_id: int):
    training = _training(training_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            signup = trainings.sign_up(db.session, current_user, training, now=clock.now())
            status, position = signup.status, signup.position
    except trainings.TrainingError as exc:
        flash(str(exc.message), "error")
    else:
        if status == SignupStatus.CONFIRMED:
            flash(_("Sie sind angemeldet."), "info")
        else:
            flash(_("Die Schulung ist voll: Sie stehen auf Platz %(position)d der Warteliste.", position=position),
                  "info")
    return redirect(url_for("web.my_trainings"))


@bp.post("/my/trainings/<int:training_id>/cancel")
@volunteer_required
def training_cancel(training_id: int):
    training = _training(training_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    signup = trainings.signup_of(db.session, training, current_user)
    if signup is None or signup.status == SignupStatus.CANCELLED:
        abort(404)
    with transaction():
        trainings.cancel_signup(db.session, current_user, signup, now=clock.now(),
                                base_url=current_app.config["ROOMBOOK_BASE_URL"])
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("web.my_trainings"))
