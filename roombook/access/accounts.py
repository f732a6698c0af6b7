"""User accounts: creating logins with hashed passwords."""
from __future__ import annotations

from sqlalchemy.orm import Session

from roombook.models import Accommodation, Provider, User


def create_user(session: Session, email: str, role: str, password: str, *, display_name: str = "",
                accommodations: list[Accommodation] = (), provider: Provider | None = None) -> User:
    """Create a login; facility managers get their accommodations, departments their provider."""
    user = User(email=email.strip().lower(), role=role, display_name=display_name,
                accommodations=list(accommodations), provider=provider)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user
