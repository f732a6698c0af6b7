"""Forms of the management pages (Flask-WTF: CSRF on every post)."""
from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from roombook.booking.rooms import FEATURES
from roombook.changes.deciding import ACCEPT, ASK, CANCEL, FREE, OPTION
from roombook.coordination.categories import MANDATORY, VALUES
from roombook.i18n import category_name
from roombook.models import ChangeItem
from roombook.models.people import Role
from roombook.models.reservations import ClosurePurpose
from roombook.web.fields import CheckboxesField, TranslationsField
from roombook.web.forms import Form

# Category names in the page's language, read when shown (the residents' texts have each language's names).
CATEGORY_LABELS = {c: LazyString(category_name, c) for c in VALUES}
# the roles as people name them (invitations, the audit trail)
ROLE_LABELS = {Role.VOLUNTEER: _l("Ehrenamt"), Role.FACILITY_MANAGER: _l("Hausleitung"),
               Role.DEPARTMENT: _l("Fachbereich"), Role.COORDINATOR: _l("Koordination"),
               Role.ADMIN: _l("Verwaltung")}


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms options."""
    return [SelectChoice(value, label) for value, label in pairs]


class RoomForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(_l("Plätze"), validators=[InputRequired(), NumberRange(1, 1000)])
    features = CheckboxesField(_l("Ausstattung"), choices=choices(FEATURES.items()))
    open_hours = TextAreaField(_l("Öffnungszeiten, je Zeile z. B. „Mo 08:00-20:00“"), validators=[Length(max=2000)])
    max_booking_minutes = IntegerField(_l("Längste Buchung (Minuten)"),
                                       validators=[InputRequired(), NumberRange(15, 1440)])
    max_days_ahead = IntegerField(_l("Höchstens Tage im Voraus"), validators=[InputRequired(), NumberRange(1, 730)])
    max_open_bookings = IntegerField(_l("Offene Buchungen je Person"),
                                     validators=[InputRequired(), NumberRange(1, 500)])
    submit = SubmitField(_l("Speichern"))


# Why a room is closed, in the words of the closure form (the stored value is a code).
PURPOSE_LABELS = {ClosurePurpose.MAINTENANCE: _l("Wartung"),
                  ClosurePurpose.OTHER_USE: _l("andere Nutzung durch die Verwaltung"),
                  ClosurePurpose.HOLIDAY: _l("Feiertag"), ClosurePurpose.OTHER: _l("Sonstiges")}


class ClosureForm(Form):
    start = DateTimeLocalField(_l("Beginn"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    # empty: the room is taken until further notice (the series move for good)
    end = DateTimeLocalField(_l("Ende"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    kind = SelectField(_l("Art"), choices=choices(PURPOSE_LABELS.items()), default=ClosurePurpose.OTHER)
    reason = StringField(_l("Grund"), validators=[DataRequired(), Length(max=300)])
    preview = SubmitField(_l("Vorschau"))
    apply = SubmitField(_l("Schließung anwenden"))


class DecisionForm(Form):
    """The decision of a room change: one choice per series (fields `item_<id>`, added per change by
    `decision_form`), applied together."""

    submit = SubmitField(_l("Bestätigen"))

    def series_fields(self) -> dict[int, RadioField]:
        return {int(name.removeprefix("item_")): f for name, f in self._fields.items() if name.startswith("item_")}

    def decisions(self) -> list[dict]:
        """The choices as roombook.changes.deciding.apply_change takes them."""
        decided = []
        for item_id, f in self.series_fields().items():
            action, _sep, number = f.data.partition("-")
            decision = {"item": item_id, "action": action, **({"option": int(number)} if number else {})}
            if action == FREE:
                room = self[f"free_room_{item_id}"].data
                decision.update(room=int(room) if room and room.isdigit() else None,
                                day=self[f"free_day_{item_id}"].data, start=self[f"free_start_{item_id}"].data)
            decided.append(decision)
        return decided

    def refuse(self, items: list[int], message) -> bool:
        """Show a refusal at the series it names; False when it names none of them (the page shows it once,
        above the series)."""
        named = [f for item_id, f in self.series_fields().items() if item_id in items]
        for f in named:
            f.errors = [*f.errors, message]
        return bool(named)


# The weekdays a place chosen freely may take, in the form's words.
DAY_CHOICES = [("mon", _l("Montag")), ("tue", _l("Dienstag")), ("wed", _l("Mittwoch")), ("thu", _l("Donnerstag")),
               ("fri", _l("Freitag")), ("sat", _l("Samstag")), ("sun", _l("Sonntag"))]


def decision_form(items: list[ChangeItem], *, posted: bool, rooms=()) -> DecisionForm:
    """The form for these series: each takes its proposal unless told otherwise (a series without one is
    cancelled unless another option is chosen); each may also take a room, weekday and time chosen freely
    among `rooms` (the accommodation's, with their seats)."""
    fields = {}
    room_choices = [("", "–")] + [(str(r.id), f"{r.name} ({r.capacity})") for r in rooms]
    for item in items:
        values = [ACCEPT, *(f"{OPTION}-{n}" for n in range(len(item.options))), CANCEL, ASK, FREE]
        fields[f"item_{item.id}"] = RadioField(choices=choices((v, v) for v in values),
                                               default=ACCEPT if item.proposal is not None else CANCEL)
        fields[f"free_room_{item.id}"] = SelectField(_l("Raum"), choices=choices(room_choices), default="")
        fields[f"free_day_{item.id}"] = SelectField(_l("Wochentag"), choices=choices(DAY_CHOICES), default="mon")
        fields[f"free_start_{item.id}"] = StringField(_l("Beginn"), validators=[Optional(), Length(max=5)])
    form_class = type("ChangeDecisionForm", (DecisionForm,), fields)
    return form_class() if posted else form_class(formdata=None)


class ConfirmForm(Form):
    """A post that needs nothing but its CSRF token (remove, publish, discard)."""

    submit = SubmitField("OK")


class ResolveForm(Form):
    action = SelectField(_l("Entscheidung"), choices=choices([("accept", _l("Alternative übernehmen")),
                                                              ("cancel", _l("Absagen")), ("override", _l("Vorrang"))]))
    alternative = IntegerField(_l("Alternative"), validators=[Optional(), NumberRange(0, 100)])
    note = TextAreaField(_l("Begründung"), validators=[Length(max=1000)])


class SeriesResolveForm(Form):
    """One decision for every open conflict of a series (roombook.conflicts.grouping.resolve_series)."""

    action = SelectField(_l("Entscheidung"), choices=choices([("accept", _l("Jeweils erste freie Alternative")),
                                                              ("cancel", _l("Alle absagen"))]))
    note = TextAreaField(_l("Begründung"), validators=[Length(max=1000)])


class PlanRunForm(Form):
    scope = SelectMultipleField(_l("Unterkünfte"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Planung starten"))


class OfferForm(Form):
    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Beschreibung"), validators=[Length(max=2000)])
    category = SelectField(_l("Kategorie"), choices=choices(CATEGORY_LABELS.items()))
    accommodation = SelectField(_l("Unterkunft"), choices=[])
    providers = SelectMultipleField(_l("Anbieter"), choices=[], validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Dauer (Minuten)"), validators=[InputRequired(), NumberRange(15, 720)])
    sessions_per_week = IntegerField(_l("Termine pro Woche"), validators=[InputRequired(), NumberRange(1, 7)])
    participants = IntegerField(_l("Teilnehmende"), validators=[InputRequired(), NumberRange(1, 500)])
    needs_features = CheckboxesField(_l("Braucht Ausstattung"), choices=choices(FEATURES.items()))
    # the choices are the known kinds, set per request (roombook.coordination.qualifications)
    qualifications = CheckboxesField(_l("Ehrenamtliche brauchen diese Nachweise"), choices=[])
    guaranteed = BooleanField(_l("Garantierter Termin"))
    valid_from = DateField(_l("Ab"), validators=[InputRequired()])
    valid_until = DateField(_l("Bis"), validators=[Optional()])
    translations = TranslationsField(_l("Übersetzungen"))
    submit = SubmitField(_l("Speichern"))


class RequirementsForm(Form):
    residents = IntegerField(_l("Bewohnerinnen und Bewohner (Anzahl)"), validators=[Optional(), NumberRange(0, 100000)])
    submit = SubmitField(_l("Speichern"))


for _category in MANDATORY:
    setattr(RequirementsForm, f"minutes_{_category.value}",
            IntegerField(_l("%(category)s (Minuten pro Woche)", category=CATEGORY_LABELS[_category]),
                         validators=[Optional(), NumberRange(0, 10080)]))


class CoverageForm(Form):
    """Query parameters of the coverage pages (GET, so without CSRF)."""

    class Meta:
        csrf = False

    week = DateField(_l("Ab Woche"), validators=[Optional()])
    weeks = IntegerField(_l("Wochen"), validators=[Optional(), NumberRange(1, 26)])


class HideOfferForm(Form):
    """Hide a public offer from the residents; the reason is told to whoever booked it."""

    reason = TextAreaField(_l("Grund (wird der Person mitgeteilt, die gebucht hat)"), validators=[
        DataRequired(_l("Bitte einen Grund angeben.")), Length(max=300, message=_l("Höchstens %(max)d Zeichen."))])
    submit = SubmitField(_l("Für Bewohner ausblenden"))


class TranslationsForm(Form):
    """A room's name and venue note in the residents' further languages."""

    translations = TranslationsField(_l("Übersetzungen"), parts=("name", "venue_note"))
    submit = SubmitField(_l("Übersetzungen speichern"))
