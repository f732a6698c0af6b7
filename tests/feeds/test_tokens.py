"""Private feeds by secret link: created, listed, rotated and revoked by their owner only."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking.occurrences import materialise
from roombook.booking.service import book_room
from roombook.models import FeedToken, Provider
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("calendars")
UTC = dt.timezone.utc


def create(client, scope, label=""):
    token = csrf_token(client.get("/feeds/tokens").get_data(as_text=True))
    response = client.post("/feeds/tokens", data={"scope": scope, "label": label, "csrf_token": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    url = re.search(r'value="(http://[^"]+/calendars/private/[^"]+\.ics)"', response.get_data(as_text=True)).group(1)
    return url.split("localhost", 1)[1]


@pytest.fixture
def department(session, make_user, make_offer, make_room):
    """A department user whose provider holds office hours this week and a course elsewhere."""
    monday = clock.today() - dt.timedelta(days=clock.today().weekday())
    offer = make_offer(title="Sprechstunde Soziales", valid_from=monday, valid_until=monday + dt.timedelta(weeks=4))
    provider = offer.providers[0]
    course = make_offer(title="Kurs eines anderen", category="language_course", valid_from=monday,
                        valid_until=monday + dt.timedelta(weeks=4))
    for made in (offer, course):
        materialise(session, made.sessions[0], monday + dt.timedelta(weeks=4))
    return make_user("department", provider=provider, display_name="Frau Amt")


@pytest.mark.dates
def test_department_creates_a_link_and_its_feed_shows_its_office_hours(client, department):
    login(client, department.email, PASSWORD)
    page = client.get("/feeds/tokens").get_data(as_text=True)
    assert 'value="department"' in page and 'value="manager"' not in page
    url = create(client, "department", "Outlook Büro")
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("private")
    assert b"SUMMARY:Sprechstunde Soziales" in response.data and b"Kurs eines anderen" not in response.data
    listing = client.get("/feeds/tokens").get_data(as_text=True)
    assert "Outlook Büro" in listing and url.split("/")[-1][:-4] not in listing  # the secret is shown once only


def test_only_a_hash_is_stored(client, session, department):
    login(client, department.email, PASSWORD)
    url = create(client, "provider")
    secret = url.rsplit("/", 1)[1][:-4]
    row = session.scalar(sa.select(FeedToken).where(FeedToken.user_id == department.id))
    assert row.token_hash != secret and secret not in row.token_hash and row.prefix == secret[:8]


def test_rotation_kills_the_old_link_and_revocation_the_new(client, session, department):
    login(client, department.email, PASSWORD)
    old_url = create(client, "department")
    assert client.get(old_url).status_code == 200
    token = session.scalar(sa.select(FeedToken).where(FeedToken.user_id == department.id))
    csrf = csrf_token(client.get("/feeds/tokens").get_data(as_text=True))
    rotated = client.post(f"/feeds/tokens/{token.id}/rotate", data={"csrf_token": csrf})
    new_url = re.search(r'/calendars/private/[^"]+\.ics', rotated.get_data(as_text=True)).group(0)
    assert new_url != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200
    fresh = session.scalar(sa.select(FeedToken).where(FeedToken.user_id == department.id,
                                                      FeedToken.revoked_at.is_(None)))
    assert fresh.scope == "department" and fresh.last_used_at is not None
    client.post(f"/feeds/tokens/{fresh.id}/revoke", data={"csrf_token": csrf})
    assert client.get(new_url).status_code == 404
    assert "widerrufen" in client.get("/feeds/tokens").get_data(as_text=True)


def test_nobody_touches_another_users_link(client, session, department, make_user):
    login(client, department.email, PASSWORD)
    create(client, "department")
    token = session.scalar(sa.select(FeedToken).where(FeedToken.user_id == department.id))
    login(client, make_user("volunteer").email, PASSWORD)
    csrf = csrf_token(client.get("/feeds/tokens").get_data(as_text=True))
    assert client.post(f"/feeds/tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"/feeds/tokens/{token.id}/rotate", data={"csrf_token": csrf}).status_code == 404
    assert token.revoked_at is None


def test_forms_need_csrf_and_login(client, session, department):
    assert client.get("/feeds/tokens").status_code == 302  # to the login page
    login(client, department.email, PASSWORD)
    assert client.post("/feeds/tokens", data={"scope": "department"}).status_code == 400
    create(client, "department")
    token = session.scalar(sa.select(FeedToken).where(FeedToken.user_id == department.id))
    assert client.post(f"/feeds/tokens/{token.id}/revoke").status_code == 400
    assert token.revoked_at is None


def test_a_scope_that_is_not_yours_is_refused(client, session, make_user):
    volunteer = make_user("volunteer")
    login(client, volunteer.email, PASSWORD)
    csrf = csrf_token(client.get("/feeds/tokens").get_data(as_text=True))
    response = client.post("/feeds/tokens", data={"scope": "manager", "csrf_token": csrf})
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedToken)) == 0


def test_volunteer_feed_shows_own_bookings_with_titles_only(client, session, make_user, make_room):
    room = make_room()
    me, other = make_user("volunteer"), make_user("volunteer")
    start = clock.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
    start = start.replace(hour=10)
    book_room(session, me, room, start, start + dt.timedelta(hours=1), "Mein Nähcafé")
    book_room(session, other, room, start + dt.timedelta(hours=2), start + dt.timedelta(hours=3), "Fremdes Treffen")
    login(client, me.email, PASSWORD)
    body = client.get(create(client, "volunteer")).data
    assert b"SUMMARY:Mein N\xc3\xa4hcaf\xc3\xa9" in body and b"Fremdes Treffen" not in body


def test_a_deactivated_owner_or_lost_role_ends_the_feed(client, session, department):
    login(client, department.email, PASSWORD)
    url = create(client, "department")
    department.provider = session.scalar(sa.select(Provider).where(Provider.id == -1))
    session.flush()
    assert client.get(url).status_code == 404  # no provider, no department feed
    login(client, department.email, PASSWORD)
    url = create(client, "volunteer")
    department.active = False
    session.flush()
    assert client.get(url).status_code == 404
