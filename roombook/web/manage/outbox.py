"""The outbox: which mails went out, which wait or failed."""
from __future__ import annotations

from flask import current_app, render_template

from roombook.db import db
from roombook.notifications import outbox as notifications
from roombook.web.manage.gates import bp, coordinator_required

# --- the outbox ---------------------------------------------------------------------------------------------------

@bp.get("/manage/outbox")
@coordinator_required
def outbox():
    return render_template("manage/outbox.html", messages=notifications.outbox(db.session),
                           smtp=notifications.smtp_settings(current_app) is not None)
