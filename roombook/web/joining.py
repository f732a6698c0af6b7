"""Pages without a login for joining and getting back in: signing up on /mitmachen and confirming it by the
mailed link, a forgotten password, setting a password by a mailed link, accepting an invitation. The rules
are roombook.access.joining's and .password_reset's; these views parse, call one function and render.

Every form here that sends mail is rate-limited (429 with the reason); a link that is unknown, expired or
used answers 410 with one page for all three."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from roombook.access import joining, password_reset
from roombook.coordination.volunteers import LANGUAGES as SPOKEN
from roombook.coordination.volunteers import SKILLS
from roombook.db import db, transaction
from roombook.i18n import category_name, current_language
from roombook.i18n.joining_texts import introductions
from roombook.models.recruitment import TokenPurpose
from roombook.security import client_address
from roombook.web.common import bp
from roombook.web.fields import CheckboxesField
from roombook.web.forms import EMAIL_CHECKS, Form


class SignUpForm(Form):
    name = StringField(_l("Ihr Name"), validators=[DataRequired(_l("Bitte Ihren Namen angeben.")), Length(max=200)])
    email = EmailField(_l("E-Mail"), validators=EMAIL_CHECKS)
    languages = CheckboxesField(_l("Sprachen, die Sie sprechen"),
                                choices=[SelectChoice(code, name) for code, name in SPOKEN.items()])
    skills = CheckboxesField(_l("Was Sie gern tun möchten"),
                             choices=[SelectChoice(skill, LazyString(category_name, skill)) for skill in SKILLS])
    note = TextAreaField(_l("Möchten Sie uns noch etwas sagen?"), validators=[Length(max=joining.MAX_NOTE)])
    consent = BooleanField(_l("Ich habe die Datenschutzhinweise gelesen und bin einverstanden, dass meine Angaben "
                              "dafür gespeichert werden."),
                           validators=[DataRequired(_l("Bitte stimmen Sie der Datenschutzerklärung zu."))])
    submit = SubmitField(_l("Anmelden und E-Mail bestätigen"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Anmeldung bestätigen"))


class ResetRequestForm(Form):
    email = EmailField(_l("E-Mail"), validators=EMAIL_CHECKS)
    submit = SubmitField(_l("Link schicken"))


class NewPasswordForm(Form):
    password = PasswordField(_l("Neues Passwort"), validators=[DataRequired(_l("Bitte ein Passwort angeben.")),
                                                              Length(max=joining.MAX_PASSWORD)])
    repeat = PasswordField(_l("Passwort wiederholen"), validators=[DataRequired(_l("Bitte das Passwort wiederholen."))])
    submit = SubmitField(_l("Passwort speichern"))


class InvitationForm(NewPasswordForm):
    name = StringField(_l("Ihr Name"), validators=[DataRequired(_l("Bitte Ihren Namen angeben.")), Length(max=200)])
    submit = SubmitField(_l("Konto anlegen"))


def _base_url() -> str:
    return current_app.config["ROOMBOOK_BASE_URL"]


def _too_many(template: str, **context):
    flash(_("Zu viele Anfragen. Bitte versuchen Sie es später noch einmal."), "error")
    return render_template(template, **context), 429


def _bad_link():
    return render_template("joining/bad_link.html"), 410


def _link_page(secret: str, purposes: set[TokenPurpose], form: Form, template: str, act: Callable[[Form], object],
               done: str, **done_context):
    """The page a mailed link opens: 410 while the link is not good (also when it was used up at this very
    moment); a valid post runs `act(form)` in one transaction and shows `done`; a refusal is shown at its
    field (422) and the link stays good."""
    token = joining.live_token(db.session, secret, purposes)
    if token is None:
        return _bad_link()
    if form.validate_on_submit():
        try:
            with transaction():
                act(form)
        except joining.JoiningError as error:
            getattr(form, error.field).errors.append(error.message)
        except joining.LinkInvalid:
            return _bad_link()
        else:
            return render_template(done, **done_context)
    # the address the link was mailed to: an invitation's own, else its account's (a password manager reads it)
    email = token.email or (token.user.email if token.user else "")
    return render_template(template, form=form, email=email), 422 if request.method == "POST" else 200


@bp.route("/mitmachen", methods=["GET", "POST"])
def signup():
    """The public sign-up: the same answer for every address, a mail to it, nothing else until it is confirmed."""
    form = SignUpForm()
    context = {"form": form, "introductions": introductions(current_language())}
    if form.validate_on_submit():
        try:
            with transaction():
                joining.sign_up(db.session, name=form.name.data, email=form.email.data,
                                languages=form.languages.data or [], skills=form.skills.data or [],
                                note=form.note.data or "", consent=form.consent.data, language=current_language(),
                                client=client_address(), base_url=_base_url())
        except joining.JoiningError as error:
            getattr(form, error.field).errors.append(error.message)
        except joining.TooManyRequests:
            return _too_many("joining/signup.html", **context)
        else:
            return redirect(url_for("web.signup", sent=1))
    status = 422 if request.method == "POST" else 200
    return render_template("joining/signup.html", sent=request.args.get("sent") == "1", **context), status


@bp.route("/mitmachen/confirm/<secret>", methods=["GET", "POST"])
def confirm_signup(secret: str):
    """The mailed link: a button confirms (a mail scanner following the link confirms nothing)."""
    return _link_page(secret, {TokenPurpose.CONFIRM}, ConfirmForm(), "joining/confirm.html",
                      lambda form: joining.confirm_registration(db.session, secret), "joining/confirmed.html")


@bp.route("/password/reset", methods=["GET", "POST"])
def forgot_password():
    """'Passwort vergessen?': the same answer whether or not the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            with transaction():
                password_reset.request_reset(db.session, form.email.data, language=current_language(),
                                             client=client_address(), base_url=_base_url())
        except joining.TooManyRequests:
            return _too_many("joining/forgot_password.html", form=form)
        return redirect(url_for("web.forgot_password", sent=1))
    status = 422 if request.method == "POST" else 200
    return render_template("joining/forgot_password.html", form=form, sent=request.args.get("sent") == "1"), status


@bp.route("/password/new/<secret>", methods=["GET", "POST"])
def new_password(secret: str):
    """Set a password by a mailed link (a reset, or the first one after approval); then sign in with it."""
    return _link_page(secret, password_reset.SETS_PASSWORD, NewPasswordForm(), "joining/new_password.html",
                      lambda form: password_reset.reset_password(db.session, secret, form.password.data,
                                                                 form.repeat.data),
                      "joining/done.html", heading=_l("Passwort gespeichert"),
                      message=_l("Ihr Passwort ist gespeichert. Bitte melden Sie sich damit an."))


@bp.route("/invitation/<secret>", methods=["GET", "POST"])
def accept_invitation(secret: str):
    """An invited person chooses their name and password; the link is used up and the account exists."""
    return _link_page(secret, {TokenPurpose.INVITATION}, InvitationForm(), "joining/invitation.html",
                      lambda form: joining.accept_invitation(db.session, secret, name=form.name.data,
                                                             password=form.password.data, repeated=form.repeat.data),
                      "joining/done.html", heading=_l("Konto angelegt"),
                      message=_l("Ihr Konto ist angelegt. Bitte melden Sie sich an."))
