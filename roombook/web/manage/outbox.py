"""The outbox: which mails went out, which wait or failed."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from roombook.db import db
from roombook.notifications import outbox as notifications
from roombook.web.manage.gates import bp, coordinator_required

# --- the outbox ---------------------------------------------------------------------------------------------------

# What each kind of message is, as the code that queues it names it (roombook.notifications and the areas).
KINDS = {
    "account": _l("Konto"), "booking_changed": _l("Buchung geändert"), "booking_decision": _l("Entscheidung zu einer Buchung"),
    "booking_displaced": _l("Buchung verdrängt"), "change": _l("Raumänderung"), "confirmation": _l("Bestätigung"),
    "conflicts": _l("Neue Konflikte"), "coverage_gaps": _l("Lücken in der Abdeckung"), "digest": _l("Wochenübersicht"),
    "help_answer": _l("Antwort auf eine Anfrage"), "help_request": _l("Anfrage an Ehrenamtliche"),
    "help_withdrawn": _l("Anfrage zurückgezogen"),
    "notice": _l("Mitteilung"), "offer_hidden": _l("Angebot ausgeblendet"), "reminder": _l("Erinnerung"),
}

@bp.get("/manage/outbox")
@coordinator_required
def outbox():
    return render_template("manage/outbox.html", messages=notifications.outbox(db.session), kinds=KINDS,
                           smtp=notifications.smtp_settings(current_app) is not None)
