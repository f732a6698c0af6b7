"""For residents, no login: an accommodation's offers this week and next, in their language, and the
A4 poster to hang up. Only offers and closures appear; bookings (and so volunteers' names) never do."""
from __future__ import annotations

from flask import abort, render_template, request

from roombook import clock
from roombook.booking.calendar import public_schedule
from roombook.clock import week_of
from roombook.db import db
from roombook.i18n.public_texts import LANGUAGES, day_name, language, short_date
from roombook.web.common import bp, load_accommodation
from roombook.web.forms import WeekForm


def _public_page(key: str, template: str, weeks: int):
    form = WeekForm(request.args)
    if not form.validate():
        abort(400, form.refusal())
    place = load_accommodation(key)
    lang = language(form.lang.data)
    monday = week_of(form.week.data) if form.week.data else clock.week_to_show(place.tz)
    days = public_schedule(db.session, place, monday, weeks=weeks)
    return render_template(template, place=place, lang=lang, languages=LANGUAGES, days=days, monday=monday,
                           day_name=day_name, short_date=short_date, week=form.week.data)


@bp.get("/accommodations/<key>/offers")
def public_schedule_page(key: str):
    """This week's and next week's offers, by day."""
    return _public_page(key, "public/schedule.html", weeks=2)


@bp.get("/accommodations/<key>/poster")
def poster(key: str):
    """One week on one A4 page (the print stylesheet does the layout)."""
    return _public_page(key, "public/poster.html", weeks=1)
