"""API fixtures: a bearer token for any user, and a small city in the future to book in."""
from __future__ import annotations

import pytest

from roombook.access.api_tokens import create_api_token


@pytest.fixture
def bearer(session):
    """bearer(user) → headers carrying a fresh token of that user."""
    def make(user, **params) -> dict[str, str]:
        _token, secret = create_api_token(session, user, "test", **params)
        session.flush()
        return {"Authorization": f"Bearer {secret}"}
    return make
