"""A forgotten password: a mailed link, good for one use within RESET_LIFETIME, sets a new one.

The request answers the same, and does the same work, whether or not the address has an account: one
lookup, one link row written (for an unknown address one that names nobody), one mail rendered in the same
way and queued (to an address without an account, a note that it has none, with where to sign up), and no
password hash in either case (the link's secret is random, stored as its SHA-256 like the API tokens).
bench/accounts.py measures the two. Requests are limited per network address and per address mailed to, so
nobody can flood a mailbox through the form.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.access.accounts import set_password
from roombook.access.joining import (
    LinkInvalid,
    check_password,
    email_bucket,
    issue_token,
    limit,
    use_token,
)
from roombook.models import User
from roombook.models.recruitment import AccountToken, TokenPurpose
from roombook.notifications import account_mails as mails

RESET_LIFETIME = dt.timedelta(hours=1)
PER_CLIENT = (10, dt.timedelta(hours=1))
PER_EMAIL = (3, dt.timedelta(hours=1))
# The links that set a password: a reset, and the first password after a registration was approved.
SETS_PASSWORD = {TokenPurpose.RESET, TokenPurpose.WELCOME}


def request_reset(session: Session, email: str, *, language: str, client: str, base_url: str) -> None:
    """Mail a reset link to an active account's address; to any other address, the note that it has none.
    Raises joining.TooManyRequests (nothing sent) when a limit is reached."""
    email = email.strip().lower()
    limit(session, (f"reset-from:{client}", PER_CLIENT), (email_bucket("reset", email), PER_EMAIL))
    user = session.scalar(sa.select(User).where(User.email == email))
    known = user is not None and user.active
    # An unknown address gets a link row too, naming nobody (no use can succeed; the daily job deletes it once
    # expired): the same INSERTs either way, so the time does not tell the one from the other.
    _token, secret = issue_token(session, TokenPurpose.RESET, RESET_LIFETIME, user_id=user.id if known else None,
                                 language=user.language if known else language)
    if known:
        mails.reset_link(session, user, secret, base_url)
    else:
        mails.reset_unknown(session, email, language, base_url)


def reset_password(session: Session, secret: str, password: str, repeated: str) -> User:
    """Set the new password by the link (used up), end every login of the account, and use up its other
    password links. joining.JoiningError for a password to correct (the link stays good)."""
    check_password(password, repeated)
    token = use_token(session, secret, SETS_PASSWORD)
    user = token.user
    if user is None or not user.active:
        raise LinkInvalid()
    set_password(session, user, password)
    session.execute(sa.update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None),
                                                  AccountToken.purpose.in_(SETS_PASSWORD))
                    .values(used_at=clock.now()).execution_options(synchronize_session=False))
    audit.record(session, user, "user.password_set", user, purpose=token.purpose)
    return user
