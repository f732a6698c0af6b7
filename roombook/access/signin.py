"""Checking a login, with a rate limit kept in the database (so it holds across worker processes)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.access.ratelimit import allow
from roombook.models import User

# Per address and per account: a person who mistypes a few times is never stopped, a guesser is.
WINDOW = dt.timedelta(minutes=15)
PER_ACCOUNT = 10
PER_CLIENT = 30


class TooManyAttempts(Exception):
    """The limit was reached; the attempt was not even checked."""


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
    user = session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
