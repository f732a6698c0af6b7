"""API tokens: issued once in clear, stored only as a hash; they may expire and can be revoked."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.models import ApiToken, User
from roombook.models.tokens import hash_secret, new_secret

# Tokens carry this prefix so that a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "rb_"
# Writing last_used_at on every request would turn every GET into a write; once an hour is enough.
LAST_USED_GRANULARITY = dt.timedelta(hours=1)


def create_api_token(session: Session, user: User, label: str = "", *, expires_in: dt.timedelta | None = None,
                     actor: User | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the secret, which is shown once and never stored."""
    secret = TOKEN_PREFIX + new_secret()
    token = ApiToken(user=user, label=label.strip()[:120], token_hash=hash_secret(secret), prefix=secret[:8],
                     expires_at=clock.now() + expires_in if expires_in else None)
    session.add(token)
    session.flush()
    audit.record(session, actor or user, "api_token.created", token, prefix=token.prefix, label=token.label)
    return token, secret


# Built once: every API request runs it. The user as an object; of the token only what the checks read.
_BY_HASH = (sa.select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == sa.bindparam("token_hash")))


@dataclass(frozen=True)
class TokenUse:
    """Who a live token speaks for, and what the request may have to note about the token."""

    user: User
    token_id: int
    last_used_at: dt.datetime | None


def find_api_token(session: Session, secret: str, *, now: dt.datetime | None = None) -> TokenUse | None:
    """The live token for `secret`: not revoked, not expired, and its user still active; else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = now or clock.now()
    row = session.execute(_BY_HASH, {"token_hash": hash_secret(secret)}).one_or_none()
    if row is None:
        return None
    user, token_id, revoked_at, expires_at, last_used_at = row
    if revoked_at is not None or not user.active or (expires_at is not None and expires_at <= now):
        return None
    return TokenUse(user, token_id, last_used_at)


def needs_last_used_update(use: TokenUse, now: dt.datetime | None = None) -> bool:
    now = now or clock.now()
    return use.last_used_at is None or now - use.last_used_at >= LAST_USED_GRANULARITY


def touch_api_token(session: Session, token_id: int, now: dt.datetime | None = None) -> None:
    """Note that the token was used (at most hourly, see LAST_USED_GRANULARITY)."""
    session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now or clock.now()))


def revoke_api_token(session: Session, actor: User | None, token: ApiToken) -> None:
    """Revoke the token from now on; revoking twice is harmless."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()
        audit.record(session, actor, "api_token.revoked", token, prefix=token.prefix)


def can_revoke_api_token(user: User | None, token: ApiToken) -> bool:
    return user is not None and (token.user_id == user.id or user.role == "admin")


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))
