"""Forms (Flask-WTF: CSRF on every one). They parse and check input; the rules live in the domain."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import support
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from roombook import clock
from roombook.booking.offer_details import AUDIENCE_LABELS
from roombook.booking.recurrence import to_utc
from roombook.booking.service import MAX_TITLE
from roombook.coordination.categories import VALUES as CATEGORIES
from roombook.coordination.volunteers import LANGUAGES as SPOKEN
from roombook.coordination.volunteers import SKILLS
from roombook.db import TextFault, storable, text_fault
from roombook.i18n import LANGUAGES, category_name
from roombook.models import VolunteerProfile
from roombook.models.reservations import AUDIENCES
from roombook.web.fields import (
    CheckboxesField,
    HoursField,
    TranslationsField,
    WeekTimesField,
)


def _texts(data) -> list[str]:
    """The text in a field's data: one value, a list from a multiple choice, or a list of weekly times."""
    values = data if isinstance(data, list) else [data]
    values = [part for value in values for part in (value.values() if isinstance(value, dict) else [value])]
    return [value for value in values if isinstance(value, str)]


def _text_fault(field: Field) -> TextFault | None:
    """The first fault of a field's text (db.text_fault). A password is never shown, and refusing one of its
    characters could lock its owner out: only what no database can store counts there."""
    for value in _texts(field.data):
        if isinstance(field, PasswordField):
            fault = None if storable(value) else TextFault.UNSTORABLE
        else:
            fault = text_fault(value, multiline=isinstance(field, TextAreaField))
        if fault is not None:
            return fault
    return None


TEXT_FAULTS = {
    TextFault.UNSTORABLE: _l("Enthält ein Zeichen, das sich nicht speichern lässt (z. B. ein Nullzeichen)."),
    TextFault.CONTROL: _l("Enthält ein Steuerzeichen (etwa einen Zeilenumbruch), das hier nicht stehen darf."),
    TextFault.BIDI: _l("Enthält ein Steuerzeichen der Schreibrichtung (U+202A–U+202E, U+2066–U+2069), das den "
                       "Text anders erscheinen lässt, als er ist."),
    TextFault.INVISIBLE: _l("Besteht nur aus unsichtbaren Zeichen."),
}


@lru_cache(maxsize=None)
def _wtforms_messages(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """Every form of the app: each field's own checks, after the checks every field needs: its text
    (db.text_fault) and its dates (clock.in_calendar)."""

    class Meta:
        def get_translations(self, form):
            """WTForms' own messages in the page's language, loaded once per language and process
            (Flask-WTF reads the catalogue from disk on every request)."""
            return _wtforms_messages(str(get_locale()))

    def validate(self, extra_validators=None) -> bool:
        faults = {field: fault for field in self if (fault := _text_fault(field)) is not None}
        if any(fault == TextFault.UNSTORABLE for fault in faults.values()):
            # the other checks could reach the database with it: they do not run
            for field, fault in faults.items():
                field.errors = [TEXT_FAULTS[fault]]
            return False
        valid = super().validate(extra_validators)
        for field, fault in faults.items():
            field.errors = [TEXT_FAULTS[fault]]
        for field in self:
            if isinstance(field.data, dt.date) and not clock.in_calendar(_day(field.data)) and not field.errors:
                field.errors = [_l("Bitte ein Datum zwischen den Jahren %(first)d und %(last)d angeben.",
                                   first=clock.FIRST_DAY.year, last=clock.LAST_DAY.year)]
        return valid and not any(field.errors for field in self)

    def refusal(self) -> str:
        """The fields at fault with their messages, for a plain 400 of a form read from the query string."""
        return "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in self.errors.items())


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# The checks of every e-mail address a form asks for (signing in, signing up, a reset, an invitation).
EMAIL_CHECKS = (DataRequired(_l("Bitte die E-Mail-Adresse angeben.")),
                Email(_l("Das ist keine E-Mail-Adresse."), check_deliverability=False), Length(max=254))


class LoginForm(Form):
    email = EmailField(_l("E-Mail"), validators=EMAIL_CHECKS)
    password = PasswordField(_l("Passwort"), validators=[DataRequired(_l("Bitte das Passwort angeben.")),
                                                         Length(max=200)])
    remember = BooleanField(_l("Angemeldet bleiben"))
    submit = SubmitField(_l("Anmelden"))


class LanguageForm(Form):
    lang = StringField(validators=[InputRequired(), AnyOf(list(LANGUAGES))])
    next = HiddenField()


class BookingForm(Form):
    """A one-off or weekly booking. Room choices are set by the view (the rooms this user may book)."""

    room = SelectField(_l("Raum"), validators=[InputRequired(_l("Bitte einen Raum wählen."))],
                       validate_choice=True)
    date = DateField(_l("Datum"), validators=[InputRequired(_l("Bitte ein Datum angeben (TT.MM.JJJJ)."))])
    start = TimeField(_l("Beginn"), validators=[InputRequired(_l("Bitte die Anfangszeit angeben (HH:MM)."))])
    end = TimeField(_l("Ende"), validators=[InputRequired(_l("Bitte die Endzeit angeben (HH:MM)."))])
    title = StringField(_l("Titel (wofür?)"), validators=[
        DataRequired(_l("Bitte einen Titel angeben.")),
        Length(max=MAX_TITLE, message=_l("Höchstens %(max)d Zeichen."))])
    weeks = IntegerField(_l("Wie viele Wochen? (1 = nur einmal)"), default=1, validators=[
        Optional(), NumberRange(1, 52, _l("Bitte eine Zahl zwischen 1 und 52 angeben."))])
    until = DateField(_l("… oder wöchentlich bis (letzter Termin)"), validators=[Optional()])
    book_rest = BooleanField(_l("Wochen, die nicht gebucht werden können, auslassen und die übrigen buchen"))
    submit = SubmitField(_l("Buchen"))

    def interval(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """Start and end as UTC instants, read as wall-clock times in the room's zone."""
        return (to_utc(dt.datetime.combine(self.date.data, self.start.data), tz),
                to_utc(dt.datetime.combine(self.date.data, self.end.data), tz))


SCOPE_CHOICES = [SelectChoice("this", _l("Nur diesen Termin")),
                 SelectChoice("following", _l("Diesen und alle folgenden Termine")),
                 SelectChoice("series", _l("Die ganze Serie"))]


class CancelForm(Form):
    scope = RadioField(_l("Was absagen?"), choices=SCOPE_CHOICES, default="this")
    reason = TextAreaField(_l("Grund der Absage"), validators=[
        DataRequired(_l("Bitte einen Grund angeben.")), Length(max=300, message=_l("Höchstens %(max)d Zeichen."))])
    submit = SubmitField(_l("Buchung absagen"))


class ChangeForm(Form):
    """Changing a date or its series: only the fields that differ from the date's own values are changed
    (so a single-date edit of another field stays). Room choices are set by the view."""

    scope = RadioField(_l("Was ändern?"), choices=SCOPE_CHOICES, default="this")
    start_time = TimeField(_l("Beginn"), validators=[InputRequired(_l("Bitte die Anfangszeit angeben (HH:MM)."))])
    minutes = IntegerField(_l("Dauer in Minuten"), validators=[
        InputRequired(_l("Bitte die Dauer in Minuten angeben.")),
        NumberRange(1, 20160, _l("Bitte eine Dauer zwischen 1 und 20160 Minuten angeben."))])
    room = SelectField(_l("Raum"), validators=[InputRequired(_l("Bitte einen Raum wählen."))], validate_choice=True)
    title = StringField(_l("Titel (wofür?)"), validators=[
        DataRequired(_l("Bitte einen Titel angeben.")),
        Length(max=MAX_TITLE, message=_l("Höchstens %(max)d Zeichen."))])
    submit = SubmitField(_l("Änderung speichern"))


class WeekForm(Form):
    """The ?week= (any day of the week) and ?room= of the week view, read from the query string."""

    class Meta:
        csrf = False

    week = DateField(validators=[Optional()])
    room = StringField(validators=[Optional(), Length(max=120)])
    lang = StringField(validators=[Optional(), Length(max=8)])


class ProfileForm(Form):
    """A volunteer's skills and wishes. Accommodation choices are set by the view; roombook.coordination.volunteers checks
    every value."""

    languages = CheckboxesField(_l("Sprachen, die Sie sprechen"),
                                choices=[SelectChoice(code, name) for code, name in SPOKEN.items()])
    skills = CheckboxesField(_l("Was Sie anbieten oder unterstützen können"),
                             choices=[SelectChoice(skill, LazyString(category_name, skill)) for skill in SKILLS])
    accommodations = CheckboxesField(_l("Wo Sie helfen möchten"), coerce=int)
    available = WeekTimesField(_l("Wann Sie Zeit haben"))
    max_hours = HoursField(_l("Stunden pro Woche, höchstens"), validators=[Optional()])
    note = TextAreaField(_l("Notiz für die Koordination"))
    submit = SubmitField(_l("Profil speichern"))

    def show(self, profile: VolunteerProfile | None) -> None:
        """Fill the fields from the stored profile (nothing for a volunteer who has none yet)."""
        if profile is None:
            return
        self.languages.data = list(profile.languages)
        self.skills.data = list(profile.skills)
        self.accommodations.data = [place.id for place in profile.accommodations]
        self.available.data = list(profile.available)
        minutes = profile.max_minutes_per_week
        self.max_hours.data = None if minutes is None else round(minutes / 60, 2)
        self.note.data = profile.note

    def profile(self) -> dict:
        """The keyword arguments of roombook.coordination.volunteers.save_profile."""
        return {"languages": self.languages.data or [], "skills": self.skills.data or [],
                "accommodation_ids": self.accommodations.data or [], "available": self.available.data,
                "max_hours": self.max_hours.data, "note": self.note.data or ""}


class AbsenceForm(Form):
    """A volunteer's days away (roombook.changes.absences checks the days)."""

    starts_on = DateField(_l("Vom"), validators=[InputRequired(_l("Bitte ein Datum angeben (TT.MM.JJJJ)."))])
    ends_on = DateField(_l("Bis einschließlich"),
                        validators=[InputRequired(_l("Bitte ein Datum angeben (TT.MM.JJJJ)."))])
    absence_note = TextAreaField(_l("Anmerkung zur Abwesenheit (freiwillig)"))
    add = SubmitField(_l("Abwesenheit eintragen"))


class ChooseForm(Form):
    """A volunteer takes one of the alternatives offered for their displaced booking."""

    alternative = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Diese Zeit nehmen"))


class AnswerForm(Form):
    """A volunteer's answer about their series after a room change: take the held slot, another option, or
    give the dates up. `next` is the page the notice was answered on."""

    answer = StringField(validators=[InputRequired(), AnyOf(["accept", "option", "give_up"],
                                                            message=_l("Bitte eine der Antworten wählen."))])
    option = IntegerField(validators=[Optional(), NumberRange(0, 100)])
    next = HiddenField()


class OfferDetailsForm(Form):
    """What makes a booking an offer for residents (roombook.booking.offer_details checks the values)."""

    category = SelectField(_l("Art des Angebots"), choices=[SelectChoice("", _l("– keine, nur eine Reservierung –"))]
                           + [SelectChoice(c, LazyString(category_name, c)) for c in CATEGORIES],
                           validate_choice=False)
    languages = CheckboxesField(_l("Sprachen"), choices=[SelectChoice(code, name) for code, name in SPOKEN.items()])
    audience = SelectField(_l("Für wen?"), choices=[SelectChoice("", "–")] + [SelectChoice(a, AUDIENCE_LABELS[a])
                                                                   for a in AUDIENCES],
                           validate_choice=False)
    description = TextAreaField(_l("Kurze Beschreibung"), validators=[Length(max=1000)])
    participants = IntegerField(_l("Teilnehmende (höchstens)"), validators=[
        Optional(), NumberRange(1, 10000, _l("Bitte eine ganze Zahl ab 1 angeben."))])
    public = BooleanField(_l("Öffentlich: Bewohner sehen das Angebot im Wochenplan, auf dem Aushang und im Kalender"))
    public_contact = StringField(_l("Öffentlicher Kontakt (freiwillig)"), validators=[Length(max=200)])
    translations = TranslationsField(_l("Übersetzungen"))

    def details(self) -> dict:
        """The values for check_offer_details."""
        return {"category": self.category.data or None, "languages": list(self.languages.data or []),
                "audience": self.audience.data or None, "description": self.description.data or "",
                "participants": self.participants.data, "public": bool(self.public.data),
                "public_contact": self.public_contact.data or ""}


class BookingOfferForm(BookingForm, OfferDetailsForm):
    """The booking form with the offer details (the submit button stays last)."""


class MailSettingsForm(Form):
    """Which mails a person gets besides the notices of changes (those cannot be switched off)."""

    confirmations = BooleanField(_l("Bestätigungen mit Kalender-Einladung, wenn ich buche oder absage"))
    reminders = BooleanField(_l("Erinnerung an die Termine eines Tages"))
    reminder_time = SelectField(_l("Erinnerung kommt"),
                                choices=[SelectChoice("evening", _l("am Vorabend um 18:00")),
                                         SelectChoice("morning", _l("am Morgen des Tages um 7:00"))],
                                validators=[InputRequired()], validate_choice=True)
    submit = SubmitField(_l("Speichern"))
