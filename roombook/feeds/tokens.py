"""Feed tokens: the secret in a private feed's URL. Only a hash is stored; the secret is shown once.

Rotating revokes the old secret and issues a new one with the same scope and label, so a leaked URL
can be killed without losing the subscription's meaning. A revoked token, or one whose owner has
lost the right to its scope, finds no feed (the view answers 404, as for a token that never existed).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.feeds.catalogue import allowed_scopes
from roombook.models import FeedToken, User
from roombook.models.tokens import hash_secret, new_secret

MAX_ACTIVE = 20
# last_used_at is written at most this often, so reading a feed is (almost always) no write at all.
USE_RESOLUTION = dt.timedelta(days=1)


class FeedTokenRefused(ValueError):
    """The user may not have this feed token (scope not theirs, too many tokens, not their token)."""


def feed_tokens_of(session: Session, user: User) -> list[FeedToken]:
    """The user's tokens, active first, newest first."""
    return list(session.scalars(sa.select(FeedToken).where(FeedToken.user_id == user.id)
                                .order_by(FeedToken.revoked_at.is_not(None), FeedToken.created_at.desc(),
                                          FeedToken.id.desc())))


def create_feed_token(session: Session, user: User, scope: str, label: str = "") -> tuple[FeedToken, str]:
    """Issue a token for one of the user's scopes; returns the row and the secret (shown once, never stored)."""
    if scope not in allowed_scopes(user):
        raise FeedTokenRefused(f"Dieser Kalender steht Ihnen nicht zu. / You may not have the feed '{scope}'.")
    active = session.scalar(sa.select(sa.func.count()).select_from(FeedToken).where(
        FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None)))
    if active >= MAX_ACTIVE:
        raise FeedTokenRefused(f"Höchstens {MAX_ACTIVE} aktive Kalender-Links. / At most {MAX_ACTIVE} active links.")
    secret = new_secret()
    token = FeedToken(user_id=user.id, scope=scope, label=label.strip()[:120], token_hash=hash_secret(secret),
                      prefix=secret[:8])
    session.add(token)
    session.flush()
    audit.record(session, user, "feed_token.created", token, scope=scope, prefix=token.prefix)
    return token, secret


def _own(user: User, token: FeedToken) -> None:
    if token.user_id != user.id or token.revoked_at is not None:
        raise FeedTokenRefused("Diesen Kalender-Link gibt es nicht (mehr). / No such active link.")


def revoke_feed_token(session: Session, user: User, token: FeedToken) -> None:
    """Revoke one of the user's tokens: its URL answers 404 from now on."""
    _own(user, token)
    token.revoked_at = clock.now()
    session.flush()
    audit.record(session, user, "feed_token.revoked", token, prefix=token.prefix)


def rotate_feed_token(session: Session, user: User, token: FeedToken) -> tuple[FeedToken, str]:
    """Replace a token's secret: the old URL dies, a new one with the same scope and label is issued."""
    _own(user, token)
    token.revoked_at = clock.now()
    session.flush()
    secret = new_secret()
    fresh = FeedToken(user_id=user.id, scope=token.scope, label=token.label, token_hash=hash_secret(secret),
                      prefix=secret[:8])
    session.add(fresh)
    session.flush()
    audit.record(session, user, "feed_token.rotated", fresh, replaces=token.prefix, prefix=fresh.prefix)
    return fresh, secret


def find_feed_token(session: Session, secret: str) -> FeedToken | None:
    """The active token for a secret, or None (unknown, revoked, or its owner is deactivated)."""
    if not secret or len(secret) > 200:
        return None
    token = session.scalar(sa.select(FeedToken).where(FeedToken.token_hash == hash_secret(secret),
                                                      FeedToken.revoked_at.is_(None)))
    if token is None or not token.user.active:
        return None
    return token


def use_due(token: FeedToken, now: dt.datetime) -> bool:
    """Whether reading the feed now should be recorded: at most once per USE_RESOLUTION."""
    return token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION


def note_use(token: FeedToken, now: dt.datetime) -> None:
    """Record that the token's feed was read (so its owner can see which links are still in use)."""
    token.last_used_at = now
