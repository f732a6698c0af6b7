"""Security headers and cookie flags on every kind of response; templates that the strict CSP allows."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from roombook import create_app
from roombook.security import CSP
from tests.conftest import login
from tests.hardening.conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PATHS = ["/", "/login", "/api/v1/ping", "/api/v1/docs", "/api/v1/accommodations", "/no-such-page",
         "/static/roombook.css", "/calendars/all.ics"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    with client.get(path) as answer:
        headers = answer.headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_csp_is_strict():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["style-src-attr"] == "'unsafe-inline'"  # style="" only: attributes run no code
    assert "unsafe" not in CSP.replace("style-src-attr 'unsafe-inline'", "") and "*" not in CSP


def test_templates_need_no_inline_script_or_style():
    """The CSP forbids inline scripts, event handler attributes and <style> elements; every template
    must keep its code in files under /static. (Inline style="" attributes are allowed: style-src-attr.)"""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+=|javascript:", re.I)
    offenders = [f"{path.relative_to(TEMPLATES)}: {match.group(0)}" for path in TEMPLATES.rglob("*.html")
                 for match in inline.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def _cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_session_cookies_are_httponly_and_samesite(client, world):
    cookies = _cookies(login(client, world.users["volunteer"].email, PASSWORD, remember=True))
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


def test_cookies_are_secure_over_https(client, world):
    cookies = _cookies(login(client, world.users["volunteer"].email, PASSWORD, remember=True, base_url="https://localhost"))
    assert cookies and all("; Secure" in c for c in cookies)


def test_behind_a_proxy_forwarded_https_makes_cookies_secure(app, database_url):
    proxied = create_app({"TESTING": True, "ROOMBOOK_DATABASE_URL": database_url, "ROOMBOOK_SECRET_KEY": "t",
                          "ROOMBOOK_SCHEDULER": False, "ROOMBOOK_PROXY_HOPS": 1})
    answer = proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    assert _cookies(answer) and all("; Secure" in c for c in _cookies(answer))
    plain = proxied.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_passwords_are_hashed_with_a_modern_scheme(session, make_user):
    user = make_user(password="correct horse")
    assert user.password_hash.split(":")[0] in ("scrypt", "pbkdf2") and "correct horse" not in user.password_hash
