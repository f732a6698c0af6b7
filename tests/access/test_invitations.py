"""Invitations: coordinators invite volunteers, admins any role; the link is used once, within its time."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.access import joining
from roombook.db import db, transaction
from roombook.models import AccountToken, User
from roombook.models.recruitment import TokenPurpose
from tests.access.joining_helpers import link_in, mails_to
from tests.conftest import login
from tests.web.conftest import post

GUEST = "neu@example.org"
CHOSEN = {"name": "Jana Neu", "password": "eine-gute-passphrase", "repeat": "eine-gute-passphrase"}


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", email="koordination@example.org", password="coordinator-pw")


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@example.org", password="admin-password")


def _invite(client, data: dict):
    return post(client, "/manage/invitations", {"invite-language": "de", **data}, page="/manage/registrations")


def test_an_invitation_makes_the_account_once(client, session, coordinator):
    login(client, coordinator.email, "coordinator-pw")
    assert _invite(client, {"invite-email": GUEST, "invite-role": "volunteer"}).status_code == 302
    assert post(client, "/logout", {}, page="/login").status_code == 302
    link = link_in(mails_to(session, GUEST)[0])
    assert link.startswith("/invitation/")
    assert "neu@example.org" in client.get(link).get_data(as_text=True)
    assert post(client, link, CHOSEN).status_code == 200
    user = session.scalar(sa.select(User).where(User.email == GUEST))
    assert (user.role, user.display_name) == ("volunteer", "Jana Neu")
    assert client.get(link).status_code == 410
    with pytest.raises(joining.LinkInvalid):  # a second use, even past the page, makes nothing
        joining.accept_invitation(session, link.rsplit("/", 1)[1], name="Zweite", password="x" * 12,
                                  repeated="x" * 12)
    login(client, GUEST, CHOSEN["password"])


def test_an_expired_invitation_makes_no_account(client, session, coordinator):
    joining.invite(session, coordinator, email=GUEST, role="volunteer", base_url="http://roombook.test/")
    link = link_in(mails_to(session, GUEST)[0])
    with clock.frozen(clock.now() + joining.INVITATION_LIFETIME + dt.timedelta(seconds=1)):
        assert client.get(link).status_code == 410
        with pytest.raises(joining.LinkInvalid):
            joining.accept_invitation(session, link.rsplit("/", 1)[1], name="Jana", password="x" * 12,
                                      repeated="x" * 12)
    assert session.scalar(sa.select(User).where(User.email == GUEST)) is None


def test_a_coordinator_invites_only_volunteers_and_an_admin_any_role(client, session, coordinator, admin,
                                                                     make_accommodation):
    login(client, coordinator.email, "coordinator-pw")
    refused = _invite(client, {"invite-email": GUEST, "invite-role": "admin"})
    assert refused.status_code == 422 and 'id="invite-role-error"' in refused.get_data(as_text=True)
    assert 'id="invite-accommodations"' not in refused.get_data(as_text=True)  # nobody to place for volunteers
    assert post(client, "/logout", {}, page="/login").status_code == 302

    place = make_accommodation()
    login(client, admin.email, "admin-password")
    no_house = _invite(client, {"invite-email": GUEST, "invite-role": "facility_manager"})
    assert no_house.status_code == 422 and 'id="invite-accommodations-error"' in no_house.get_data(as_text=True)
    assert mails_to(session, GUEST) == []
    assert _invite(client, {"invite-email": GUEST, "invite-role": "facility_manager",
                            "invite-accommodations": str(place.id)}).status_code == 302
    assert post(client, "/logout", {}, page="/login").status_code == 302
    assert post(client, link_in(mails_to(session, GUEST)[0]), CHOSEN).status_code == 200
    manager = session.scalar(sa.select(User).where(User.email == GUEST))
    assert manager.role == "facility_manager" and [a.id for a in manager.accommodations] == [place.id]


@pytest.mark.parametrize("change, field", [({"password": "short", "repeat": "short"}, "password"),
                                           ({"repeat": "something-else"}, "repeat"), ({"name": ""}, "name")])
def test_a_bad_name_or_password_is_refused_at_its_field_and_the_link_stays_good(client, session, coordinator,
                                                                                change, field):
    joining.invite(session, coordinator, email=GUEST, role="volunteer", base_url="http://roombook.test/")
    link = link_in(mails_to(session, GUEST)[0])
    answer = post(client, link, {**CHOSEN, **change})
    assert answer.status_code == 422 and f'id="{field}-error"' in answer.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_invitations_are_rate_limited_per_address(session, coordinator):
    for _ in range(joining.INVITATIONS_PER_EMAIL[0]):
        joining.invite(session, coordinator, email=GUEST, role="volunteer", base_url="http://roombook.test/")
    with pytest.raises(joining.TooManyRequests):
        joining.invite(session, coordinator, email=GUEST, role="volunteer", base_url="http://roombook.test/")
    assert len(mails_to(session, GUEST)) == joining.INVITATIONS_PER_EMAIL[0]


def test_two_uses_of_one_link_at_once_let_exactly_one_through(app, committed):
    """Each attempt on its own connection, released together: the conditional UPDATE lets one win."""
    with transaction():
        _token, secret = joining.issue_token(db.session, TokenPurpose.INVITATION, dt.timedelta(hours=1),
                                             email=GUEST, role="volunteer")
    db.session.remove()
    attempts = 6
    barrier, outcomes = threading.Barrier(attempts), []

    def use():
        with app.app_context():
            barrier.wait()
            try:
                with transaction():
                    joining.use_token(db.session, secret, {TokenPurpose.INVITATION})
                outcomes.append("used")
            except joining.LinkInvalid:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused"] * (attempts - 1) + ["used"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)
                             .where(AccountToken.used_at.is_not(None))) == 1


def test_an_admin_invites_from_the_command_line(app, session, admin, make_accommodation):
    place = make_accommodation()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "invite", "--email", GUEST, "--role", "facility_manager", "--by", admin.email])
    assert refused.exit_code != 0 and "--accommodation" in refused.output
    ok = runner.invoke(args=["users", "invite", "--email", GUEST, "--role", "facility_manager", "--by", admin.email,
                             "--accommodation", place.key, "--language", "en"])
    assert ok.exit_code == 0, ok.output
    (mail,) = mails_to(session, GUEST)
    assert mail.subject == "Invitation to roombook" and link_in(mail).startswith("/invitation/")


def test_an_account_made_for_the_address_at_the_same_moment_makes_the_link_invalid(session, coordinator):
    """The database refuses the second account; the person is told the link is no longer good, never a 500."""
    joining.invite(session, coordinator, email=GUEST, role="volunteer", base_url="http://roombook.test/")
    secret = link_in(mails_to(session, GUEST)[0]).rsplit("/", 1)[1]
    with session.no_autoflush, pytest.raises(joining.LinkInvalid):
        # the other account is not written yet when the invitation looks for one: a concurrent transaction's
        session.add(User(email=GUEST, role="volunteer", password_hash="x"))
        joining.accept_invitation(session, secret, name=CHOSEN["name"], password=CHOSEN["password"],
                                  repeated=CHOSEN["repeat"])
