"""A crawl of every link, as an anonymous visitor and as each demo role: no page answers 500, and no page
shows another person's data (their email, name, the titles of their bookings, their volunteer profile) beyond
what the role may see (a facility manager sees the bookings in the accommodations they manage, the coordinator
and admins everything)."""
from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from roombook.scenario.demo import MORE_VOLUNTEERS
from tests.conftest import login
from tests.web.conftest import OTHER

DEMO_VOLUNTEER = ("volunteer@example.org", "Ehrenamtliche Demo", "Fahrradwerkstatt")
OTHER_VOLUNTEER = (OTHER["email"], OTHER["name"], OTHER["nord"], OTHER["sued"])
STAFF = ("admin@example.org", "coordinator@example.org", "manager@example.org", "department@example.org",
         "Hausleitung Nord und Mitte", "Koordination Wohlfahrtsverbände")
# volunteers' profiles are for themselves and the coordinator: the demo volunteer's note, the other demo
# volunteers (who have no bookings, only profiles) with their notes
DEMO_NOTE = ("Begleitung zu Ämtern",)
PROFILES = tuple(text for email, name, _provider, wishes in MORE_VOLUNTEERS for text in (email, name, wishes["note"])
                 if text)

# role -> strings that must never appear on any page that role can reach
FORBIDDEN = {
    None: DEMO_VOLUNTEER + OTHER_VOLUNTEER + STAFF + DEMO_NOTE + PROFILES,
    "volunteer@example.org": OTHER_VOLUNTEER + STAFF[:4] + PROFILES,
    "department@example.org": DEMO_VOLUNTEER + OTHER_VOLUNTEER + DEMO_NOTE + PROFILES,
    "manager@example.org": (OTHER["sued"],) + DEMO_NOTE + PROFILES,  # Süd is not theirs; Nord and Mitte are
    "coordinator@example.org": (),
    "admin@example.org": (),
}
# pages a role reaches by its links alone
REACHED = {"volunteer@example.org": ("/my/profile",), "coordinator@example.org": ("/manage/volunteers",),
           "admin@example.org": ("/manage/volunteers",)}
MAX_PAGES = 120
VARIANTS_PER_PATH = 2  # ?week=… and prefilled booking links are endless; a few of each suffice


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"#]+)', page)]


def crawl(client) -> dict[str, int]:
    seen: dict[str, int] = {}
    per_path: dict[str, int] = {}
    queue = deque(["/"])
    pages = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        path = urlsplit(url).path
        if per_path.get(path, 0) >= VARIANTS_PER_PATH:
            continue
        per_path[path] = per_path.get(path, 0) + 1
        response = client.get(url)
        seen[url] = response.status_code
        body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
        response.close()
        pages[url] = body  # feeds (text/calendar) are checked for leaks too
        for link in _links(body) if response.mimetype == "text/html" else ():
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not link.startswith("/") or link.startswith("/static/"):
                continue
            if link not in seen:
                queue.append(link)
    return seen, pages


@pytest.mark.parametrize("email", list(FORBIDDEN), ids=[e or "anonymous" for e in FORBIDDEN])
def test_crawl_finds_no_500_and_no_other_persons_data(web, email):
    if email:
        assert login(web, email).status_code == 302
        web.get("/")  # consume the flash message
    statuses, pages = crawl(web)
    assert len(statuses) >= (25 if email else 15), sorted(statuses)
    assert not [u for u, s in statuses.items() if s >= 500], statuses
    assert [url for url in REACHED.get(email, ()) if statuses.get(url) != 200] == []
    if email == "coordinator@example.org":  # the profiles the others must not see are there to be seen
        assert [text for text in DEMO_NOTE + PROFILES if text not in pages["/manage/volunteers"]] == []
    for url, body in pages.items():
        leaked = [s for s in FORBIDDEN[email] if s in body]
        assert not leaked, (email, url, leaked)


@pytest.fixture
def room_change(web, session):
    """Next week's closure of Nord's big room, recorded and applied with each volunteer's series left to them:
    the change's page, the volunteers' notices and their questions are there to be crawled."""
    import datetime as dt

    import sqlalchemy as sa

    from roombook.booking.recurrence import to_utc
    from roombook.changes import deciding
    from roombook.changes.recording import record_closure
    from roombook.models import Room, User
    from tests.web.conftest import next_monday

    room = session.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    manager = session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    monday = next_monday()
    start = to_utc(dt.datetime.combine(monday, dt.time(0)), room.tz)
    change = record_closure(session, manager, room, start, start + dt.timedelta(days=7), "Lager", "other_use").change
    asked = [{"item": item.id, "action": "ask_volunteer"} for item in change.items
             if deciding.asks_a_volunteer(item) and item.proposal is not None]
    assert any(item.title == OTHER["nord"] for item in change.items), "the closure hit the other volunteer's booking"
    deciding.apply_change(session, manager, change, asked, base_url="http://localhost/")
    session.flush()
    return change


@pytest.mark.parametrize("email", list(FORBIDDEN), ids=[e or "anonymous" for e in FORBIDDEN])
def test_a_room_changes_pages_are_crawled_without_a_500_or_a_leak(web, room_change, email):
    if email:
        assert login(web, email).status_code == 302
        web.get("/")
    statuses, pages = crawl(web)
    assert not [u for u, s in statuses.items() if s >= 500], statuses
    reached = statuses.get(f"/manage/changes/{room_change.id}")
    assert reached == (200 if email in ("manager@example.org", "coordinator@example.org", "admin@example.org")
                       else None)
    # a volunteer reaches the question about each series of theirs from the notice on their pages
    theirs = [item.id for item in room_change.items if item.status == "asked" and item.owner.email == email]
    assert [statuses.get(f"/my/changes/{item_id}") for item_id in theirs] == [200] * len(theirs)
    for url, body in pages.items():
        leaked = [s for s in FORBIDDEN[email] if s in body]
        assert not leaked, (email, url, leaked)
