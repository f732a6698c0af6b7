"""The app's own error pages: what went wrong and what to do next, in the visitor's language.

Werkzeug's pages are English only and tell nobody what to do. Every path but the API's gets
templates/errors/error.html with the error's status; the API keeps its problem documents (roombook.api),
so each handler here hands API paths back to it. A CSRF failure is not a "bad request" to the person who
sent it: their form was opened in a session that has ended, and sending it again from a fresh page works.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_babel import LazyString, refresh
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from roombook.api import http_problem, is_api_request
from roombook.db import db
from roombook.web.common import safe_next


@dataclass(frozen=True)
class ErrorPage:
    title: LazyString
    what: LazyString
    next: LazyString
    back: LazyString | None = None  # a link to the page the visitor came from (where the form or link was)


PREVIOUS = _l("Zurück zur vorigen Seite")
PAGES = {
    400: ErrorPage(_l("Ungültige Anfrage"),
                   _l("Die Adresse oder das Formular enthielt Angaben, die roombook nicht verstehen kann."),
                   _l("Gehen Sie zurück und versuchen Sie es noch einmal, oder beginnen Sie auf der Startseite."),
                   back=PREVIOUS),
    403: ErrorPage(_l("Kein Zugriff"),
                   _l("Mit Ihrer Anmeldung dürfen Sie diese Seite nicht sehen oder diese Aktion nicht ausführen."),
                   _l("Melden Sie sich mit dem passenden Konto an. Wenn Sie den Zugang brauchen, wenden Sie sich "
                      "an die Hausleitung oder die Koordination.")),
    404: ErrorPage(_l("Seite nicht gefunden"),
                   _l("Diese Seite gibt es nicht (mehr), oder sie ist für Sie nicht sichtbar."),
                   _l("Prüfen Sie die Adresse oder beginnen Sie auf der Startseite.")),
    405: ErrorPage(_l("So nicht aufrufbar"),
                   _l("Diese Adresse gehört zu einem Formular oder einer Schaltfläche und lässt sich nicht "
                      "direkt öffnen."),
                   _l("Gehen Sie zurück zu der Seite mit dem Formular und benutzen Sie dort die Schaltfläche."),
                   back=PREVIOUS),
    413: ErrorPage(_l("Zu viel auf einmal gesendet"),
                   _l("Das Formular war zu groß, um es anzunehmen. Es wurde nichts gespeichert."),
                   _l("Gehen Sie zurück, kürzen Sie die langen Texte und senden Sie das Formular noch einmal."),
                   back=PREVIOUS),
    500: ErrorPage(_l("Ein Fehler in roombook"),
                   _l("Bei der Bearbeitung ist ein Fehler aufgetreten. Das liegt nicht an Ihnen; der Fehler "
                      "wurde protokolliert. Was Sie zuletzt gesendet haben, ist wahrscheinlich nicht gespeichert."),
                   _l("Prüfen Sie in einigen Minuten, ob es gespeichert ist, und versuchen Sie es sonst noch "
                      "einmal. Wenn der Fehler bleibt, wenden Sie sich an die Koordination."),
                   back=PREVIOUS),
}
FORM_EXPIRED = ErrorPage(
    _l("Das Formular ist abgelaufen"),
    _l("Aus Sicherheitsgründen gilt ein Formular nur in der Sitzung, in der es geöffnet wurde, und diese Sitzung "
       "ist beendet (zum Beispiel durch Abmelden oder weil die Seite lange offen war). Ihre Eingaben wurden "
       "nicht gespeichert."),
    _l("Öffnen Sie das Formular neu und senden Sie es noch einmal."),
    back=_l("Formular neu öffnen"))


def came_from() -> str | None:
    """The page the visitor came from, when it is one of ours and not the failing address itself."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.netloc != request.host or safe_next(target) != target or is_api_request(parts.path):
        return None
    return None if target == request.full_path.rstrip("?") and request.method == "GET" else target


def error_page(exc: HTTPException, page: ErrorPage):
    if exc.code == 500:
        # a crash may leave the transaction failed (PostgreSQL refuses every further query in it), and the
        # page asks for the logged-in user
        db.session.rollback()
    # the CSRF check and the form parsing fail in a before_request hook that runs before i18n's, which
    # chooses the language afresh for each request: choose it here too
    refresh()
    # keep what the error adds to the answer (Allow for a 405), not its HTML content type
    headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
    # a view that refused with its own reason (the field at fault, in German) says it; werkzeug's stock texts and
    # Flask-WTF's CSRF reasons are English and stay out
    detail = exc.description if exc.description != type(exc).description and exc.code != 500 \
        and not isinstance(exc, CSRFError) else None
    body = render_template("errors/error.html", page=page, status=exc.code, detail=detail,
                           back_url=came_from() if page.back is not None else None)
    return body, exc.code, headers


def _page_or_problem(exc: HTTPException):
    if is_api_request():
        return http_problem(exc)
    return error_page(exc, PAGES[exc.code])


def _form_expired(exc: CSRFError):
    return error_page(exc, FORM_EXPIRED)


def init_app(app: Flask) -> None:
    # by status code: Flask prefers these to the API's handler for every HTTPException, whatever the order
    for code in PAGES:
        app.register_error_handler(code, _page_or_problem)
    app.register_error_handler(CSRFError, _form_expired)  # the API takes no cookies and is exempt from CSRF
