"""Signing in (hardening item 6): the same work for known and unknown addresses."""
from __future__ import annotations

import pytest
import werkzeug.security
from flask import g
from werkzeug.security import generate_password_hash

from roombook.access import signin
from roombook.models import User
from tests.conftest import csrf_token

PASSWORD = "richtig-langes-pw"
# A cheap hash for the known account: the hash counted is the same code for any method.
CHEAP = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
HERE = "10.0.0.1"


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


def log_in(client, email: str, password: str, address: str = HERE, remember: bool = False):
    g.pop("_login_user", None)  # the test's app context outlives its requests (see test_sessions.py)
    g.pop("csrf_token", None)
    token = csrf_token(client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))
    return client.post("/login", environ_base={"REMOTE_ADDR": address},
                       data={"email": email, "password": password, "csrf_token": token,
                             **({"remember": "y"} if remember else {})})


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
    answer = log_in(client, email, password)
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
