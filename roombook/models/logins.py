"""Logins: each time a person signs in, a row of its own, named by the browser's cookies through a secret.

The cookies carry the secret, never the user id, and the database keeps only the secret's hash: logging
out deletes the row, so a copied cookie opens nothing any more, and no later account can inherit a cookie.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roombook.db import UTCDateTime, db, utcnow
from roombook.models.people import User


class Login(db.Model):
    """One sign-in of a person in one browser; it ends when it expires or is deleted (logout, revocation)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting the person deletes their logins with them (the database cascades).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)  # "Angemeldet bleiben" was chosen
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Login {self.id} of user {self.user_id}>"
