"""The page where a logged-in person exports or deletes their own data (session login, CSRF-protected)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, json, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from roombook.access import privacy
from roombook.db import db, transaction
from roombook.web.forms import Form

pages = Blueprint("privacy", __name__, url_prefix="/privacy")


class DeleteAccountForm(Form):
    password = PasswordField(_l("Passwort zur Bestätigung"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Mein Konto und meine Daten löschen"))


@pages.get("/")
@login_required
def privacy_page():
    return render_template("privacy.html", form=DeleteAccountForm())


@pages.get("/export.json")
@login_required
def export():
    data = privacy.export_user_data(db.session, current_user)
    # everything stored about a person: no cache, shared or the browser's own, may keep a copy
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="roombook-my-data.json"',
                             "Cache-Control": "no-store"})


@pages.post("/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if not form.validate_on_submit() or not current_user.check_password(form.password.data):
        flash(_("Das Passwort stimmt nicht."), "error")
        return render_template("privacy.html", form=form), 403
    user = current_user._get_current_object()
    with transaction() as session:
        privacy.delete_user(session, user, user)
    logout_user()
    flash(_("Ihr Konto und Ihre Daten wurden gelöscht."), "info")
    return redirect(url_for("web.index"))
