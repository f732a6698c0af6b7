"""Pages: the start page lists the city, logging in and out, CSRF, schedules show no names."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_token


@pytest.fixture
def demo(app, session):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def login(client, email, password="demo", next_url=None):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def test_start_page_lists_accommodations_and_rooms(client, demo):
    page = client.get("/").get_data(as_text=True)
    for name in ("Unterkunft Nord", "Unterkunft Mitte", "Unterkunft Süd", "Unterkunft West",
                 "Gemeinschaftsraum", "Beratungsraum"):
        assert name in page


def test_week_view_shows_offers_and_hides_who_booked(client, demo):
    page = client.get("/accommodations/nord").get_data(as_text=True)
    assert "Deutschkurs A1" in page and "Asylverfahrensberatung" in page
    assert "volunteer@example.org" not in page and "Ehrenamtliche Demo" not in page
    assert client.get("/accommodations/atlantis").status_code == 404
    assert client.get("/accommodations/nord?week=not-a-date").status_code == 400


def test_login_and_logout(client, demo):
    response = login(client, "volunteer@example.org")
    assert response.status_code == 302
    assert "volunteer@example.org" in client.get("/").get_data(as_text=True)
    token = csrf_token(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert "Anmelden" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, demo):
    response = login(client, "volunteer@example.org", "wrong")
    assert response.status_code == 401
    assert "Passwort ist falsch" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, demo):
    response = client.post("/login", data={"email": "volunteer@example.org", "password": "demo"})
    assert response.status_code == 400


@pytest.mark.parametrize("target,expected", [("/accommodations/nord", "/accommodations/nord"),
                                             ("https://evil.example/", "/"), ("//evil.example/", "/")])
def test_login_follows_only_local_next(client, demo, target, expected):
    response = login(client, "volunteer@example.org", next_url=target)
    assert response.headers["Location"] == expected
