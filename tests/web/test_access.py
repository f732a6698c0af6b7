"""Who may open which page (one generated matrix), and logging in with remember-me (the login throttle:
tests/hardening/test_signin.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook.models import Booking, User
from tests.conftest import login
from tests.web.conftest import OTHER

ROLES = [None, "volunteer@example.org", "department@example.org", "manager@example.org",
         "coordinator@example.org", "admin@example.org"]
# route -> status for each of ROLES (anonymous, volunteer, department, manager, coordinator, admin)
MATRIX = {
    "/": [200] * 6,
    "/accommodations/nord": [200] * 6,
    "/accommodations/nord/offers": [200] * 6,
    "/accommodations/nord/poster": [200] * 6,
    "/book": [302, 200, 200, 200, 200, 200],
    "/my/bookings": [302, 200, 200, 200, 200, 200],
    "/department": [302, 403, 200, 403, 403, 403],
    "/my/profile": [302, 200, 403, 403, 403, 403],
    "/manage/volunteers": [302, 403, 403, 403, 200, 200],
    "/manage/changes": [302, 403, 403, 200, 200, 200],
    "/bookings/{nord}/cancel": [302, 404, 404, 200, 200, 200],
    "/bookings/{sued}/cancel": [302, 404, 404, 404, 200, 200],
}


def _others_bookings(session) -> dict[str, int]:
    user = session.scalar(sa.select(User).where(User.email == OTHER["email"]))
    rows = session.scalars(sa.select(Booking).where(Booking.user_id == user.id)).all()
    return {b.room.key.split("-")[0]: b.id for b in rows}


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=[r or "anonymous" for r in ROLES])
def test_access_matrix(web, session, role_index):
    ids = _others_bookings(session)
    if ROLES[role_index]:
        assert login(web, ROLES[role_index]).status_code == 302
    for route, statuses in MATRIX.items():
        url = route.format(**ids)
        response = web.get(url)
        assert response.status_code == statuses[role_index], (url, ROLES[role_index])
        if response.status_code == 302:
            assert "/login?next=" in response.headers["Location"]


def test_remember_me_sets_a_long_lived_cookie_only_when_asked(web):
    response = login(web, "volunteer@example.org", remember=True)
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    web.delete_cookie("remember_token")
    other = login(web, "department@example.org")
    assert "remember_token=" not in " ".join(other.headers.getlist("Set-Cookie"))


def test_login_messages_are_clear(web):
    page = login(web, "volunteer@example.org", "falsch", check=False)
    assert page.status_code == 401 and "E-Mail oder Passwort ist falsch." in page.get_data(as_text=True)
    empty = login(web, "", "", check=False)
    assert empty.status_code == 422 and "Bitte die E-Mail-Adresse angeben." in empty.get_data(as_text=True)
    ok = login(web, "volunteer@example.org")
    assert "Sie sind angemeldet." in web.get(ok.headers["Location"]).get_data(as_text=True)


def test_logout_needs_post_with_csrf(web):
    login(web, "volunteer@example.org")
    assert web.get("/logout").status_code == 405
    assert web.post("/logout").status_code == 400
