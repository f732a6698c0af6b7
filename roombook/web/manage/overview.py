"""The management start page and the audit trail of the houses a person manages."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from roombook.access import permissions
from roombook.changes import pages
from roombook.conflicts import decisions as conflicts
from roombook.db import db
from roombook.web.manage.audit_words import audit_line
from roombook.web.manage.gates import bp, my_accommodations, staff_required

# --- overview ----------------------------------------------------------------------------------------------

@bp.get("/manage/")
@staff_required
def home():
    places = my_accommodations()
    open_count = len(conflicts.open_conflicts(db.session, places))
    return render_template("manage/home.html", places=places, open_count=open_count,
                           changes=pages.changes_of(db.session, places, only_open=True),
                           coordinator=permissions.can_coordinate(current_user))


@bp.get("/manage/audit")
@staff_required
def audit_trail():
    places = my_accommodations()
    return render_template("manage/audit.html",
                           events=[audit_line(e) for e in conflicts.audit_trail(db.session, places)],
                           decided=conflicts.decided_conflicts(db.session, places), kinds=conflicts.KIND_LABELS)

