"""The audit trail: who changed what, when. Details hold facts, never passwords or tokens."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from roombook.models import AuditEvent, User


def record(session: Session, actor: User | None, action: str, obj: Any, **details: Any) -> AuditEvent:
    """Add an audit event for `obj` (any model with an id) in the current transaction."""
    event = AuditEvent(actor_id=actor.id if actor is not None else None, action=action,
                       object_type=type(obj).__name__.lower(), object_id=str(obj.id), details=details)
    session.add(event)
    return event
