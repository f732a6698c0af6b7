"""The audit trail: who changed what, when. Details hold facts, never passwords or tokens."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.models import AuditEvent, User

# Built once (the booking path writes one event per booking); inline(): nothing read back, not even the id.
_INSERT = sa.insert(AuditEvent.__table__).inline()


def record(session: Session, actor: User | None, action: str, obj: Any, **details: Any) -> None:
    """Write an audit event for `obj` (any model with an id) in the current transaction."""
    record_about(session, actor, action, type(obj).__name__.lower(), str(obj.id), **details)


def record_about(session: Session, actor: User | None, action: str, object_type: str, object_id: str,
                 **details: Any) -> None:
    """Write an audit event about something that is not a single row (a plan, a city import).

    A plain INSERT into the table, not an object for the next flush nor an ORM insert: events are
    never read back in the transaction that writes them, and on the booking path either would cost more
    than the booking's own INSERT.
    """
    session.execute(_INSERT, {"actor_id": actor.id if actor is not None else None, "action": action,
                              "object_type": object_type, "object_id": object_id, "details": details})
