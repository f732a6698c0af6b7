"""The start page after login, one per role, and the page where a person chooses their mails.

A volunteer sees their next dates, what waits for their answer and their weekly series; a department its
next office hours and what changed in them; a facility manager the open room changes and conflicts of their
houses (the management home's read models); the coordinator (and an admin) also the coverage gaps. Links to
everything else. The read models live in their areas; this view only gathers them.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roombook import clock
from roombook.access import permissions
from roombook.booking import upcoming
from roombook.changes import pages
from roombook.conflicts import decisions as conflicts
from roombook.coordination import asking, coverage
from roombook.db import db, transaction
from roombook.i18n import category_name
from roombook.models.people import Role
from roombook.notifications import confirming
from roombook.web import trainings
from roombook.web.common import bp, feed_page_url
from roombook.web.forms import MailSettingsForm

GAPS_SHOWN = 12


@bp.get("/start")
@login_required
def start():
    now = clock.now()
    user = current_user
    parts: dict = {"next_dates": upcoming.next_dates(db.session, user.id, now),
                   "series": upcoming.series_of(db.session, user.id, now)}
    if user.role == Role.VOLUNTEER:
        parts["waiting"] = pages.booking_changes(db.session, user, now=now).waiting
        parts["displaced"] = upcoming.open_displacements(db.session, user.id)
        parts["my_trainings"] = trainings.start_block(db.session, user, now)
        parts["help_asks"] = asking.open_asks(db.session, user)
    if user.role == Role.DEPARTMENT and user.provider_id is not None:
        parts["office_hours"] = upcoming.provider_next_dates(db.session, user.provider_id, now)
        parts["office_changes"] = upcoming.provider_changes(db.session, user.provider_id, now)
    if permissions.can_use_manage_pages(user):
        places = permissions.managed_accommodations(db.session, user)
        parts["places"] = places
        parts["changes"] = pages.changes_of(db.session, places, only_open=True)
        parts["conflicts"] = conflicts.open_conflicts(db.session, places)
    if permissions.can_coordinate(user):
        gaps = coverage.coverage(db.session, clock.today(), 4).gaps()
        parts["gaps"], parts["gap_count"] = gaps[:GAPS_SHOWN], len(gaps)
    return render_template("start.html", feed_url=feed_page_url(), category_name=category_name, **parts)


@bp.route("/my/mail", methods=["GET", "POST"])
@login_required
def mail_settings():
    """Confirmations and reminders on or off, and when reminders come."""
    form = MailSettingsForm()
    if not form.is_submitted():
        saved = confirming.mail_settings(db.session, current_user)
        form = MailSettingsForm(data={"confirmations": saved.confirmations, "reminders": saved.reminders,
                                      "reminder_time": saved.reminder_time})
    if form.validate_on_submit():
        with transaction():
            confirming.set_mail_settings(db.session, current_user, confirmations=form.confirmations.data,
                                         reminders=form.reminders.data, reminder_time=form.reminder_time.data)
        flash(_("Ihre Mail-Einstellungen sind gespeichert."), "info")
        return redirect(url_for("web.mail_settings"))
    return render_template("mail_settings.html", form=form), 422 if form.errors else 200
