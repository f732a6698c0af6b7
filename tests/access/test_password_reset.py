"""A forgotten password: a mailed link, single use, for an hour; known and unknown addresses answered alike,
with the same work (password hashes and outbox messages counted); the form rate-limited."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import werkzeug.security

from roombook import clock
from roombook.access import accounts, joining, password_reset, signin
from roombook.models import AccountToken, Login, OutboxMessage, User, people
from tests.access.joining_helpers import link_in, mails_to
from tests.conftest import login
from tests.web.conftest import post

KNOWN = "known@example.org"
NEW = {"password": "ein-neues-passwort", "repeat": "ein-neues-passwort"}


@pytest.fixture
def known(make_user):
    return make_user(email=KNOWN, password="the-old-password")


def _ask(client, email: str):
    return post(client, "/password/reset", {"email": email})


def test_the_login_page_offers_a_forgotten_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/reset"' in page and "Passwort vergessen?" in page


def test_a_reset_link_sets_the_password_once_and_ends_every_login(client, session, known):
    signin.open_login(session, known, remember=True)
    assert _ask(client, KNOWN).headers["Location"].endswith("/password/reset?sent=1")
    link = link_in(mails_to(session, KNOWN)[0])
    assert post(client, link, NEW).status_code == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(Login).where(Login.user_id == known.id)) == 0
    assert client.get(link).status_code == 410
    with pytest.raises(joining.LinkInvalid):
        password_reset.reset_password(session, link.rsplit("/", 1)[1], "noch-ein-passwort", "noch-ein-passwort")
    assert login(client, KNOWN, "the-old-password", check=False).status_code == 401
    login(client, KNOWN, NEW["password"])


def test_setting_a_password_uses_up_the_other_links_of_the_account(client, session, known):
    _ask(client, KNOWN)
    _ask(client, KNOWN)
    earlier, later = (link_in(mail) for mail in mails_to(session, KNOWN))
    assert post(client, later, NEW).status_code == 200
    assert client.get(earlier).status_code == 410  # whoever else read the mailbox cannot set it again


def test_a_reset_link_expires_after_an_hour(client, session, known):
    _ask(client, KNOWN)
    link = link_in(mails_to(session, KNOWN)[0])
    with clock.frozen(clock.now() + password_reset.RESET_LIFETIME + dt.timedelta(seconds=1)):
        assert client.get(link).status_code == 410
        with pytest.raises(joining.LinkInvalid):
            password_reset.reset_password(session, link.rsplit("/", 1)[1], NEW["password"], NEW["repeat"])
    session.refresh(known)
    assert known.check_password("the-old-password")


def test_a_short_or_mismatched_password_is_refused_at_its_field(client, session, known):
    _ask(client, KNOWN)
    link = link_in(mails_to(session, KNOWN)[0])
    answer = post(client, link, {"password": "kurz", "repeat": "kurz"})
    assert answer.status_code == 422 and 'id="password-error"' in answer.get_data(as_text=True)
    assert client.get(link).status_code == 200  # still good


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hash made or checked, wherever roombook calls werkzeug."""
    calls: list[str] = []
    for module in (accounts, signin, people):
        for name in ("generate_password_hash", "check_password_hash"):
            original = getattr(werkzeug.security, name)
            if hasattr(module, name):
                monkeypatch.setattr(module, name, lambda *a, _f=original, _n=name, **k: calls.append(_n) or _f(*a, **k))
    return calls


def test_known_and_unknown_addresses_get_the_same_answer_and_do_the_same_work(client, session, known, hashes):
    def ask(email):
        def rows():
            return tuple(session.scalar(sa.select(sa.func.count()).select_from(model))
                         for model in (OutboxMessage, AccountToken))
        before = rows()
        hashes.clear()
        answer = _ask(client, email)
        page = client.get(answer.headers["Location"]).get_data(as_text=True)
        work = (len(hashes), *(after - earlier for after, earlier in zip(rows(), before)))
        return answer.status_code, answer.headers["Location"], page, work

    known_answer, unknown_answer = ask(KNOWN), ask("nobody@example.org")
    assert known_answer == unknown_answer
    assert known_answer[3] == (0, 1, 1)  # no password hash either way, one message and one link row each
    # the unknown address's link row names nobody: no use of it can set anyone's password
    decoy = session.scalars(sa.select(AccountToken).order_by(AccountToken.id.desc())).first()
    assert decoy.user_id is None and decoy.email is None
    (unknown_mail,) = mails_to(session, "nobody@example.org")
    assert "kein Konto" in unknown_mail.body and "/password/new/" not in unknown_mail.body
    assert session.scalar(sa.select(User).where(User.email == "nobody@example.org")) is None


def test_reset_requests_are_rate_limited_per_address(client, session, known):
    for _ in range(password_reset.PER_EMAIL[0]):
        assert _ask(client, KNOWN).status_code == 302
    assert _ask(client, KNOWN).status_code == 429
    assert len(mails_to(session, KNOWN)) == password_reset.PER_EMAIL[0]


def test_a_bad_address_is_refused_at_its_field(client, session):
    answer = _ask(client, "no address")
    assert answer.status_code == 422 and 'id="email-error"' in answer.get_data(as_text=True)
