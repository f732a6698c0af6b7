"""Pages of a listing: `limit` (at most 200) and `offset`, with the total and a link to the next page."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import request

from roombook.api.schemas import parse_page
from roombook.db import db


def paginated(query: sa.Select, serialize: Callable) -> dict:
    limit, offset = parse_page(request.args)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(limit).offset(offset)).unique().all()
    following = None
    if offset + limit < total:
        args = {**request.args.to_dict(), "limit": limit, "offset": offset + limit}
        following = f"{request.path}?{urlencode(args)}"
    return {"items": [serialize(row) for row in rows], "total": total, "limit": limit, "offset": offset,
            "next": following}


def paginated_list(items: list, serialize: Callable) -> dict:
    """`paginated` for a listing computed in Python (free slots): the same page, total and next link."""
    limit, offset = parse_page(request.args)
    following = None
    if offset + limit < len(items):
        args = {**request.args.to_dict(), "limit": limit, "offset": offset + limit}
        following = f"{request.path}?{urlencode(args)}"
    return {"items": [serialize(item) for item in items[offset:offset + limit]], "total": len(items),
            "limit": limit, "offset": offset, "next": following}
