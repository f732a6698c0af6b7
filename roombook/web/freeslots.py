"""The search for a free slot across the city (phone first): the filters of GET /api/v1/free-slots as a
form read from the query string, and results that book in one click through the booking form."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from roombook import clock
from roombook.booking.freeslots import (
    MAX_DAYS,
    MAX_WEEKS,
    WEEKDAYS,
    SlotSearch,
    find_free_slots,
)
from roombook.booking.recurrence import to_utc
from roombook.booking.service import MAX_TITLE
from roombook.db import db
from roombook.models import Accommodation, Room
from roombook.web.common import bp
from roombook.web.fields import CheckboxesField
from roombook.web.forms import Form

# What the rooms' features are called on the pages; a feature not named here shows as it is stored.
FEATURE_LABELS = {
    "step_free": _l("stufenlos"), "whiteboard": _l("Whiteboard"), "kitchen": _l("Küche"),
    "childcare_corner": _l("Kinderecke"), "private": _l("ungestört (für Beratung)"), "projector": _l("Beamer"),
}
DAY_LABELS = dict(zip(WEEKDAYS, (_l("Mo"), _l("Di"), _l("Mi"), _l("Do"), _l("Fr"), _l("Sa"), _l("So")), strict=True))
DURATIONS = (30, 45, 60, 90, 120, 180, 240)
RESULTS_SHOWN = 30


def feature_label(feature: str) -> str:
    return str(FEATURE_LABELS.get(feature, feature))


class FreeSlotForm(Form):
    """The search, read from the query string (a GET form: results are a link one can share)."""

    class Meta:
        csrf = False

    start = DateField(_l("Ab"), validators=[Optional()])
    days = IntegerField(_l("Wie viele Tage durchsuchen?"), default=14,
                        validators=[Optional(), NumberRange(1, MAX_DAYS, _l("Zwischen 1 und 31 Tagen."))])
    weekdays = CheckboxesField(_l("Wochentage"), choices=[SelectChoice(day, label) for day, label in DAY_LABELS.items()])
    after = TimeField(_l("Beginn frühestens"), validators=[Optional()])
    before = TimeField(_l("Ende spätestens"), validators=[Optional()])
    duration = SelectField(_l("Dauer"), coerce=int, default=60,
                           choices=[SelectChoice(m, _l("%(num)d Minuten", num=m)) for m in DURATIONS])
    min_capacity = IntegerField(_l("Plätze mindestens"), validators=[
        Optional(), NumberRange(1, 10_000, _l("Bitte eine Zahl ab 1 angeben."))])
    features = CheckboxesField(_l("Ausstattung"))
    accommodation = SelectField(_l("Unterkunft"), default="", validate_choice=True)
    near = SelectField(_l("In der Nähe von"), default="", validate_choice=True)
    weeks = IntegerField(_l("Wie viele Wochen? (1 = nur einmal)"), default=1, validators=[
        Optional(), NumberRange(1, MAX_WEEKS, _l("Bitte eine Zahl zwischen 1 und 52 angeben."))])
    title = StringField(_l("Titel (wofür?)"), validators=[Optional()])
    submit = SubmitField(_l("Suchen"))

    def validate_weekdays(self, field) -> None:
        if any(day not in WEEKDAYS for day in field.data or []):
            raise ValidationError(_l("Bitte Wochentage aus der Liste wählen."))

    def validate_before(self, field) -> None:
        if field.data and self.after.data and isinstance(self.duration.data, int) and \
                dt.datetime.combine(dt.date.min, field.data) - dt.datetime.combine(dt.date.min, self.after.data) \
                < dt.timedelta(minutes=self.duration.data):
            raise ValidationError(_l("Zwischen Beginn und Ende muss die Dauer Platz haben."))

    def validate_title(self, field) -> None:
        if field.data and len(field.data) > MAX_TITLE:
            raise ValidationError(_l("Höchstens %(max)d Zeichen.", max=MAX_TITLE))

    def search(self, places: dict[str, Accommodation], tz: ZoneInfo) -> SlotSearch:
        first = self.start.data or clock.today(tz)
        last = first + dt.timedelta(days=self.days.data or 14)
        return SlotSearch(
            start=to_utc(dt.datetime.combine(first, dt.time(0)), tz),
            end=to_utc(dt.datetime.combine(last, dt.time(0)), tz),
            duration=dt.timedelta(minutes=self.duration.data),
            weekdays=frozenset(WEEKDAYS.index(d) for d in self.weekdays.data) if self.weekdays.data
            else frozenset(range(7)),
            after=self.after.data, before=self.before.data, min_capacity=self.min_capacity.data,
            features=frozenset(self.features.data or []),
            accommodation_id=places[self.accommodation.data].id if self.accommodation.data else None,
            near=places.get(self.near.data) if self.near.data else None, weeks=self.weeks.data or 1)


def _known_features() -> list[str]:
    features = {f for room_features in db.session.scalars(sa.select(Room.features)) for f in room_features or []}
    return sorted(features, key=lambda f: feature_label(f).lower())


@bp.get("/free-slots")
@login_required
def free_slots():
    """Search free slots across the city; each result opens (or, with a title, submits) the booking form."""
    tz = ZoneInfo(current_app.config["ROOMBOOK_TIMEZONE"])
    form = FreeSlotForm(request.args)
    places = {p.key: p for p in db.session.scalars(sa.select(Accommodation).order_by(Accommodation.name))}
    anywhere = [SelectChoice(key, p.name) for key, p in places.items()]
    form.accommodation.choices = [SelectChoice("", _l("alle")), *anywhere]
    form.near.choices = [SelectChoice("", _l("egal")), *anywhere]
    form.features.choices = [SelectChoice(f, feature_label(f)) for f in _known_features()]
    if not form.start.raw_data:
        form.start.data = clock.today(tz)
    asked = "submit" in request.args
    if not asked:
        return render_template("free_slots.html", form=form, slots=None)
    if not form.validate():
        return render_template("free_slots.html", form=form, slots=None), 422
    slots = find_free_slots(db.session, current_user, form.search(places, tz))
    return render_template("free_slots.html", form=form, slots=slots[:RESULTS_SHOWN], total=len(slots),
                           feature_label=feature_label)
