"""For residents, no login: an accommodation's offers for any week up to the horizon, in their language, and the
A4 poster to hang up, with a QR code of the online schedule. Only offers, public offers of volunteers and
closures appear; other bookings (and so volunteers' names) never do."""
from __future__ import annotations

import datetime as dt

import segno
from flask import abort, current_app, render_template, request, url_for
from markupsafe import Markup

from roombook import clock
from roombook.booking.calendar import public_schedule
from roombook.clock import week_of
from roombook.db import db
from roombook.i18n.public_texts import (
    LANGUAGES,
    day_name,
    language,
    language_name,
    localized,
    short_date,
)
from roombook.web.common import bp, load_accommodation
from roombook.web.forms import WeekForm


def _weeks(place) -> list[dt.date]:
    """The Mondays residents may choose: from the week the clock shows up to the occurrence horizon (later weeks
    have no dated sessions yet and would look empty)."""
    first = week_of(clock.today(place.tz))
    last = week_of(clock.today(place.tz) + dt.timedelta(weeks=current_app.config["ROOMBOOK_HORIZON_WEEKS"]))
    return [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _public_page(key: str, template: str, weeks: int, **extra):
    form = WeekForm(request.args)
    if not form.validate():
        abort(400, form.refusal())
    place = load_accommodation(key)
    lang = language(form.lang.data)
    choosable = _weeks(place)
    asked = week_of(form.week.data) if form.week.data else clock.week_to_show(place.tz)
    # a week before this one or beyond the horizon shows the nearest week there is
    monday = min(max(asked, choosable[0]), choosable[-1])
    days = public_schedule(db.session, place, monday, weeks=weeks)
    index = choosable.index(monday)
    return render_template(template, place=place, lang=lang, languages=LANGUAGES, days=days, monday=monday,
                           day_name=day_name, short_date=short_date, week=form.week.data, weeks=choosable,
                           previous=choosable[index - 1] if index > 0 else None,
                           following=choosable[index + 1] if index + 1 < len(choosable) else None,
                           this_week=week_of(clock.today(place.tz)), localized=localized,
                           language_name=language_name, delta=dt.timedelta, **extra)


@bp.app_context_processor
def _resident_languages() -> dict:
    """Staff pages link to the residents' schedule in each residents' language (the home page's list)."""
    return {"resident_languages": LANGUAGES}


@bp.get("/accommodations/<key>/offers")
def public_schedule_page(key: str):
    """Two weeks of offers by day, from the chosen week (by default the one the city clock shows)."""
    return _public_page(key, "public/schedule.html", weeks=2)


@bp.get("/accommodations/<key>/poster")
def poster(key: str):
    """One week on one A4 page (the print stylesheet does the layout), with a QR code of the online schedule in
    the poster's language."""
    lang = language(request.args.get("lang"))
    return _public_page(key, "public/poster.html", weeks=1, qr=schedule_qr(key, lang.code))


def schedule_url(key: str, code: str) -> str:
    """The online schedule in language `code`, from the configured base URL (never the request's Host: a poster
    printed from a proxy's address would lead nowhere). Without a week, so a poster on the wall opens the current
    week whenever it is scanned."""
    path = url_for("web.public_schedule_page", key=key, lang=code)
    return current_app.config["ROOMBOOK_BASE_URL"].rstrip("/") + path


def schedule_qr(key: str, code: str) -> dict:
    """The QR code (inline SVG: no image request, nothing the content security policy refuses) and its URL."""
    url = schedule_url(key, code)
    svg = segno.make(url, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True,
                                                     svgclass="qr", title=url)
    return {"url": url, "svg": Markup(svg)}
