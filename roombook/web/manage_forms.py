"""Forms of the management pages (Flask-WTF: CSRF on every post)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from roombook.categories import LABELS_DE, MANDATORY, VALUES


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms options."""
    return [SelectChoice(value, label) for value, label in pairs]


class RoomForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField("Plätze / Capacity", validators=[InputRequired(), NumberRange(1, 1000)])
    features = StringField("Ausstattung (durch Komma getrennt) / Features", validators=[Length(max=500)])
    open_hours = TextAreaField("Öffnungszeiten, je Zeile „mon 08:00-20:00“ / Opening hours",
                               validators=[Length(max=2000)])
    max_booking_minutes = IntegerField("Längste Buchung (Minuten) / Longest booking (minutes)",
                                       validators=[InputRequired(), NumberRange(15, 1440)])
    max_days_ahead = IntegerField("Höchstens Tage im Voraus / Days ahead at most",
                                  validators=[InputRequired(), NumberRange(1, 730)])
    max_open_bookings = IntegerField("Offene Buchungen je Person / Open bookings per person",
                                     validators=[InputRequired(), NumberRange(1, 500)])
    submit = SubmitField("Speichern / Save")


class ClosureForm(FlaskForm):
    start = DateTimeLocalField("Beginn / Start", format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    end = DateTimeLocalField("Ende / End", format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    reason = StringField("Grund / Reason", validators=[DataRequired(), Length(max=300)])
    preview = SubmitField("Vorschau / Preview")
    apply = SubmitField("Schließung anwenden / Apply closure")


class ConfirmForm(FlaskForm):
    """A post that needs nothing but its CSRF token (remove, publish, discard)."""

    submit = SubmitField("OK")


class ResolveForm(FlaskForm):
    action = SelectField("Entscheidung / Decision", choices=choices([("accept", "Alternative übernehmen"),
                                                                    ("cancel", "Absagen"), ("override", "Vorrang")]))
    alternative = IntegerField("Alternative", validators=[Optional(), NumberRange(0, 100)])
    note = TextAreaField("Begründung / Reason", validators=[Length(max=1000)])


class PlanRunForm(FlaskForm):
    scope = SelectMultipleField("Unterkünfte / Accommodations", choices=[], validate_choice=True)
    submit = SubmitField("Planung starten / Start plan run")


class OfferForm(FlaskForm):
    title = StringField("Titel / Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Beschreibung / Description", validators=[Length(max=2000)])
    category = SelectField("Kategorie / Category", choices=choices((c, LABELS_DE[c]) for c in VALUES))
    accommodation = SelectField("Unterkunft / Accommodation", choices=[])
    providers = SelectMultipleField("Anbieter / Providers", choices=[], validators=[DataRequired()])
    duration_minutes = IntegerField("Dauer (Minuten) / Duration", validators=[InputRequired(), NumberRange(15, 720)])
    sessions_per_week = IntegerField("Termine pro Woche / Sessions per week",
                                     validators=[InputRequired(), NumberRange(1, 7)])
    participants = IntegerField("Teilnehmende / Participants", validators=[InputRequired(), NumberRange(1, 500)])
    needs_features = StringField("Braucht Ausstattung / Needs features", validators=[Length(max=300)])
    guaranteed = BooleanField("Garantierter Termin / Guaranteed")
    valid_from = DateField("Ab / From", validators=[InputRequired()])
    valid_until = DateField("Bis / Until", validators=[Optional()])
    submit = SubmitField("Speichern / Save")


class RequirementsForm(FlaskForm):
    residents = IntegerField("Bewohnerinnen und Bewohner (Anzahl) / Residents (number)",
                             validators=[Optional(), NumberRange(0, 100000)])
    submit = SubmitField("Speichern / Save")


for _category in MANDATORY:
    setattr(RequirementsForm, f"minutes_{_category.value}",
            IntegerField(f"{LABELS_DE[_category]} (Minuten pro Woche)", validators=[Optional(), NumberRange(0, 10080)]))


class CoverageForm(FlaskForm):
    """Query parameters of the coverage pages (GET, so without CSRF)."""

    class Meta:
        csrf = False

    week = DateField("Ab Woche / From week", validators=[Optional()])
    weeks = IntegerField("Wochen / Weeks", validators=[Optional(), NumberRange(1, 26)])


class ChooseForm(FlaskForm):
    """A volunteer takes one of the alternatives offered for their displaced booking."""

    alternative = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Diese Zeit nehmen / Take this time")
