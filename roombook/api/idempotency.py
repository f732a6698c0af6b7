"""`Idempotency-Key` on POST: the first answer is stored with the change it reports, in the same
transaction, and replayed for a retry; a retry can never create a second booking."""
from __future__ import annotations

import functools
import hashlib
import json
import re

import sqlalchemy as sa
from flask import g, request
from sqlalchemy.orm import Session

from roombook.api.problems import ApiProblem, invalid
from roombook.booking import BookingError
from roombook.db import db
from roombook.models import IdempotencyKey, User

HEADER = "Idempotency-Key"
MAX_KEY = 200
_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,%d}" % MAX_KEY)


def _request_hash() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps([request.method, request.path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(sa.select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                            IdempotencyKey.key == key))


def _replay(user_id: int, key: str, request_hash: str):
    row = _stored(user_id, key)
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise ApiProblem(422, "Idempotency key reused", "This Idempotency-Key was used for a different request.",
                         kind="idempotency-key-reused", field=HEADER)
    return row.body, row.status, {HEADER: key, "Idempotent-Replayed": "true"}


def idempotent(view):
    """Replay a stored answer for a known key; after a refusal, look again (a concurrent twin may have won)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        g.idempotency = None
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.fullmatch(key):
            raise invalid(HEADER, f"1 to {MAX_KEY} characters of A-Z a-z 0-9 _ . : -")
        user = g.api_user
        request_hash = _request_hash()
        replay = _replay(user.id, key, request_hash)
        if replay is not None:
            return replay
        g.idempotency = (key, request_hash)
        try:
            return view(*args, **kwargs)
        except (ApiProblem, BookingError, sa.exc.IntegrityError):
            replay = _replay(user.id, key, request_hash)
            if replay is not None:
                return replay
            raise

    return wrapper


def remember(session: Session, user: User, status: int, body: dict) -> None:
    """Store the answer under the request's key (if it has one) in the caller's transaction."""
    pending = g.get("idempotency")
    if pending is not None:
        key, request_hash = pending
        session.add(IdempotencyKey(user_id=user.id, key=key, request_hash=request_hash, status=status, body=body))
        session.flush()
