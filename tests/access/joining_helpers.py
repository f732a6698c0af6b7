"""Helpers of the joining tests: signing up through the test client and reading the links the mails carry, as
the person who gets them would."""
from __future__ import annotations

import re

import sqlalchemy as sa

from roombook.models import OutboxMessage
from tests.web.conftest import post

LINK = re.compile(r"https?://\S+?(/(?:mitmachen/confirm|password/new|invitation)/[A-Za-z0-9_-]+)")


def mails_to(session, email: str) -> list[OutboxMessage]:
    return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == email)
                                .order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage) -> str:
    """The path of the personal link in a mail (the site's address in front is ROOMBOOK_BASE_URL's)."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def sign_up(client, email: str, *, name: str = "Amal Haddad", languages=("ar", "de"), skills=("language_course",),
            consent: bool = True, **extra):
    data = {"name": name, "email": email, "languages": list(languages), "skills": list(skills),
            "note": "Ich habe dienstags Zeit.", **extra}
    if consent:
        data["consent"] = "y"
    return post(client, "/mitmachen", data)
