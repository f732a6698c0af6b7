"""Feed tokens: the secret in a private feed's URL. Only a hash is stored; the secret is shown once.

A token is one person's, or a department's (any provider's) team link for a shared calendar: made,
rotated and revoked by any of its members or an admin, and the provider's rather than the maker's, so
it outlives the member who made it (their leaving deletes only their own links).

Rotating revokes the old secret and issues a new one with the same scope and label, so a leaked URL
can be killed without losing the subscription's meaning. A revoked token, or one whose owner has
lost the right to its scope, finds no feed (the view answers 404, as for a token that never existed).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.access.permissions import can_keep_team_feed_links
from roombook.feeds.catalogue import allowed_scopes, team_scopes
from roombook.models import FeedToken, Provider, User
from roombook.models.tokens import hash_secret, new_secret

MAX_ACTIVE = 20
# last_used_at is written at most this often, so reading a feed is (almost always) no write at all.
USE_RESOLUTION = dt.timedelta(days=1)


class FeedTokenRefused(ValueError):
    """The user may not have this feed token (scope not theirs, too many tokens, not their token). Its text is
    lazy: `str(exc)` reads it in the language of the page or API answer that shows it."""


_NEWEST_ACTIVE_FIRST = (FeedToken.revoked_at.is_not(None), FeedToken.created_at.desc(), FeedToken.id.desc())


def feed_tokens_of(session: Session, user: User) -> list[FeedToken]:
    """The user's own tokens, active first, newest first."""
    return list(session.scalars(sa.select(FeedToken).where(FeedToken.user_id == user.id)
                                .order_by(*_NEWEST_ACTIVE_FIRST)))


def team_feed_tokens(session: Session, provider: Provider) -> list[FeedToken]:
    """A provider's team links, active first, newest first."""
    return list(session.scalars(sa.select(FeedToken).where(FeedToken.provider_id == provider.id)
                                .order_by(*_NEWEST_ACTIVE_FIRST)))


def _refuse_beyond_limit(session: Session, owner) -> None:
    active = session.scalar(sa.select(sa.func.count()).select_from(FeedToken).where(
        owner, FeedToken.revoked_at.is_(None)))
    if active >= MAX_ACTIVE:
        raise FeedTokenRefused(_l("Höchstens %(max)s aktive Kalender-Links.", max=MAX_ACTIVE))


def create_feed_token(session: Session, user: User, scope: str, label: str = "") -> tuple[FeedToken, str]:
    """Issue a token for one of the user's scopes; returns the row and the secret (shown once, never stored)."""
    if scope not in allowed_scopes(user):
        raise FeedTokenRefused(_l("Dieser Kalender steht Ihnen nicht zu."))
    _refuse_beyond_limit(session, FeedToken.user_id == user.id)
    secret = new_secret()
    token = FeedToken(user_id=user.id, scope=scope, label=label.strip()[:120], token_hash=hash_secret(secret),
                      prefix=secret[:8])
    session.add(token)
    session.flush()
    audit.record(session, user, "feed_token.created", token, scope=scope, prefix=token.prefix)
    return token, secret


def create_team_feed_token(session: Session, actor: User, provider: Provider, scope: str,
                           label: str = "") -> tuple[FeedToken, str]:
    """Issue a team link of the provider (a member or an admin asks); returns the row and the secret."""
    if not can_keep_team_feed_links(actor, provider):
        raise FeedTokenRefused(_l("Nur Mitglieder dieses Trägers legen seine Team-Links an."))
    if scope not in team_scopes(provider):
        raise FeedTokenRefused(_l("Diesen Kalender gibt es für %(provider)s nicht.", provider=provider.name))
    _refuse_beyond_limit(session, FeedToken.provider_id == provider.id)
    secret = new_secret()
    token = FeedToken(provider_id=provider.id, scope=scope, label=label.strip()[:120],
                      token_hash=hash_secret(secret), prefix=secret[:8])
    session.add(token)
    session.flush()
    audit.record(session, actor, "feed_token.created", token, scope=scope, prefix=token.prefix,
                 provider=provider.key)
    return token, secret


def can_change_feed_token(user: User | None, token: FeedToken) -> bool:
    """One's own link, or a team link of one's provider (admins: any team link)."""
    if user is None:
        return False
    if token.provider_id is not None:
        return can_keep_team_feed_links(user, token.provider)
    return token.user_id == user.id


def _own(user: User, token: FeedToken) -> None:
    if not can_change_feed_token(user, token) or token.revoked_at is not None:
        raise FeedTokenRefused(_l("Diesen Kalender-Link gibt es nicht (mehr)."))


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
    fresh = FeedToken(user_id=token.user_id, provider_id=token.provider_id, scope=token.scope, label=token.label,
                      token_hash=hash_secret(secret), prefix=secret[:8])
    session.add(fresh)
    session.flush()
    audit.record(session, user, "feed_token.rotated", fresh, replaces=token.prefix, prefix=fresh.prefix)
    return fresh, secret


def find_feed_token(session: Session, secret: str) -> FeedToken | None:
    """The active token for a secret, or None (unknown, revoked, or its owner is deactivated). A team link
    lives as long as its provider (deleting the provider deletes its links)."""
    if not secret or len(secret) > 200:
        return None
    token = session.scalar(sa.select(FeedToken).where(FeedToken.token_hash == hash_secret(secret),
                                                      FeedToken.revoked_at.is_(None)))
    if token is None or (token.user_id is not None and not token.user.active):
        return None
    return token


def use_due(token: FeedToken, now: dt.datetime) -> bool:
    """Whether reading the feed now should be recorded: at most once per USE_RESOLUTION."""
    return token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION


def note_use(token: FeedToken, now: dt.datetime) -> None:
    """Record that the token's feed was read (so its owner can see which links are still in use)."""
    token.last_used_at = now
