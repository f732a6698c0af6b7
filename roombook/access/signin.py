"""Signing in and out.

A password check costs one password hash whether or not the email address belongs to anyone, so the time
of the answer tells nothing. Guessing slows down with a growing delay per pair of account and network
address (the client's), and per network address: nobody can lock another person out, and a successful
sign-in clears its pair.

Each sign-in is a `Login` row; the browser's cookies (Flask-Login's session and remember-me cookie) carry
its secret, of which the database keeps only the hash. Logging out deletes that row; logging out
everywhere, a new password and deleting the account delete all of a person's rows.
"""
from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from roombook import clock
from roombook.access import ratelimit
from roombook.access.ratelimit import Backoff
from roombook.models import Login, User
from roombook.models.tokens import hash_secret, new_secret

# A sign-in without "Angemeldet bleiben" ends with the browser session, and on the server after a working
# day at the latest; a remembered one after 30 days (Flask-Login's default of a year outlived any reason).
SESSION_LIFETIME = dt.timedelta(hours=12)
REMEMBER_LIFETIME = dt.timedelta(days=30)

# Five mistakes cost nothing, then 2 s, 4 s, 8 s, … up to 15 minutes between attempts from one network address
# at one account. A network address alone may make more (a shared office or accommodation network), against
# those who try one password on many accounts.
PER_PAIR = Backoff(free=5, first=dt.timedelta(seconds=2), longest=dt.timedelta(minutes=15),
                   memory=dt.timedelta(days=1))
PER_ADDRESS = Backoff(free=30, first=dt.timedelta(seconds=2), longest=dt.timedelta(minutes=15),
                      memory=dt.timedelta(days=1))

# The hash of a random password nobody was ever told, made with werkzeug's default method and cost (those of
# every password set today): an unknown email address is checked against it, so its answer takes as long as
# a known one's. tests/hardening/test_signin.py fails when werkzeug's default changes and this hash lags behind.
NOBODYS_HASH = ("scrypt:32768:8:1$cOy6ridH4EbTM0tJ$e2eb3694925a709f91a27245b10129a82c5aa5ffac459e322995c8435868f45f"
                "fd2a4e3bdc9dd9c9c85d8df88ee4b08d3e5909b9b1dabd088767188ad9800956")
# Longer cookie values are no secret of ours; they are refused before any hashing.
_MAX_SECRET = 100


class TooManyAttempts(Exception):
    """The pair or the network address must wait before the next attempt; the password was not even checked."""

    def __init__(self, wait: dt.timedelta):
        super().__init__(f"wait {wait}")
        self.wait = wait

    @property
    def seconds(self) -> int:
        """The wait in whole seconds, rounded up (for Retry-After and the message)."""
        return max(1, math.ceil(self.wait.total_seconds()))


def user_by_password(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (the same answer for either mistake).

    Exactly one password hash runs in every case, against the fixed NOBODYS_HASH when nobody has the email
    address, so the answer takes the same time for an unknown address, an inactive account or a wrong password.
    """
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    matches = check_password_hash(user.password_hash if user is not None else NOBODYS_HASH, password)
    return user if matches and user is not None and user.active else None


def _buckets(email: str, client: str) -> tuple[str, str]:
    # the pair by a hash: an email address of 254 characters fits the bucket column, and none is kept there
    return f"login:{hash_secret(email + chr(10) + client)}", f"login-from:{client}"


def authenticate(session: Session, email: str, password: str, *, client: str,
                 now: dt.datetime | None = None) -> User | None:
    """The active user with this email and password, or None; raises TooManyAttempts while the pair (this
    account from the network address `client`) or that network address must wait.

    A failure is counted for both, so the caller must commit even when None comes back; a success clears
    the pair and counts nowhere. Attempts of one pair wait for each other (on PostgreSQL they would
    otherwise all pass the same count at once).
    """
    now = now or clock.now()
    email = email.strip().lower()
    pair, address = _buckets(email, client)
    ratelimit.serialize(session, pair)
    wait = max(ratelimit.wait(session, pair, PER_PAIR, now=now), ratelimit.wait(session, address, PER_ADDRESS,
                                                                                now=now))
    if wait:
        raise TooManyAttempts(wait)
    user = user_by_password(session, email, password)
    if user is None:
        ratelimit.note_failure(session, pair, now=now)
        ratelimit.note_failure(session, address, now=now)
    else:
        ratelimit.forget(session, pair)
    return user


def sign_in(session: Session, email: str, password: str, *, client: str, remember: bool,
            now: dt.datetime | None = None) -> User | None:
    """Check the password (see `authenticate`) and open a login; the user comes back with its secret set for
    Flask-Login's cookies, or None for a wrong email or password."""
    user = authenticate(session, email, password, client=client, now=now)
    if user is not None:
        open_login(session, user, remember=remember, now=now)
    return user


def open_login(session: Session, user: User, *, remember: bool, now: dt.datetime | None = None) -> str:
    """A new login for `user` with a fresh secret, which is returned and also set on the user for the cookies.

    The person's expired logins are deleted on the way: they can never be used again.
    """
    now = now or clock.now()
    session.execute(sa.delete(Login).where(Login.user_id == user.id, Login.expires_at <= now))
    secret = new_secret()
    session.add(Login(user_id=user.id, secret_hash=hash_secret(secret), remember=remember, created_at=now,
                      expires_at=now + (REMEMBER_LIFETIME if remember else SESSION_LIFETIME)))
    session.flush()
    user.login_secret = secret
    return secret


# Built once: every request of a signed-in person runs it.
_BY_SECRET = (sa.select(User).join(Login, Login.user_id == User.id)
              .where(Login.secret_hash == sa.bindparam("secret_hash"), Login.expires_at > sa.bindparam("now"),
                     User.active.is_(True)))


def user_of_login(session: Session, secret: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user whose unexpired login has this secret, with the secret set on it; else None."""
    if not secret or len(secret) > _MAX_SECRET:
        return None
    user = session.scalar(_BY_SECRET, {"secret_hash": hash_secret(secret), "now": now or clock.now()})
    if user is not None:
        user.login_secret = secret
    return user


def end_login(session: Session, secret: str | None) -> None:
    """End the login with this secret (logging out): whatever copy of its cookies exists opens nothing now."""
    if secret:
        session.execute(sa.delete(Login).where(Login.secret_hash == hash_secret(secret)))


def end_all_logins(session: Session, user: User) -> int:
    """End every login of `user`, in every browser; how many there were."""
    return session.execute(sa.delete(Login).where(Login.user_id == user.id)).rowcount


def logins_of(session: Session, user: User) -> list[Login]:
    return list(session.scalars(sa.select(Login).where(Login.user_id == user.id).order_by(Login.id)))
