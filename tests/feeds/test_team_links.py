"""A department's team links: made, rotated and revoked by any of its members or an admin, the department's
rather than the maker's (they outlive the member who made them), and showing what its members may see."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from roombook.access.privacy import delete_user
from roombook.feeds.tokens import (
    FeedTokenRefused,
    create_team_feed_token,
    revoke_feed_token,
    rotate_feed_token,
)
from roombook.models import FeedToken
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.feeds.test_tokens import department  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.usefixtures("calendars"), pytest.mark.dates]


@pytest.fixture
def team(session, department, make_user):
    """The department's provider with three members: the maker, a colleague and a volunteer of it."""
    provider = department.provider
    return provider, department, make_user("department", provider=provider), make_user("volunteer", provider=provider)


def _make_on_page(client, provider, scope="department", label="Teamkalender Outlook"):
    csrf = csrf_token(client.get("/feeds/tokens").get_data(as_text=True))
    response = client.post("/feeds/team-tokens", data={"provider": provider.key, "scope": scope, "label": label,
                                                       "csrf_token": csrf})
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.search(r'value="http://localhost(/calendars/private/[^"]+\.ics)"', response.get_data(as_text=True)).group(1)


def test_a_member_makes_a_team_link_that_shows_the_departments_office_hours(client, session, team):
    provider, maker, colleague, _volunteer = team
    login(client, maker.email, PASSWORD)
    url = _make_on_page(client, provider)
    body = client.get(url).data
    assert b"SUMMARY:Sprechstunde Soziales" in body and b"Kurs eines anderen" not in body
    token = session.scalar(sa.select(FeedToken).where(FeedToken.provider_id == provider.id))
    assert token.user_id is None and token.scope == "department"
    login(client, colleague.email, PASSWORD)  # a colleague sees the team's link among the team's
    assert "Teamkalender Outlook" in client.get("/feeds/tokens").get_data(as_text=True)


def test_any_member_or_an_admin_rotates_and_revokes_and_nobody_else(session, team, make_user):
    provider, maker, colleague, volunteer = team
    token, _secret = create_team_feed_token(session, maker, provider, "department", "Team")
    for outsider in (make_user("department"), make_user("volunteer"), make_user("coordinator"),
                     make_user("facility_manager")):
        with pytest.raises(FeedTokenRefused):
            rotate_feed_token(session, outsider, token)
        with pytest.raises(FeedTokenRefused):
            revoke_feed_token(session, outsider, token)
        with pytest.raises(FeedTokenRefused):
            create_team_feed_token(session, outsider, provider, "provider")
    fresh, _ = rotate_feed_token(session, colleague, token)
    assert token.revoked_at is not None and fresh.provider_id == provider.id and fresh.user_id is None
    newer, _ = rotate_feed_token(session, make_user("admin"), fresh)
    revoke_feed_token(session, volunteer, newer)
    assert newer.revoked_at is not None
    create_team_feed_token(session, make_user("admin"), provider, "provider")


def test_a_team_link_is_only_for_what_the_team_may_see(session, team):
    provider, maker, *_ = team
    for scope in ("volunteer", "manager"):
        with pytest.raises(FeedTokenRefused):
            create_team_feed_token(session, maker, provider, scope)


def test_the_link_survives_deleting_the_member_who_made_it(client, session, team):
    provider, maker, colleague, _volunteer = team
    login(client, maker.email, PASSWORD)
    url = _make_on_page(client, provider)
    own = FeedToken(user_id=maker.id, scope="provider", token_hash="0" * 64, prefix="00000000")
    session.add(own)
    session.flush()
    delete_user(session, maker, maker)
    session.flush()
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedToken).where(FeedToken.user_id == maker.id)) == 0
    assert client.get(url).status_code == 200
    login(client, colleague.email, PASSWORD)
    token = session.scalar(sa.select(FeedToken).where(FeedToken.provider_id == provider.id))
    csrf = csrf_token(client.get("/feeds/tokens").get_data(as_text=True))
    assert client.post(f"/feeds/tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert client.get(url).status_code == 404
