"""The start page, logging in and out, CSRF, and the safe `next=` (formerly tests/test_web.py)."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login


def test_start_page_lists_accommodations_and_rooms(web):
    page = web.get("/").get_data(as_text=True)
    for name in ("Unterkunft Nord", "Unterkunft Mitte", "Unterkunft Süd", "Unterkunft West",
                 "Gemeinschaftsraum", "Beratungsraum"):
        assert name in page


def test_week_view_shows_offers_and_hides_who_booked(web):
    page = web.get("/accommodations/nord").get_data(as_text=True)
    assert "Deutschkurs A1" in page and "Asylverfahrensberatung" in page
    assert "volunteer@example.org" not in page and "Ehrenamtliche Demo" not in page
    assert web.get("/accommodations/atlantis").status_code == 404
    assert web.get("/accommodations/nord?week=not-a-date").status_code == 400


def test_login_and_logout(web):
    response = login(web, "volunteer@example.org")
    assert response.status_code == 302
    assert "volunteer@example.org" in web.get("/").get_data(as_text=True)
    token = csrf_token(web.get("/").get_data(as_text=True))
    web.post("/logout", data={"csrf_token": token})
    page = web.get("/").get_data(as_text=True)
    assert "Sie sind abgemeldet." in page and "Anmelden" in page and "volunteer@example.org" not in page


def test_wrong_password_is_refused_with_a_message(web):
    response = login(web, "volunteer@example.org", "wrong", check=False)
    assert response.status_code == 401
    assert "Passwort ist falsch" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(web):
    response = web.post("/login", data={"email": "volunteer@example.org", "password": "demo"})
    assert response.status_code == 400


@pytest.mark.parametrize("target,expected", [("/accommodations/nord", "/accommodations/nord"),
                                             ("https://evil.example/", "/start"), ("//evil.example/", "/start"),
                                             ("/\\evil.example", "/start")])
def test_login_follows_only_local_next(web, target, expected):
    token = csrf_token(web.get("/login").get_data(as_text=True))
    response = web.post(f"/login?next={target}", data={"email": "volunteer@example.org", "password": "demo",
                                                       "csrf_token": token})
    assert response.headers["Location"] == expected
