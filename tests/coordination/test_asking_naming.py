"""Residents and the public read a volunteer-run offer by its group's name or the volunteer's first name, never by
a full name (roombook.coordination.naming): on the public calendar feeds and the residents' pages."""
from __future__ import annotations

import icalendar
import pytest
import sqlalchemy as sa

from roombook.coordination import asking
from roombook.coordination.naming import public_name
from roombook.feeds.catalogue import accommodation_feed, build_feed
from roombook.models import Provider, User
from roombook.planning import runs as plan_runs
from tests.coordination.test_asking import BASE, a_volunteer, ask, jonas, week, west  # noqa: F401  (fixtures)
from tests.manage.conftest import TODAY, demo, demo_rows  # noqa: F401  (fixtures)

pytestmark = pytest.mark.dates  # the demo city's coming weeks (scripts/faketime-suite.sh)


@pytest.mark.parametrize(("name", "kind", "members", "shown"), [
    ("Maria Schmidt", "volunteer", ["Maria Schmidt"], "Maria"),  # the group is one person, by full name
    ("maria  schmidt", "volunteer", ["Maria Schmidt", "Jo"], "maria"),
    ("Ehrenamtskreis Willkommen", "volunteer", ["Amal K."], "Ehrenamtskreis Willkommen"),  # the group's own name
    ("Jonas", "volunteer", ["Jonas B."], "Jonas"),
    ("Fachbereich Soziales", "department", ["Fachbereich Soziales"], "Fachbereich Soziales"),
])
def test_a_volunteer_group_named_like_a_member_shows_the_first_name(name, kind, members, shown):
    assert public_name(name, kind, members) == shown


def test_the_public_feed_and_page_name_a_volunteer_offer_by_first_name(client, demo, west, week, jonas):
    # his group was made by hand under his full name
    group = Provider(key="jonas-b", name="Jonas B.", kind="volunteer",
                     available=[{"day": "tue", "from": "17:00", "to": "20:00"}])
    demo.add(group)
    jonas.provider = group
    demo.flush()
    (mine,) = ask(demo, west, week, jonas).asks
    asking.answer_request(demo, jonas, mine, accept=True, base_url=BASE)
    coordinator = demo.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    run = plan_runs.run_now(demo, plan_runs.start_run(demo, coordinator, ["west"], time_limit=10),
                            "Europe/Berlin", 10)
    plan_runs.publish_run(demo, coordinator, run, today=TODAY, horizon_weeks=(week - TODAY).days // 7 + 2)

    feed = icalendar.Calendar.from_ical(build_feed(demo, accommodation_feed(west), TODAY, "Europe/Berlin", "rb"))
    counselling = [e for e in feed.walk("VEVENT") if str(e.get("CATEGORIES").cats[0]) == "Beratung"
                   or "Beratung" in str(e.get("DESCRIPTION", ""))]
    assert counselling, "the accepted offer is in the accommodation's feed"
    descriptions = [str(e.get("DESCRIPTION", "")) for e in counselling]
    assert any("Beratung – Jonas" in d for d in descriptions)
    assert not any("Jonas B" in d for d in descriptions)
    page = client.get(f"/accommodations/west/offers?week={week.isoformat()}").get_data(as_text=True)
    assert "Beratung" in page and "Jonas B." not in page
