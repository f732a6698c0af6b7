"""The conflict inbox groups open conflicts by the room change behind them and by series, and a series is
decided at once (each date its first free alternative, or all cancelled with one reason), all or nothing,
its owner told once. SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from roombook.booking.occurrences import add_closure, extend_horizon
from roombook.changes.recording import record_closure
from roombook.conflicts import grouping
from roombook.conflicts.decisions import DecisionRefused, facts, open_conflicts
from roombook.models import Conflict, Occurrence, OutboxMessage
from roombook.models.offers import OccurrenceStatus
from tests.changes.conftest import CLOSED_FROM, CLOSED_TO, NOW
from tests.conftest import login


@pytest.fixture
def flooded(session, house):
    """The big room closed the engine's way (imports, old closures): one conflict per date."""
    add_closure(session, house["manager"], house["big"], CLOSED_FROM, CLOSED_TO, "Wasserschaden", now=NOW)
    session.flush()
    return house


def _groups(session, house):
    items = [facts(session, c, now=NOW) for c in open_conflicts(session, [house["place"]])]
    return grouping.group_inbox(session, items)


def test_the_inbox_groups_a_closures_conflicts_by_series(session, flooded):
    groups = _groups(session, flooded)
    assert len(groups) == 1 and groups[0].change is None and groups[0].count == 10
    by_title = {s.title: len(s.items) for s in groups[0].series}
    assert by_title == {"Deutschkurs A1": 3, "Sprechstunde": 3, "Gesprächsgruppe": 3, "Elterncafé": 1}


def test_a_series_takes_its_first_free_alternatives_at_once_and_its_owner_hears_once(session, flooded):
    conflict = next(c for c in open_conflicts(session, [flooded["place"]]) if c.booking_id is not None
                    and grouping.series_key(session, c)[0] == "series")
    decided = grouping.resolve_series(session, flooded["manager"], conflict, "accept", now=NOW)
    assert len(decided) == 3 and all(d.new_booking is not None for d in decided)
    assert all(d.conflict.status == "resolved" for d in decided)
    starts = [d.new_booking.starts_at for d in decided]
    assert len(set(starts)) == 3  # three dates, three different weeks: none took another's time
    mails = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "vol@example.org")).all()
    assert len(mails) == 1 and mails[0].body.count("moved to") == 3  # the volunteer reads English

    hours = next(c for c in open_conflicts(session, [flooded["place"]]) if c.occurrence_id is not None
                 and grouping._title(session, c) == "Sprechstunde")
    moved = grouping.resolve_series(session, flooded["manager"], hours, "accept", now=NOW)
    assert {session.get(Occurrence, d.conflict.occurrence_id).status for d in moved} == {OccurrenceStatus.MOVED}


def test_a_series_cancelled_at_once_needs_one_reason_and_a_refusal_decides_nothing(session, flooded):
    course = next(c for c in open_conflicts(session, [flooded["place"]]) if c.occurrence_id is not None
                  and grouping._title(session, c) == "Deutschkurs A1")
    # the 15-person course with a whiteboard has no alternative in Nord: accepting refuses, naming a date
    with pytest.raises(DecisionRefused, match="keine passende Alternative"):
        with session.begin_nested():
            grouping.resolve_series(session, flooded["manager"], course, "accept", now=NOW)
    assert all(c.status == "open" for c in session.scalars(sa.select(Conflict)))
    decided = grouping.resolve_series(session, flooded["manager"], course, "cancel", note="Kurs fällt aus", now=NOW)
    assert len(decided) == 3 and {d.conflict.resolution for d in decided} == {"cancelled"}


def test_conflicts_a_changes_closure_leaves_are_grouped_under_that_change(session, house):
    house["hours"].valid_until = house["hours"].sessions[0].valid_until = None
    change = record_closure(session, house["manager"], house["big"], CLOSED_FROM, None, "Büro", "other_use").change
    extend_horizon(session, NOW.date(), 20, now=NOW)  # weeks of the undecided change's slots: one per date
    groups = _groups(session, house)
    assert groups[0].change is not None and groups[0].change.id == change.id
    assert {s.title for s in groups[0].series} == {"Sprechstunde"} and groups[0].series[0].several


def test_the_inbox_page_folds_a_series_and_decides_it_with_one_click(client, session, flooded):
    login(client, "manager@example.org", "secret-pw")
    page = client.get("/manage/conflicts").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Sprechstunde · 3 Termine" in text and "Einzelne Konflikte (10 Konflikte)" in text
    assert page.count('class="series-group card"') == 3  # the one-off stays a single card
    form = re.search(r'action="(/manage/conflicts/(\d+)/resolve-series)"', page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post(form.group(1), data={"csrf_token": token, "action": "cancel", "note": ""})
    assert refused.status_code == 422 and "Bitte eine Begründung angeben." in refused.get_data(as_text=True)
    done = client.post(form.group(1), data={"csrf_token": token, "action": "cancel", "note": "fällt aus"})
    assert done.status_code == 302
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Conflict).where(Conflict.status == "open")) == 7
