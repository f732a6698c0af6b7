"""Secrets that stand for a person: calendar feed tokens and API tokens (stored hashed), and
idempotency records so a retried API request never creates a second booking."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.people import Provider, User


def new_secret() -> str:
    """A URL-safe random token (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_secret(token: str) -> str:
    """Tokens are random and long, so a plain SHA-256 suffices (no salt or slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class FeedToken(db.Model):
    """A private calendar feed's secret. `scope` says whose feed: department, provider, volunteer, manager.

    A token belongs to one person (`user_id`) or to a department or other provider (`provider_id`, a team
    link for a shared calendar): a team link is the provider's, so it outlives the member who made it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(sa.String(16))
    label: Mapped[str] = mapped_column(sa.String(120), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    provider: Mapped[Provider | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("scope IN ('department','provider','volunteer','manager')", name="scope_known"),
        sa.CheckConstraint("(user_id IS NULL) <> (provider_id IS NULL)", name="one_owner"),
    )


class ApiToken(db.Model):
    """A bearer token for the JSON API; it may expire and can be revoked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class IdempotencyKey(db.Model):
    """The stored answer to a POST with an Idempotency-Key, replayed when the same key comes again."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int]
    body: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)
