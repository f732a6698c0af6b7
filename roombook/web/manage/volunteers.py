"""The coordinator's view of the volunteers: skills and wishes beside their deployment."""
from __future__ import annotations

from flask import current_app, render_template

from roombook import clock
from roombook.coordination import qualifications, volunteers
from roombook.coordination.coverage import STATUS_LABELS
from roombook.db import db
from roombook.web.manage.forms import CATEGORY_LABELS
from roombook.web.manage.gates import bp, coordinator_required

WEEKS_SHOWN = 4


@bp.get("/manage/volunteers", endpoint="volunteers")
@coordinator_required
def deployment_overview():
    """Every volunteer's skills and wishes next to where and when they are in a room, and the gaps they could
    fill, from this week on."""
    today = clock.today(current_app.config["ROOMBOOK_TIMEZONE"])
    found = volunteers.deployments(db.session, today, WEEKS_SHOWN)
    return render_template("manage/volunteers.html", deployments=found, kind_name=qualifications.kind_name,
                           standing=qualifications.standing_of(db.session, [d.volunteer.id for d in found], today),
                           weeks=volunteers.mondays_from(today, WEEKS_SHOWN),
                           languages=volunteers.LANGUAGES, labels=CATEGORY_LABELS, status_labels=STATUS_LABELS)
