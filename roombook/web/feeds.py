"""Calendar feeds over HTTP, and the page where a user manages the secret links of their private feeds.

Feed views are thin: find the feed (404 if none), get it current (published file or built), answer
with validators so a client's refresh usually costs a 304.
"""
from __future__ import annotations

import datetime as dt
import gzip

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from roombook import clock
from roombook.access.permissions import can_keep_team_feed_links
from roombook.db import db, transaction
from roombook.feeds import calendars_root, uid_domain
from roombook.feeds.catalogue import (
    Feed,
    allowed_scopes,
    find_public_feed,
    private_feed,
    team_scopes,
)
from roombook.feeds.publish import Rendered, current_feed, published_feed
from roombook.feeds.tokens import (
    FeedTokenRefused,
    can_change_feed_token,
    create_feed_token,
    create_team_feed_token,
    feed_tokens_of,
    find_feed_token,
    note_use,
    revoke_feed_token,
    rotate_feed_token,
    team_feed_tokens,
    use_due,
)
from roombook.models import FeedToken, Provider
from roombook.models.people import Role
from roombook.web.forms import Form

bp = Blueprint("feeds", __name__)

PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, max-age=300"
GZIP_SUFFIX = "-gzip"  # the ETag of a body's gzipped representation


def _today() -> dt.date:
    return clock.today(current_app.config["ROOMBOOK_TIMEZONE"])


def _stamp_ttl() -> float:
    return float(current_app.config.get("ROOMBOOK_FEED_STAMP_TTL", 2))


def _answer(rendered: Rendered, public: bool, filename: str) -> Response:
    """200 with the body, gzipped when the client takes it, or 304 when the client's validators match
    (If-None-Match wins, RFC 9110).

    The gzipped body is another representation with an ETag of its own ("…-gzip"); either ETag the
    client holds still matches its copy. If-None-Match compares weakly, as RFC 9110 requires: a proxy
    that compresses (nginx) turns our ETag into W/"…", and the client sends that back.
    """
    gzipped = request.accept_encodings["gzip"] > 0
    etag = rendered.etag + GZIP_SUFFIX if gzipped else rendered.etag
    headers = {"ETag": f'"{etag}"', "Cache-Control": PUBLIC_CACHE if public else PRIVATE_CACHE,
               "Vary": "Accept-Encoding"}
    response = Response(status=200, headers=headers)
    response.last_modified = rendered.modified
    if request.if_none_match:
        fresh = any(request.if_none_match.contains_weak(tag)
                    for tag in (rendered.etag, rendered.etag + GZIP_SUFFIX))
    else:
        fresh = request.if_modified_since is not None and \
            rendered.modified.replace(microsecond=0) <= request.if_modified_since
    if fresh:
        response.status_code = 304
        return response
    response.set_data(compressed(rendered.read()) if gzipped else rendered.read())
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.content_type = "text/calendar; charset=utf-8"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def compressed(body: bytes) -> bytes:
    """A feed body gzipped (about a seventh of its size, a quarter of a millisecond for the city feed),
    the same bytes for the same body: no timestamp in the gzip header."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def _feed(feed: Feed) -> Rendered:
    return current_feed(db.session, feed, calendars_root(current_app), _today(),
                        current_app.config["ROOMBOOK_TIMEZONE"], uid_domain(current_app), stamp_ttl=_stamp_ttl())


def _public(kind: str, key: str | None, filename: str) -> Response:
    """A public feed: the published file while current (no lookup needed), else found and built."""
    path = "all.ics" if kind == "all" else f"{kind}/{key}.ics"
    rendered = published_feed(db.session, path, calendars_root(current_app), _today(), stamp_ttl=_stamp_ttl())
    if rendered is None:
        feed = find_public_feed(db.session, kind, key) or abort(404)
        rendered = _feed(feed)
    return _answer(rendered, True, filename)


@bp.get("/calendars/all.ics")
def city():
    return _public("all", None, "roombook.ics")


@bp.get("/calendars/accommodation/<key>.ics")
def accommodation(key: str):
    return _public("accommodation", key, f"roombook-{key}.ics")


@bp.get("/calendars/room/<key>.ics")
def room(key: str):
    return _public("room", key, f"roombook-{key}.ics")


@bp.get("/calendars/category/<category>.ics")
def category(category: str):
    return _public("category", category, f"roombook-{category}.ics")


@bp.get("/calendars/private/<secret>.ics")
def private(secret: str):
    """A private feed by its secret. Reading it records last_used_at at most once a day, so owners see
    which links are still in use; that is the only write on this GET."""
    token = find_feed_token(db.session, secret) or abort(404)
    feed = private_feed(db.session, token) or abort(404)
    if use_due(token, clock.now()):
        with transaction():
            note_use(token, clock.now())
    return _answer(_feed(feed), False, "roombook-privat.ics")


# What each feed shows, in the page's language.
SCOPE_LABELS = {
    "department": _l("Sprechstunden des Fachbereichs"),
    "provider": _l("Termine des Trägers"),
    "volunteer": _l("Meine Buchungen"),
    "manager": _l("Meine Räume mit Buchungen"),
}


def _scope_choices(scopes: list[str]) -> list[SelectChoice]:
    return [SelectChoice(s, SCOPE_LABELS[s]) for s in scopes]


class NewFeedTokenForm(Form):
    scope = SelectField(_l("Kalender"), validators=[DataRequired()])
    label = StringField(_l("Bezeichnung (freiwillig)"), validators=[Length(max=120)])
    submit = SubmitField(_l("Link erstellen"))


class TeamFeedTokenForm(Form):
    """A team link: whose (the member's own provider; an admin picks one), which feed, a label."""

    # ids of their own: the personal form's fields sit on the same page
    provider = SelectField(_l("Für"), validators=[DataRequired()], id="team-provider")
    scope = SelectField(_l("Kalender"), validators=[DataRequired()], id="team-scope")
    label = StringField(_l("Bezeichnung (freiwillig)"), validators=[Length(max=120)], id="team-label")
    submit = SubmitField(_l("Team-Link erstellen"), id="team-submit")


class FeedTokenActionForm(Form):
    """Rotate and revoke carry only the CSRF token; the token id is in the URL."""


def _changeable_token(token_id: int) -> FeedToken:
    """One's own link or a team link one may keep; anyone else's is not found."""
    token = db.session.get(FeedToken, token_id)
    if token is None or not can_change_feed_token(current_user, token):
        abort(404)
    return token


def _teams() -> list[Provider]:
    """The providers whose team links the current user keeps: their own; an admin's, every one."""
    if current_user.role == Role.ADMIN:
        return list(db.session.scalars(sa.select(Provider).order_by(Provider.name)))
    provider = current_user.provider
    return [provider] if can_keep_team_feed_links(current_user, provider) else []


def _team_form(teams: list[Provider], form: TeamFeedTokenForm | None = None) -> TeamFeedTokenForm:
    form = form or TeamFeedTokenForm()
    form.provider.choices = [SelectChoice(p.key, p.name) for p in teams]
    form.scope.choices = _scope_choices(["department", "provider"] if any(
        "department" in team_scopes(p) for p in teams) else ["provider"])
    return form


def private_url(secret: str) -> str:
    return url_for("feeds.private", secret=secret, _external=True)


def _tokens_page(new_url: str | None = None, form: NewFeedTokenForm | None = None,
                 team_form: TeamFeedTokenForm | None = None, status: int = 200):
    """The token page. A new secret is shown in this one answer (never flashed: the session cookie
    would carry it), which is why create and rotate render instead of redirecting."""
    form = form or NewFeedTokenForm()
    form.scope.choices = _scope_choices(allowed_scopes(current_user))
    teams = _teams()
    return render_template("feeds/tokens.html", form=form, tokens=feed_tokens_of(db.session, current_user),
                           teams=[(p, team_feed_tokens(db.session, p)) for p in teams],
                           team_form=_team_form(teams, team_form) if teams else None,
                           action=FeedTokenActionForm(), labels=SCOPE_LABELS, new_url=new_url), status


@bp.route("/feeds/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = NewFeedTokenForm()
    form.scope.choices = _scope_choices(allowed_scopes(current_user))
    if not form.validate_on_submit():
        return _tokens_page(form=form, status=400 if request.method == "POST" else 200)
    try:
        with transaction():
            _token, secret = create_feed_token(db.session, current_user, form.scope.data, form.label.data or "")
    except FeedTokenRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("feeds.tokens"))
    return _tokens_page(private_url(secret))


@bp.post("/feeds/team-tokens")
@login_required
def team_tokens():
    """Make a team link: any member of the provider, or an admin."""
    teams = _teams()
    if not teams:
        abort(403)
    form = _team_form(teams)
    if not form.validate_on_submit():
        return _tokens_page(team_form=form, status=400)
    provider = next(p for p in teams if p.key == form.provider.data)
    try:
        with transaction():
            _token, secret = create_team_feed_token(db.session, current_user, provider, form.scope.data,
                                                    form.label.data or "")
    except FeedTokenRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("feeds.tokens"))
    return _tokens_page(private_url(secret))


@bp.post("/feeds/tokens/<int:token_id>/rotate")
@login_required
def rotate_token(token_id: int):
    token = _changeable_token(token_id)
    if not FeedTokenActionForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            _fresh, secret = rotate_feed_token(db.session, current_user, token)
    except FeedTokenRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("feeds.tokens"))
    flash(_("Neuer Link erstellt, der alte gilt nicht mehr."), "info")
    return _tokens_page(private_url(secret))


@bp.post("/feeds/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = _changeable_token(token_id)
    if not FeedTokenActionForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            revoke_feed_token(db.session, current_user, token)
    except FeedTokenRefused as exc:
        flash(str(exc), "error")
    else:
        flash(_("Link widerrufen."), "info")
    return redirect(url_for("feeds.tokens"))


@bp.app_template_global()
def feed_links(endpoint: str, **values) -> dict:
    """Subscription links for a schedule page: webcal://, https:// and a download (see feeds/_subscribe.html)."""
    https = url_for(endpoint, _external=True, **values)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1],
            "download": url_for(endpoint, download=1, **values)}
