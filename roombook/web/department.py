"""The department's page: its office hours across all accommodations, and its private feed."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, current_app, render_template, request
from flask_login import login_required

from roombook import clock
from roombook.booking.calendar import provider_schedule
from roombook.clock import week_of
from roombook.db import db
from roombook.web.common import bp, feed_page_url, load_own_provider
from roombook.web.forms import WeekForm

WEEKS_SHOWN = 4


@bp.get("/department")
@login_required
def department():
    form = WeekForm(request.args)
    if not form.validate():
        abort(400, form.refusal())
    provider = load_own_provider()
    timezone = current_app.config["ROOMBOOK_TIMEZONE"]
    tz = ZoneInfo(timezone)
    monday = week_of(form.week.data) if form.week.data else clock.week_to_show(timezone)
    days = provider_schedule(db.session, provider, monday, tz, days=7 * WEEKS_SHOWN)
    return render_template("department.html", provider=provider, days=days, monday=monday, weeks=WEEKS_SHOWN,
                           previous=monday - dt.timedelta(weeks=WEEKS_SHOWN),
                           next=monday + dt.timedelta(weeks=WEEKS_SHOWN),
                           feed_url=feed_page_url())
