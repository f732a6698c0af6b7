"""User accounts: creating logins with hashed passwords, and setting a new password."""
from __future__ import annotations

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from roombook.access import signin
from roombook.models import Accommodation, Provider, User


def create_user(session: Session, email: str, role: str, password: str, *, display_name: str = "",
                accommodations: list[Accommodation] = (), provider: Provider | None = None) -> User:
    """Create a login; facility managers get their accommodations, departments their provider."""
    user = User(email=email.strip().lower(), role=role, display_name=display_name,
                accommodations=list(accommodations), provider=provider, password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Give `user` a new password and end every login they have: whoever knew the old one is out."""
    user.password_hash = generate_password_hash(password)
    session.flush()
    signin.end_all_logins(session, user)


def choose_language(session: Session, user: User, language: str) -> None:
    """The language of the person's pages, mails and notices from now on (German or English)."""
    if language not in ("de", "en"):
        raise ValueError(f"no language {language!r}")
    user.language = language
    session.flush()
