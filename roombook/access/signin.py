"""Signing in and out: checking a login, with a rate limit kept in the database (so it holds across worker
processes). A password check costs one password hash whether or not the email address belongs to anyone, so
the time of the answer tells nothing.

Each sign-in is a `Login` row; the browser's cookies (Flask-Login's session and remember-me cookie) carry
its secret, of which the database keeps only the hash. Logging out deletes that row; logging out
everywhere, a new password and deleting the account delete all of a person's rows.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from roombook import clock
from roombook.access.ratelimit import allow
from roombook.models import Login, User
from roombook.models.tokens import hash_secret, new_secret

# A sign-in without "Angemeldet bleiben" ends with the browser session, and on the server after a working
# day at the latest; a remembered one after 30 days (Flask-Login's default of a year outlived any reason).
SESSION_LIFETIME = dt.timedelta(hours=12)
REMEMBER_LIFETIME = dt.timedelta(days=30)

# Per address and per account: a person who mistypes a few times is never stopped, a guesser is.
WINDOW = dt.timedelta(minutes=15)
PER_ACCOUNT = 10
PER_CLIENT = 30
# The hash of a random password nobody was ever told, made with werkzeug's default method and cost (those of
# every password set today): an unknown email address is checked against it, so its answer takes as long as
# a known one's. tests/hardening/test_signin.py fails when werkzeug's default changes and this hash lags behind.
NOBODYS_HASH = ("scrypt:32768:8:1$cOy6ridH4EbTM0tJ$e2eb3694925a709f91a27245b10129a82c5aa5ffac459e322995c8435868f45f"
                "fd2a4e3bdc9dd9c9c85d8df88ee4b08d3e5909b9b1dabd088767188ad9800956")
# Longer cookie values are no secret of ours; they are refused before any hashing.
_MAX_SECRET = 100


class TooManyAttempts(Exception):
    """The limit was reached; the attempt was not even checked."""


def user_by_password(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (the same answer for either mistake).

    Exactly one password hash runs in every case, against the fixed NOBODYS_HASH when nobody has the email
    address, so the answer takes the same time for an unknown address, an inactive account or a wrong password.
    """
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    matches = check_password_hash(user.password_hash if user is not None else NOBODYS_HASH, password)
    return user if matches and user is not None and user.active else None


def authenticate(session: Session, email: str, password: str, *, client: str,
                 now: dt.datetime | None = None) -> User | None:
    """The active user with this email and password, or None; raises TooManyAttempts over the limit.

    Every attempt counts, successful or not, and the caller must commit even when None comes back
    (otherwise a failed guess would cost nothing).
    """
    email = email.strip().lower()
    account_ok = allow(session, f"login:account:{email}", PER_ACCOUNT, WINDOW, now=now)
    client_ok = allow(session, f"login:client:{client}", PER_CLIENT, WINDOW, now=now)
    if not (account_ok and client_ok):
        raise TooManyAttempts()
    return user_by_password(session, email, password)


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
