"""A volunteer's say in a room change: the notice at the top of every page while a question is open, and the
page of one series (where the mails link) to take the slot held for them, pick another, or give the dates up.

The words the change pages show for stored codes (statuses, kinds, how a proposal was found) live here too,
for the manager's pages and the volunteer's alike.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roombook.access.permissions import may_be_asked_about_changes
from roombook.booking.errors import BookingError
from roombook.changes import deciding, pages
from roombook.changes.absences import ABSENT, NO_VOLUNTEER, TAKEN_OVER
from roombook.changes.repair import ALL_PAST, NO_ROOM_FITS, NO_TIME_FREE
from roombook.db import db, transaction
from roombook.web.common import bp, load_own_series_question, safe_next
from roombook.web.forms import AnswerForm
from roombook.web.manage.forms import PURPOSE_LABELS

WORDS = {
    "purpose": PURPOSE_LABELS,
    "change": {"proposed": _l("offen"), "applied": _l("entschieden"), "discarded": _l("verworfen")},
    "item": {"open": _l("offen"), "moved": _l("verlegt"), "cancelled": _l("abgesagt"),
             "asked": _l("Ehrenamtliche entscheiden"), "kept": _l("bleibt abgesagt"),
             "taken_over": _l("übernommen")},
    "kind": {"offer": _l("Angebot"), "booking_series": _l("wöchentliche Buchung"), "booking": _l("einmalige Buchung")},
    "tier": {"room": _l("anderer Raum"), "time": _l("andere Zeit"), "venue": _l("Ausweichort"),
             "elsewhere": _l("andere Unterkunft"), TAKEN_OVER: _l("jemand anderes aus der Gruppe übernimmt")},
    "reason": {NO_ROOM_FITS: _l("Kein anderer Raum hat genug Plätze und die nötige Ausstattung."),
               NO_TIME_FREE: _l("Kein passender Raum ist an allen Terminen frei."),
               ALL_PAST: _l("Alle Termine haben schon begonnen."),
               NO_VOLUNTEER: _l("Niemand sonst in der Gruppe kann übernehmen."),
               ABSENT: _l("Eine eigene Buchung der abwesenden Person: sie wird abgesagt.")},
    "told": {"queued": _l("wartet auf Versand"), "sent": _l("gesendet"), "retrying": _l("neuer Versuch folgt"),
             "failed": _l("nicht zustellbar")},
    "answer": {"accept": _l("Vorschlag angenommen"), "option": _l("andere Möglichkeit gewählt"),
               "give_up": _l("Termine abgegeben"), "timeout": _l("keine Antwort: der Vorschlag gilt")},
}


def _open_questions() -> list[pages.Question]:
    """The current user's questions still to answer; asked only when a page shows the notice."""
    if not may_be_asked_about_changes(current_user):
        return []
    return pages.questions_for(db.session, current_user)


@bp.app_context_processor
def _change_words():
    return {"change_words": WORDS, "open_questions": _open_questions}


def _done(answer: str, title: str) -> str:
    if answer == deciding.GIVE_UP:
        return _("Gespeichert: die Termine von „%(title)s“ sind abgegeben.", title=title)
    return _("Gespeichert: „%(title)s“ findet am neuen Ort statt.", title=title)


@bp.route("/my/changes/<int:item_id>", methods=["GET", "POST"])
@login_required
def change_question(item_id: int):
    """One series of the volunteer's after a room change: the held slot, the other options, the answer."""
    item = load_own_series_question(item_id)
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            title = item.title
            try:
                with transaction():
                    deciding.answer(db.session, current_user, item, form.answer.data, form.option.data)
            except deciding.ChangeRefused as exc:
                (form.option if exc.field == "option" else form.answer).errors.append(exc.message)
                status = exc.status
            except BookingError as exc:  # taken in the very moment: the database refused the overlap
                form.option.errors.append(str(exc.message))
                status = 409
            else:
                flash(_done(form.answer.data, title), "info")
                target = form.next.data
                return redirect(safe_next(target) if target else url_for("web.change_question", item_id=item_id))
        else:
            status = 422
        item = load_own_series_question(item_id)
    return render_template("my_change.html", question=pages.question(db.session, item), form=form), status
