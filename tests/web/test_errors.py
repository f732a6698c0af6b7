"""The app's own error pages: each failure in German (English after the language switch), with its status
and what to do next; a CSRF failure says the form expired and links back to it; the API keeps answering
with problem documents."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask import Blueprint

from roombook import create_app
from roombook.db import db
from roombook.i18n import CATALOGS
from roombook.models import User
from tests.conftest import csrf_token, login

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "_l": None}
# Werkzeug's English names of the failures these pages replace, and Flask-WTF's reasons
WERKZEUG = ("Bad Request", "Forbidden", "Not Found", "Method Not Allowed", "Request Entity Too Large",
            "Internal Server Error", "The CSRF token is missing", "The requested URL")


def _error_texts() -> dict[str, str]:
    """German msgid → English text of every text the error pages show."""
    ids = {message for source, method in (("roombook/web/errors.py", "python"),
                                          ("templates/errors/error.html", "jinja2"))
           for _line, message, _comments, _context in extract_from_file(method, ROOT / source, keywords=KEYWORDS)}
    with (CATALOGS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    ids |= {"Anmelden", "Abmelden", "Unterkünfte", "Zum Inhalt springen"}  # the frame around them
    return {msgid: catalog[msgid].string for msgid in ids}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-zäöüß]+", re.sub(r"%\(\w+\)s", "", text.lower())))


TEXTS = _error_texts()
ONLY_ENGLISH = set().union(*map(_words, TEXTS.values())) - set().union(*map(_words, TEXTS))
ONLY_GERMAN = set().union(*map(_words, TEXTS)) - set().union(*map(_words, TEXTS.values()))


def main_text(response) -> str:
    match = re.search(r"<main[^>]*>(.*)</main>", response.get_data(as_text=True), re.S)
    assert match, response.get_data(as_text=True)[:300]
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def switch_to_english(client) -> None:
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"}).status_code == 302


def bad_input(client):
    return client.get("/accommodations/nord?week=not-a-date")


def not_allowed_in(client, make_user):
    make_user("volunteer", email="errors-volunteer@example.org", password="secret-pw")
    login(client, "errors-volunteer@example.org", "secret-pw")
    return client.get("/manage/")


def unknown_page(client):
    return client.get("/no-such-page")


def wrong_method(client):
    return client.get("/logout")


def too_large(client):
    """A multipart form whose text field is over MAX_FORM_MEMORY_SIZE (Flask's default: 500 kB). Encoded here:
    the test client would spool it to a temporary file it never closes."""
    body = (b'--b\r\nContent-Disposition: form-data; name="email"\r\n\r\n' + b"x" * 600_000 + b"\r\n--b--\r\n")
    return client.post("/login", data=body, content_type="multipart/form-data; boundary=b")


def form_expired(client):
    return client.post("/login", data={"email": "volunteer@example.org", "password": "demo"},
                       headers={"Referer": "http://localhost/login?next=/my/bookings"})


# status → (how to cause it, its German title, its English title)
CASES = {
    "400": (bad_input, 400, "Ungültige Anfrage", "Invalid request"),
    "403": (not_allowed_in, 403, "Kein Zugriff", "No access"),
    "404": (unknown_page, 404, "Seite nicht gefunden", "Page not found"),
    "405": (wrong_method, 405, "So nicht aufrufbar", "Cannot be opened like this"),
    "413": (too_large, 413, "Zu viel auf einmal gesendet", "Too much sent at once"),
    "csrf": (form_expired, 400, "Das Formular ist abgelaufen", "The form has expired"),
}


def cause(case: str, client, make_user):
    how = CASES[case][0]
    return how(client, make_user) if how is not_allowed_in else how(client)


def test_the_word_lists_tell_the_languages_apart():
    assert {"page", "found", "form", "expired"} <= ONLY_ENGLISH
    assert {"seite", "gefunden", "formular", "abgelaufen"} <= ONLY_GERMAN


@pytest.mark.parametrize("case", list(CASES))
def test_each_error_has_a_german_page_with_its_status(client, make_user, case):
    _how, status, german, _english = CASES[case]
    answer = cause(case, client, make_user)
    assert answer.status_code == status
    assert answer.mimetype == "text/html"
    text = main_text(answer)
    assert german in text and f"Fehlercode {status}" in text
    assert "Startseite" in text
    assert _words(text) & ONLY_ENGLISH == set(), text
    assert not [name for name in WERKZEUG if name in answer.get_data(as_text=True)]
    assert '<html lang="de"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("case", list(CASES))
def test_each_error_page_is_english_after_the_language_switch(client, make_user, case):
    _how, status, german, english = CASES[case]
    switch_to_english(client)
    answer = cause(case, client, make_user)
    assert answer.status_code == status
    text = main_text(answer)
    assert english in text and f"Error code {status}" in text and german not in text
    assert _words(text) & ONLY_GERMAN == set(), text
    assert '<html lang="en"' in answer.get_data(as_text=True)


def test_an_expired_form_offers_to_open_it_again(client):
    page = form_expired(client).get_data(as_text=True)
    assert re.search(r'<a class="button" href="/login\?next=/my/bookings">Formular neu öffnen</a>', page)


def test_the_back_link_leads_only_to_our_own_pages(client):
    for referrer in ("https://evil.example/login", "//evil.example/login", "http://localhost/\\evil.example",
                     "http://localhost/api/v1/bookings", "/login"):
        page = client.post("/login", data={}, headers={"Referer": referrer}).get_data(as_text=True)
        assert "Das Formular ist abgelaufen" in page and "Formular neu öffnen" not in page, referrer


def test_a_405_page_keeps_the_allowed_methods(client):
    answer = wrong_method(client)
    assert "POST" in answer.headers["Allow"]
    assert answer.headers["Content-Type"].startswith("text/html")


def test_a_404_page_tells_nothing_of_what_exists(client):
    assert main_text(client.get("/no-such-page")) == main_text(client.get("/accommodations/atlantis"))


@pytest.mark.parametrize("method,url,status", [("get", "/api/v1/no-such-thing", 404), ("delete", "/api/v1/ping", 405),
                                               ("post", "/api/v1/tokens", 400)])
def test_the_api_still_answers_with_problem_documents(client, method, url, status):
    answer = getattr(client, method)(url, data="{" if method == "post" else None,
                                     content_type="application/json" if method == "post" else None)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["status"] == status
    if status == 405:
        assert "GET" in answer.headers["Allow"]


@pytest.fixture
def crashing_app(app, city):
    """A second app on the test database (with the demo city) whose routes crash for real, with exceptions
    handled as in production (the test app lets them through to the test instead)."""
    crashing = create_app({"TESTING": False, "ROOMBOOK_DATABASE_URL": app.config["ROOMBOOK_DATABASE_URL"],
                           "ROOMBOOK_SECRET_KEY": "test-secret", "ROOMBOOK_SCHEDULER": False})
    crash = Blueprint("crash", __name__)

    @crash.get("/crash")
    @crash.get("/api/v1/crash")
    def crash_route():
        # a failed statement before anything loaded the logged-in user: on PostgreSQL every further query in
        # this transaction is refused, and the page has yet to load the user for its header
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    crashing.register_blueprint(crash)
    yield crashing
    with crashing.app_context():
        # this app commits for real: a language chosen here stays with the account (the package's demo city)
        with db.engine.begin() as connection:
            connection.execute(sa.update(User).values(language="de"))
        db.engine.dispose()


def test_a_crash_shows_the_error_page_with_the_menu_of_who_is_logged_in(crashing_app, caplog):
    client = crashing_app.test_client()
    login(client, "admin@example.org")
    answer = client.get("/crash")
    assert answer.status_code == 500
    text = main_text(answer)
    assert "Ein Fehler in roombook" in text and "Fehlercode 500" in text
    assert "admin@example.org" in answer.get_data(as_text=True)  # loaded after the failed statement
    assert "no_such_table" not in answer.get_data(as_text=True)
    assert any("no_such_table" in record.getMessage() or "no_such_table" in str(record.exc_info)
               for record in caplog.records)  # logged for whoever looks into it
    switch_to_english(client)
    assert "An error in roombook" in main_text(client.get("/crash"))


def test_a_crash_in_the_api_is_a_problem_document(crashing_app):
    answer = crashing_app.test_client().get("/api/v1/crash")
    assert answer.status_code == 500
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["status"] == 500
