"""The coordinator's trainings (list, create with sessions, sign-ups and waiting list, attendance) and the
qualifications recorded per volunteer. The rules are roombook.coordination.trainings and .qualifications."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from roombook import clock
from roombook.booking.recurrence import to_utc
from roombook.coordination import qualifications, trainings
from roombook.db import db, transaction
from roombook.models import (
    Accommodation,
    Qualification,
    Room,
    Training,
    TrainingSession,
    TrainingSignup,
    User,
)
from roombook.models.people import Role
from roombook.web.forms import Form
from roombook.web.manage.forms import ConfirmForm, choices
from roombook.web.manage.gates import bp, coordinator_required

SESSION_ROWS = 3


class TrainingForm(Form):
    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=trainings.MAX_TITLE)])
    description = TextAreaField(_l("Beschreibung"), validators=[Length(max=trainings.MAX_DESCRIPTION)])
    seats = IntegerField(_l("Plätze"), validators=[InputRequired(), NumberRange(1, trainings.MAX_SEATS)])
    deadline = DateTimeLocalField(_l("Anmeldung bis"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    requires = SelectField(_l("Wer teilnehmen darf"), choices=[])
    qualification = SelectField(_l("Wer an allen Terminen teilnimmt, erhält"), choices=[])
    submit = SubmitField(_l("Schulung anlegen"))

    def rows(self):
        return [(n, getattr(self, f"s{n}_room"), getattr(self, f"s{n}_place"), getattr(self, f"s{n}_start"),
                 getattr(self, f"s{n}_end")) for n in range(1, SESSION_ROWS + 1)]


for _n in range(1, SESSION_ROWS + 1):
    setattr(TrainingForm, f"s{_n}_room", SelectField(_l("Termin %(n)d: Raum", n=_n), choices=[],
                                                     validate_choice=False))
    setattr(TrainingForm, f"s{_n}_place", StringField(_l("Termin %(n)d: oder Ort außerhalb", n=_n),
                                                      validators=[Optional(), Length(max=trainings.MAX_PLACE)]))
    setattr(TrainingForm, f"s{_n}_start", DateTimeLocalField(_l("Termin %(n)d: Beginn", n=_n),
                                                             format="%Y-%m-%dT%H:%M", validators=[Optional()]))
    setattr(TrainingForm, f"s{_n}_end", DateTimeLocalField(_l("Termin %(n)d: Ende", n=_n),
                                                           format="%Y-%m-%dT%H:%M", validators=[Optional()]))


class QualificationForm(Form):
    kind = SelectField(_l("Nachweis"), choices=[])
    seen_on = DateField(_l("Gesehen am"), validators=[InputRequired()])
    valid_until = DateField(_l("Gültig bis (leer: nach der üblichen Dauer)"), validators=[Optional()])
    issued_on = DateField(_l("Datum des Führungszeugnisses"), validators=[Optional()])
    clear = BooleanField(_l("Das Führungszeugnis enthält keinen Eintrag nach §72a SGB VIII"))
    submit = SubmitField(_l("Nachweis erfassen"))


def _city() -> ZoneInfo:
    return ZoneInfo(current_app.config["ROOMBOOK_TIMEZONE"])


def _load_training(training_id: int) -> Training:
    return db.session.get(Training, training_id) or abort(404)


def _load_volunteer(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.VOLUNTEER:
        abort(404)
    return user


@bp.get("/manage/trainings")
@coordinator_required
def trainings_list():
    return render_template("manage/trainings.html", trainings=trainings.all_trainings(db.session),
                           seats_taken=trainings.seats_taken, waiting_list=trainings.waiting_list, tz=_city())


def _room_choices() -> list:
    rooms = db.session.execute(sa.select(Room.key, Room.name, Accommodation.name).join(Room.accommodation)
                               .where(Room.venue_note.is_(None)).order_by(Accommodation.name, Room.name)).all()
    return choices([("", _("– kein Raum –"))] + [(key, f"{place}: {name}") for key, name, place in rooms])


@bp.route("/manage/trainings/new", methods=["GET", "POST"])
@coordinator_required
def training_new():
    form = TrainingForm()
    kinds = qualifications.kind_choices(db.session)
    form.qualification.choices = choices([("", _("nichts")), (trainings.COMPLETED, _("„Schulung abgeschlossen“"))]
                                         + kinds)
    form.requires.choices = choices([("", _("alle Ehrenamtlichen"))] + [
        (code, _("nur mit Nachweis „%(kind)s“", kind=name)) for code, name in kinds])
    rooms = _room_choices()
    for _n, room_field, *_rest in form.rows():
        room_field.choices = rooms
    if form.validate_on_submit():
        tz = _city()
        planned = []
        for n, room_field, place_field, start_field, end_field in form.rows():
            if start_field.data is None and end_field.data is None and not room_field.data and not place_field.data:
                continue
            if start_field.data is None or end_field.data is None:
                (start_field if start_field.data is None else end_field).errors.append(_("Bitte angeben."))
                continue
            room = db.session.scalar(sa.select(Room).where(Room.key == room_field.data)) if room_field.data else None
            if room_field.data and room is None:
                room_field.errors.append(_("Diesen Raum gibt es nicht."))
                continue
            zone = room.tz if room is not None else tz
            planned.append(trainings.PlannedSession(start=to_utc(start_field.data, zone),
                                                    end=to_utc(end_field.data, zone), room=room,
                                                    place=place_field.data or ""))
        if not any(f.errors for f in form):
            try:
                with transaction():
                    training = trainings.create_training(
                        db.session, current_user, title=form.title.data, description=form.description.data or "",
                        seats=form.seats.data, deadline=to_utc(form.deadline.data, tz), sessions=planned,
                        qualification=form.qualification.data or None, requires=form.requires.data or None,
                        now=clock.now())
                    training_id = training.id
            except trainings.TrainingError as exc:
                _field_error(form, exc)
            else:
                flash(_("Schulung angelegt; die Räume sind gebucht."), "info")
                return redirect(url_for("manage.training_detail", training_id=training_id))
    status = 422 if request.method == "POST" else 200
    return render_template("manage/training_form.html", form=form), status


def _field_error(form: TrainingForm, exc: trainings.TrainingError) -> None:
    """A refusal at its field: `sessions[1].room` is the second row's room."""
    name = exc.field
    if name.startswith("sessions["):
        index, _dot, part = name[len("sessions["):].partition("].")
        name = f"s{int(index) + 1}_{part or 'start'}"
    elif name == "sessions":
        name = "s1_start"
    field = getattr(form, name, None) or form.title
    field.errors = [*field.errors, exc.message]


@bp.get("/manage/trainings/<int:training_id>")
@coordinator_required
def training_detail(training_id: int):
    training = _load_training(training_id)
    return render_template("manage/training.html", training=training, form=ConfirmForm(), tz=_city(),
                           confirmed=trainings.confirmed_signups(training),
                           waiting=trainings.waiting_list(training),
                           present=trainings.attendance_of(db.session, training))


@bp.post("/manage/trainings/<int:training_id>/sessions/<int:session_id>/attendance")
@coordinator_required
def training_attendance(training_id: int, session_id: int):
    training = _load_training(training_id)
    meeting = db.session.get(TrainingSession, session_id)
    if meeting is None or meeting.training_id != training.id:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        present = {int(value) for value in request.form.getlist("present")}
    except ValueError:
        abort(400)
    try:
        with transaction():
            done = trainings.record_attendance(db.session, current_user, meeting, present, now=clock.now())
            flash(_("Anwesenheit gespeichert.") + (" " + _("%(num)d haben die Schulung abgeschlossen.",
                                                            num=len(done)) if done else ""), "info")
    except trainings.TrainingError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("manage.training_detail", training_id=training_id))


@bp.post("/manage/trainings/<int:training_id>/signups/<int:signup_id>/cancel")
@coordinator_required
def training_cancel_signup(training_id: int, signup_id: int):
    signup = db.session.get(TrainingSignup, signup_id)
    if signup is None or signup.training_id != training_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction():
        moved = trainings.cancel_signup(db.session, current_user, signup, now=clock.now(),
                                        base_url=current_app.config["ROOMBOOK_BASE_URL"])
        name = (moved.user.display_name or moved.user.email) if moved is not None else None
    flash(_("Abgemeldet.") + (" " + _("%(name)s ist nachgerückt.", name=name) if name else ""), "info")
    return redirect(url_for("manage.training_detail", training_id=training_id))


@bp.route("/manage/volunteers/<int:user_id>/qualifications", methods=["GET", "POST"])
@coordinator_required
def volunteer_qualifications(user_id: int):
    volunteer = _load_volunteer(user_id)
    form = QualificationForm()
    form.kind.choices = choices(qualifications.kind_choices(db.session))
    if form.validate_on_submit():
        try:
            with transaction():
                qualifications.record_qualification(
                    db.session, current_user, volunteer, qualifications.kind_for_code(db.session, form.kind.data),
                    seen_on=form.seen_on.data, valid_until=form.valid_until.data, issued_on=form.issued_on.data,
                    clear=form.clear.data, today=clock.today())
        except qualifications.QualificationError as exc:
            getattr(form, exc.field, form.kind).errors.append(exc.message)
        else:
            flash(_("Nachweis erfasst."), "info")
            return redirect(url_for("manage.volunteer_qualifications", user_id=user_id))
    status = 422 if request.method == "POST" else 200
    return render_template("manage/qualifications.html", volunteer=volunteer, form=form, delete_form=ConfirmForm(),
                           held=qualifications.qualifications_of(db.session, volunteer.id), today=clock.today(),
                           kind_name=qualifications.kind_name), status


@bp.post("/manage/volunteers/<int:user_id>/qualifications/<int:qualification_id>/delete")
@coordinator_required
def volunteer_qualification_delete(user_id: int, qualification_id: int):
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None or qualification.user_id != user_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction():
        qualifications.delete_qualification(db.session, current_user, qualification)
    flash(_("Nachweis gelöscht."), "info")
    return redirect(url_for("manage.volunteer_qualifications", user_id=user_id))
