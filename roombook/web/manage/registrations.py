"""The coordinator's page of those who signed up on /mitmachen and confirmed their address: approve (the account
is made and its first-password link mailed) or decline with a message; and invitation links, for volunteers
by coordinators, for any role by admins. The rules are roombook.access.joining's."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from roombook.access import joining, permissions
from roombook.coordination.offers import all_providers
from roombook.coordination.volunteers import LANGUAGES as SPOKEN
from roombook.db import db, transaction
from roombook.i18n import LANGUAGES as PAGE_LANGUAGES
from roombook.models.people import Role
from roombook.models.recruitment import Registration
from roombook.web.fields import CheckboxesField
from roombook.web.forms import EMAIL_CHECKS, Form
from roombook.web.manage.forms import CATEGORY_LABELS, ROLE_LABELS, choices
from roombook.web.manage.gates import bp, coordinator_required, my_accommodations


class DecisionForm(Form):
    message = TextAreaField(_l("Nachricht an die Person (bei Ablehnung)"),
                            validators=[Optional(), Length(max=joining.MAX_MESSAGE)])
    submit = SubmitField()


class InviteForm(Form):
    email = EmailField(_l("E-Mail"), validators=EMAIL_CHECKS)
    role = SelectField(_l("Rolle"))
    accommodations = CheckboxesField(_l("Unterkünfte (für die Hausleitung)"), coerce=int)
    provider = SelectField(_l("Fachbereich (für Fachbereiche)"), validators=[Optional()])
    language = SelectField(_l("Sprache der Einladung"), choices=choices(PAGE_LANGUAGES.items()))
    submit = SubmitField(_l("Einladung schicken"))


def _invite_form() -> InviteForm:
    """The roles the current user may invite to are the form's only choices (anything else: 422 at the field)."""
    form = InviteForm(prefix="invite")
    form.role.choices = choices((role.value, label) for role, label in ROLE_LABELS.items()
                                if permissions.can_invite(current_user, role))
    form.accommodations.choices = choices((a.id, a.name) for a in my_accommodations())
    form.provider.choices = choices([("", "–")] + [(str(p.id), p.name) for p in all_providers(db.session)])
    return form


def _page(invite_form: InviteForm | None = None, status: int = 200):
    return render_template("manage/registrations.html", registrations=joining.awaiting_decision(db.session),
                           decision_form=DecisionForm(), invite_form=invite_form or _invite_form(),
                           invites_staff=permissions.can_invite(current_user, Role.FACILITY_MANAGER), languages=SPOKEN,
                           labels=CATEGORY_LABELS, tz=ZoneInfo(current_app.config["ROOMBOOK_TIMEZONE"])), status


@bp.get("/manage/registrations", endpoint="registrations")
@coordinator_required
def registrations():
    """Confirmed registrations awaiting a decision, and the invitation form."""
    return _page()


@bp.post("/manage/registrations/<int:registration_id>/<any(approve, decline):decision>")
@coordinator_required
def decide_registration(registration_id: int, decision: str):
    registration = db.session.get(Registration, registration_id) or abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(map(str, errors)), "error")
        return _page(status=422)
    try:
        with transaction():
            if decision == "approve":
                joining.approve(db.session, current_user, registration,
                                base_url=current_app.config["ROOMBOOK_BASE_URL"])
            else:
                joining.decline(db.session, current_user, registration, form.message.data or "")
    except joining.RegistrationClosed as closed:
        flash(str(closed.message), "error")
        return _page(status=409)
    except joining.JoiningError as error:
        flash(str(error.message), "error")
        return _page(status=422)
    flash(_("%(name)s ist angenommen und bekommt eine E-Mail, um das Passwort festzulegen.",
            name=registration.display_name) if decision == "approve" else
          _("%(name)s ist abgelehnt und bekommt Ihre Nachricht per E-Mail.", name=registration.display_name), "info")
    return redirect(url_for("manage.registrations"))


@bp.post("/manage/invitations")
@coordinator_required
def send_invitation():
    form = _invite_form()
    if form.validate_on_submit():
        try:
            with transaction():
                token = joining.invite(db.session, current_user, email=form.email.data, role=form.role.data,
                                       accommodation_ids=form.accommodations.data or [],
                                       provider_id=int(form.provider.data) if form.provider.data else None,
                                       language=form.language.data, base_url=current_app.config["ROOMBOOK_BASE_URL"])
        except joining.JoiningError as error:
            getattr(form, error.field).errors.append(error.message)
        except joining.TooManyRequests:
            flash(_("Zu viele Einladungen. Bitte versuchen Sie es später noch einmal."), "error")
            return _page(form, 429)
        else:
            flash(_("Die Einladung an %(email)s ist verschickt.", email=token.email), "info")
            return redirect(url_for("manage.registrations"))
    return _page(form, 422)
