"""Signing up on /mitmachen: double opt-in by a mailed link that expires, the coordinator's decision, and
nothing bookable before approval; stale registrations deleted after 30 days; bad input refused at its field."""
from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa

from roombook import clock, jobs
from roombook.access import joining
from roombook.models import AuditEvent, Registration, User, VolunteerProfile
from roombook.models.recruitment import AccountToken, RegistrationStatus, TokenPurpose
from roombook.notifications.outbox import send_pending
from tests.access.joining_helpers import link_in, mails_to, sign_up
from tests.conftest import login
from tests.manage.conftest import smtp_sink  # noqa: F401  (fixture)
from tests.web.conftest import post

EMAIL = "amal@example.org"


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", email="koordination@example.org", password="coordinator-pw")


def _registration(session, email=EMAIL) -> Registration | None:
    return session.scalar(sa.select(Registration).where(Registration.email == email))


def _account(session, email=EMAIL) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email))


def test_a_sign_up_mails_a_link_and_makes_no_account_until_confirmed_and_approved(client, session, coordinator):
    answer = sign_up(client, "Amal@Example.org")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/mitmachen?sent=1")
    assert "Bitte bestätigen Sie Ihre Anmeldung" in client.get(answer.headers["Location"]).get_data(as_text=True)

    registration = _registration(session)
    assert registration.status == RegistrationStatus.UNCONFIRMED and registration.consented_at is not None
    assert registration.languages == ["de", "ar"] and registration.skills == ["language_course"]
    (mail,) = mails_to(session, EMAIL)
    assert link_in(mail).startswith("/mitmachen/confirm/") and mail.body.startswith("Guten Tag Amal Haddad,")
    # unconfirmed: no account, nobody can sign in or book, the coordinator does not see it and cannot approve it
    assert _account(session) is None
    assert login(client, EMAIL, "anything-at-all", check=False).status_code == 401
    with pytest.raises(joining.RegistrationClosed):
        joining.approve(session, coordinator, registration, base_url="http://roombook.test/")
    assert _account(session) is None and joining.awaiting_decision(session) == []


def test_an_expired_confirmation_link_confirms_nothing(client, session):
    sign_up(client, EMAIL)
    link = link_in(mails_to(session, EMAIL)[0])
    with clock.frozen(clock.now() + joining.CONFIRM_LIFETIME + dt.timedelta(minutes=1)):
        assert client.get(link).status_code == 410
        with pytest.raises(joining.LinkInvalid):
            joining.confirm_registration(session, link.rsplit("/", 1)[1])
    assert _registration(session).status == RegistrationStatus.UNCONFIRMED
    assert joining.awaiting_decision(session) == [] and _account(session) is None


def test_confirmed_and_approved_the_volunteer_sets_a_password_once_and_signs_in(client, session, coordinator):
    sign_up(client, EMAIL)
    confirm = link_in(mails_to(session, EMAIL)[0])
    assert client.get(confirm).status_code == 200  # a mail scanner following the link confirms nothing
    assert _registration(session).status == RegistrationStatus.UNCONFIRMED
    assert post(client, confirm, {}).status_code == 200
    assert _registration(session).status == RegistrationStatus.CONFIRMED
    assert client.get(confirm).status_code == 410  # used

    login(client, coordinator.email, "coordinator-pw")
    page = client.get("/manage/registrations").get_data(as_text=True)
    assert "Amal Haddad" in page and "Arabisch" in page and "Sprachkurs" in page
    registration = _registration(session)
    answer = post(client, f"/manage/registrations/{registration.id}/approve", {}, page="/manage/registrations")
    assert answer.status_code == 302
    again = post(client, f"/manage/registrations/{registration.id}/approve", {}, page="/manage/registrations")
    assert again.status_code == 409  # decided once
    assert post(client, "/logout", {}, page="/my/profile").status_code == 302

    volunteer = _account(session)
    assert volunteer.role == "volunteer" and volunteer.display_name == "Amal Haddad"
    profile = session.get(VolunteerProfile, volunteer.id)
    assert profile.languages == ["de", "ar"] and profile.skills == ["language_course"]
    assert login(client, EMAIL, "a-new-password", check=False).status_code == 401  # no password of theirs yet
    welcome = mails_to(session, EMAIL)[-1]
    assert welcome.subject == "Willkommen bei roombook"
    link = link_in(welcome)
    assert post(client, link, {"password": "a-new-password", "repeat": "a-new-password"}).status_code == 200
    assert client.get(link).status_code == 410
    login(client, EMAIL, "a-new-password")
    actions = set(session.scalars(sa.select(AuditEvent.action)))
    assert {"registration.approved", "user.password_set"} <= actions


def test_declining_mails_the_message_and_makes_no_account(client, session, coordinator):
    sign_up(client, EMAIL)
    joining.confirm_registration(session, link_in(mails_to(session, EMAIL)[0]).rsplit("/", 1)[1])
    login(client, coordinator.email, "coordinator-pw")
    registration = _registration(session)
    answer = post(client, f"/manage/registrations/{registration.id}/decline",
                       {"message": "Im Moment brauchen wir niemanden für Sprachkurse."}, page="/manage/registrations")
    assert answer.status_code == 302
    assert _registration(session).status == RegistrationStatus.DECLINED and _account(session) is None
    declined = mails_to(session, EMAIL)[-1]
    assert "Im Moment brauchen wir niemanden für Sprachkurse." in declined.body
    assert "Im Moment brauchen" not in client.get("/manage/outbox").get_data(as_text=True)  # account mails stay private


def test_unconfirmed_and_declined_registrations_are_deleted_after_30_days(app, session, coordinator):
    start = clock.now()
    def registration(email, status, **decided):
        row = Registration(email=email, display_name="X", consented_at=start, created_at=start, status=status,
                           **decided)
        session.add(row)
        return row
    registration("unconfirmed@example.org", RegistrationStatus.UNCONFIRMED)
    registration("declined@example.org", RegistrationStatus.DECLINED, decided_at=start + dt.timedelta(days=5))
    registration("waiting@example.org", RegistrationStatus.CONFIRMED, confirmed_at=start)
    session.flush()
    with clock.frozen(start + dt.timedelta(days=30, hours=1)):
        assert jobs.delete_stale_registrations(app) == 1  # the unconfirmed one
    with clock.frozen(start + dt.timedelta(days=35, hours=1)):
        assert joining.delete_stale(session) == 1  # the declined one, 30 days after the decision
    assert set(session.scalars(sa.select(Registration.email))) == {"waiting@example.org"}


def test_links_past_their_expiry_are_deleted_by_the_daily_job(session):
    expired, _secret = joining.issue_token(session, TokenPurpose.RESET, dt.timedelta(hours=1))
    live, _secret = joining.issue_token(session, TokenPurpose.RESET, dt.timedelta(days=2))
    with clock.frozen(clock.now() + dt.timedelta(days=1)):
        joining.delete_stale(session)
    assert list(session.scalars(sa.select(AccountToken.id))) == [live.id]


def test_an_address_with_an_account_gets_the_same_answer_and_no_registration(client, session, make_user):
    make_user(email="member@example.org")
    new, known = sign_up(client, "new@example.org"), sign_up(client, "member@example.org")
    assert (new.status_code, new.headers["Location"]) == (known.status_code, known.headers["Location"])
    assert _registration(session, "member@example.org") is None
    (mail,) = mails_to(session, "member@example.org")
    assert mail.subject == "Sie haben schon ein Konto bei roombook" and "/password/reset" in mail.body


@pytest.mark.parametrize("change, field", [
    ({"consent": False}, "consent"),
    ({"email": "not-an-address"}, "email"),
    ({"name": "   "}, "name"),
    ({"name": "Amal\x00"}, "name"),
    ({"languages": ["xx"]}, "languages"),
    ({"skills": ["office_hours"]}, "skills"),  # office hours are the departments', no volunteer skill
    ({"note": "x" * 501}, "note"),
])
def test_bad_input_is_refused_at_its_field_and_stores_nothing(client, session, change, field):
    values = {"email": EMAIL, **change}
    answer = sign_up(client, values.pop("email"), **values)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert _registration(session) is None and mails_to(session, EMAIL) == []


def test_sign_ups_are_rate_limited_per_address(client, session):
    for _ in range(joining.SIGN_UP_PER_EMAIL[0]):
        assert sign_up(client, EMAIL).status_code == 302
    refused = sign_up(client, EMAIL)
    assert refused.status_code == 429 and "Zu viele Anfragen" in refused.get_data(as_text=True)
    assert len(mails_to(session, EMAIL)) == joining.SIGN_UP_PER_EMAIL[0]
    # a new sign-up of the address replaced the unconfirmed one before it
    assert session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_the_confirmation_mail_reaches_a_real_smtp_server_with_its_link(app, client, session, smtp_sink):
    sign_up(client, EMAIL)
    session.flush()
    assert send_pending(app)["sent"] == 1
    (mail,) = smtp_sink.messages
    subject = str(make_header(decode_header(mail["Subject"])))
    assert mail["To"] == EMAIL and subject == "Bitte bestätigen Sie Ihre Anmeldung"
    assert app.config["ROOMBOOK_BASE_URL"].rstrip("/") + "/mitmachen/confirm/" in mail.get_payload(decode=True).decode()


def test_the_export_holds_the_registration_and_deleting_the_account_deletes_it(client, session, coordinator):
    from roombook.access import privacy

    sign_up(client, EMAIL)
    registration = joining.confirm_registration(session, link_in(mails_to(session, EMAIL)[0]).rsplit("/", 1)[1])
    volunteer = joining.approve(session, coordinator, registration, base_url="http://roombook.test/")
    exported = privacy.export_user_data(session, volunteer)["registration"]
    assert exported["consented_at"] == registration.consented_at.isoformat() and exported["languages"] == ["de", "ar"]
    privacy.delete_user(session, volunteer, volunteer)
    session.expire_all()
    assert _registration(session) is None


def test_the_page_reads_in_english_with_its_introduction_in_the_residents_languages(client, session):
    page = client.get("/mitmachen", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Join as a volunteer" in page and "Privacy notice" in page and "Mitmachen als" not in page
    assert '<p lang="ar" dir="rtl">' in page and '<p lang="uk" dir="ltr">' in page and '<p lang="de" dir="ltr">' in page
    assert '<p lang="en"' not in page  # the page's own language says it once


def test_the_mails_are_in_the_language_the_person_signed_up_in(client, session):
    post(client, "/language", {"lang": "en", "next": "/mitmachen"}, page="/mitmachen")
    sign_up(client, EMAIL)
    (mail,) = mails_to(session, EMAIL)
    assert mail.subject == "Please confirm your registration" and "valid for 48 hours" in mail.body


def test_an_account_made_for_the_address_at_the_same_moment_closes_the_registration(client, session, coordinator):
    """The database refuses the second account; the coordinator is told the address has one, never a 500."""
    sign_up(client, EMAIL)
    registration = joining.confirm_registration(session, link_in(mails_to(session, EMAIL)[0]).rsplit("/", 1)[1])
    with session.no_autoflush, pytest.raises(joining.RegistrationClosed, match="schon ein Konto"):
        # the other account is not written yet when approving looks for one: a concurrent transaction's
        session.add(User(email=EMAIL, role="volunteer", password_hash="x"))
        joining.approve(session, coordinator, registration, base_url="http://roombook.test/")
