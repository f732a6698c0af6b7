"""Signing in (hardening items 6 and 7): the same work for known and unknown addresses, and a throttle per
(account, address) pair that slows a guesser down without locking anyone else out."""
from __future__ import annotations

import datetime as dt

import pytest
import werkzeug.security
from flask import g
from werkzeug.security import generate_password_hash

from roombook import clock
from roombook.access import signin
from roombook.access.accounts import create_user
from roombook.db import transaction
from roombook.models import User
from tests.concurrency import at_once
from tests.conftest import csrf_token, login

PASSWORD = "richtig-langes-pw"
# A cheap hash for the throttle tests, which sign in dozens of times; the check is the same code for any method.
CHEAP = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
HERE, THERE = "10.0.0.1", "10.0.0.2"


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hash computed from here on, by method: werkzeug hashes through this one function for
    checking and setting alike, so none can be computed without being counted."""
    computed = []
    real = werkzeug.security._hash_internal

    def counting(method, salt, password):
        computed.append(method.split(":")[0])
        return real(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return computed


def log_out(client) -> None:
    g.pop("csrf_token", None)
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


# --- item 6: one password hash, whoever asks ---------------------------------------------------------------

def known(session, *, active: bool) -> None:
    session.add(User(email="known@example.org", role="volunteer", password_hash=CHEAP, active=active))
    session.flush()


@pytest.mark.parametrize("case", ["unknown address", "wrong password", "right password", "deactivated account"])
def test_a_login_computes_one_password_hash_whoever_asks(client, session, hashes, case):
    known(session, active=case != "deactivated account")
    email = "nobody@example.org" if case == "unknown address" else "known@example.org"
    password = "falsch-geraten" if case == "wrong password" else PASSWORD
    hashes.clear()
    answer = login(client, email, password, address=HERE, check=False)
    assert answer.status_code == (302 if case == "right password" else 401)
    assert len(hashes) == 1


@pytest.mark.parametrize("case", ["unknown address", "wrong password", "right password", "deactivated account"])
def test_a_token_request_computes_one_password_hash_whoever_asks(client, session, hashes, case):
    known(session, active=case != "deactivated account")
    email = "nobody@example.org" if case == "unknown address" else "known@example.org"
    password = "falsch-geraten" if case == "wrong password" else PASSWORD
    hashes.clear()
    answer = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert answer.status_code == (201 if case == "right password" else 401)
    assert len(hashes) == 1


def test_the_stand_in_hash_costs_what_a_new_password_costs():
    """Checking against NOBODYS_HASH takes as long as against a password set today only while both are made
    with the same method and parameters; werkzeug raising its default must show up here."""
    assert signin.NOBODYS_HASH.split("$")[0] == generate_password_hash("x").split("$")[0]
    assert len(signin.NOBODYS_HASH) == len(generate_password_hash("x"))


# --- item 7: a growing delay per (account, address) pair -----------------------------------------------------

@pytest.fixture
def volunteer(session) -> User:
    user = User(email="vol@example.org", role="volunteer", password_hash=CHEAP)
    session.add(user)
    session.flush()
    return user


def test_wrong_passwords_from_one_address_lock_nobody_out(client, volunteer):
    statuses = [login(client, volunteer.email, "geraten", address=HERE, check=False).status_code for _ in range(12)]
    assert statuses[:5] == [401] * 5 and 429 in statuses
    assert login(client, volunteer.email, PASSWORD, address=THERE, check=False).status_code == 302  # the owner elsewhere gets in


def test_each_failure_beyond_five_doubles_the_wait_of_the_pair(client, volunteer):
    start = clock.now()
    with clock.frozen(start):
        assert [login(client, volunteer.email, "geraten", address=HERE, check=False).status_code for _ in range(5)] == [401] * 5
        refused = login(client, volunteer.email, PASSWORD, address=HERE, check=False)  # even the right password waits now
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
        assert "Zu viele Anmeldeversuche. Bitte warten Sie 2 Sekunden" in refused.get_data(as_text=True)
    waited = start
    for wait in (2, 4, 8, 16):
        with clock.frozen(waited + dt.timedelta(seconds=wait - 1)):
            assert login(client, volunteer.email, "geraten", address=HERE, check=False).status_code == 429
        waited += dt.timedelta(seconds=wait)
        with clock.frozen(waited):
            assert login(client, volunteer.email, "geraten", address=HERE, check=False).status_code == 401
    with clock.frozen(waited + dt.timedelta(seconds=31)):
        assert login(client, volunteer.email, "geraten", address=HERE, check=False).status_code == 429
    with clock.frozen(waited + dt.timedelta(seconds=32)):
        assert login(client, volunteer.email, PASSWORD, address=HERE, check=False).status_code == 302


def test_the_wait_grows_to_fifteen_minutes_and_no_further():
    assert [signin.PER_PAIR.delay(n).total_seconds() for n in (0, 4, 5, 6, 7, 13, 14, 40, 500)] == \
        [0, 0, 2, 4, 8, 512, 900, 900, 900]


def test_successful_logins_do_not_count_and_clear_the_pair(client, volunteer):
    with clock.frozen(clock.now()):
        for _round in range(3):
            assert [login(client, volunteer.email, "geraten", address=HERE, check=False).status_code for _ in range(4)] == [401] * 4
            assert login(client, volunteer.email, PASSWORD, address=HERE, check=False).status_code == 302
            log_out(client)
        assert [login(client, volunteer.email, PASSWORD, address=HERE, check=False).status_code for _ in range(12)] == [302] * 12


def test_an_address_trying_many_accounts_is_slowed_down_too(client, session):
    for n in range(31):
        session.add(User(email=f"person{n}@example.org", role="volunteer", password_hash=CHEAP))
    session.flush()
    with clock.frozen(clock.now()):
        statuses = [login(client, f"person{n}@example.org", "geraten", address=HERE, check=False).status_code for n in range(31)]
        assert statuses == [401] * 30 + [429]
        assert login(client, "person0@example.org", PASSWORD, address=THERE, check=False).status_code == 302


def test_token_requests_share_the_throttle_and_lock_nobody_out(client, volunteer):
    with clock.frozen(clock.now()):
        for _ in range(5):
            assert client.post("/api/v1/tokens", json={"email": volunteer.email, "password": "geraten"},
                               environ_base={"REMOTE_ADDR": HERE}).status_code == 401
        refused = client.post("/api/v1/tokens", json={"email": volunteer.email, "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": HERE})
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
        assert client.post("/api/v1/tokens", json={"email": volunteer.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": THERE}).status_code == 201


def test_concurrent_guesses_of_one_pair_get_one_free_attempt_between_them(app, committed):
    """One failure short of the delay, ten guesses at once: one is checked, nine wait (on PostgreSQL the
    attempts of a pair queue on a lock; without it they would all read the same count)."""
    db = committed
    with transaction():
        create_user(db.session, "target@example.org", "volunteer", PASSWORD)
    now = clock.now()
    with clock.frozen(now):
        with transaction():
            for _ in range(4):
                assert signin.authenticate(db.session, "target@example.org", "geraten", client=HERE) is None
        db.session.remove()
        attempts = 10

        def guess() -> str:
            user = signin.authenticate(db.session, "target@example.org", "geraten", client=HERE)
            return "signed in" if user else "checked"

        outcomes = at_once(app, db, [guess] * attempts, {signin.TooManyAttempts: "waits"})
    assert outcomes == ["checked"] + ["waits"] * (attempts - 1)
