"""Feeds over HTTP: headers, validators and 304s, published files served while current, publishing."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking.occurrences import cancel_occurrence, materialise
from roombook.feeds import publish as publishing
from roombook.feeds.catalogue import build_feed, private_feed, public_feeds
from roombook.feeds.tokens import create_feed_token
from roombook.jobs import publish_if_changed, publish_nightly
from roombook.models import User
from tests.feeds.conftest import DEMO_TODAY

pytestmark = pytest.mark.usefixtures("calendars")


@pytest.fixture
def offer(session, make_offer, make_room, make_accommodation):
    """A weekly offer running from this week for eight weeks (the views build for the real today)."""
    room = make_room(make_accommodation(key="haus-am-see", name="Haus am See"), key="see-gr")
    monday = clock.today() - dt.timedelta(days=clock.today().weekday())
    made = make_offer(room=room, valid_from=monday, valid_until=monday + dt.timedelta(weeks=8),
                      category="language_course", title="Deutschkurs")
    materialise(session, made.sessions[0], monday + dt.timedelta(weeks=8))
    return made


@pytest.mark.dates
def test_public_feeds_answer_as_calendars(client, offer):
    for url in ("/calendars/all.ics", "/calendars/accommodation/haus-am-see.ics", "/calendars/room/see-gr.ics",
                "/calendars/category/language_course.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert response.headers["Cache-Control"].startswith("public, max-age=")
        assert response.headers["ETag"].startswith('"') and response.last_modified is not None
        assert b"SUMMARY:Deutschkurs" in response.data, url
        assert "Content-Disposition" not in response.headers
    download = client.get("/calendars/room/see-gr.ics?download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="roombook-see-gr.ics"'


@pytest.mark.parametrize("url", ["/calendars/accommodation/atlantis.ics", "/calendars/room/nowhere.ics",
                                 "/calendars/category/parties.ics", "/calendars/private/not-a-token.ics"])
def test_unknown_feeds_are_404(client, offer, url):
    assert client.get(url).status_code == 404


def test_etag_and_last_modified_give_304_until_the_data_changes(client, session, offer):
    url = "/calendars/room/see-gr.ics"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url).headers["ETag"] == etag  # stable while nothing changes
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110)
    assert client.get(url, headers={"If-None-Match": '"x"', "If-Modified-Since": modified}).status_code == 200
    occurrence = offer.sessions[0].occurrences[-1]
    cancel_occurrence(session, occurrence, "Ferien")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"EXDATE" in changed.data


def test_published_file_is_served_while_current_and_rebuilt_when_stale(app, client, session, offer, calendars):
    result = app.test_cli_runner().invoke(args=["publish-calendars"])
    assert result.exit_code == 0, result.output
    path = calendars / "room" / "see-gr.ics"
    manifest = json.loads((calendars / ".manifest.json").read_text())
    assert {"all.ics", "accommodation/haus-am-see.ics", "room/see-gr.ics",
            "category/language_course.ics"} <= set(manifest["files"])
    served = client.get("/calendars/room/see-gr.ics")
    assert served.data == path.read_bytes()
    assert served.headers["ETag"] == f'"{manifest["files"]["room/see-gr.ics"]["etag"]}"'
    # mark the published file: the app must be serving it, not a fresh build
    path.write_bytes(path.read_bytes().replace(b"END:VCALENDAR", b"X-MARK:published\r\nEND:VCALENDAR"))
    assert b"X-MARK:published" in client.get("/calendars/room/see-gr.ics").data
    cancel_occurrence(session, offer.sessions[0].occurrences[2], "Ferien")
    fresh = client.get("/calendars/room/see-gr.ics")
    assert b"X-MARK" not in fresh.data and b"EXDATE" in fresh.data


def test_publishing_rewrites_only_changed_files_and_removes_gone_ones(app, session, offer, calendars):
    with app.app_context():
        first = publish_if_changed(app)
    assert first is not None and "room/see-gr.ics" in first.written
    city = calendars / "all.ics"
    stamp = city.stat().st_mtime_ns
    with app.app_context():
        assert publish_if_changed(app) is None  # nothing changed since: nothing to do
    cancel_occurrence(session, offer.sessions[0].occurrences[1], "Ferien")
    session.flush()
    with app.app_context():
        second = publish_if_changed(app)
    assert second is not None and set(second.written) >= {"all.ics", "room/see-gr.ics", "accommodation/haus-am-see.ics"}
    assert "category/office_hours.ics" not in second.written and second.unchanged > 0
    assert city.stat().st_mtime_ns != stamp
    manifest = json.loads((calendars / ".manifest.json").read_text())
    manifest["files"]["room/gone.ics"] = {"etag": "x", "modified": "2027-01-01T00:00:00+00:00"}
    (calendars / "room" / "gone.ics").write_bytes(b"old")
    (calendars / ".manifest.json").write_text(json.dumps(manifest))
    with app.app_context():
        third = publishing.publish_calendars(session, calendars, clock.today(), "Europe/Berlin", "roombook")
    assert third.removed == ["room/gone.ics"] and not (calendars / "room" / "gone.ics").exists()
    assert not [p for p in calendars.rglob("*.tmp")]


def test_published_bytes_equal_what_the_app_builds(app, client, session, offer, calendars):
    with app.app_context():
        publishing.publish_calendars(session, calendars, clock.today(), "Europe/Berlin", "roombook")
    manifest = json.loads((calendars / ".manifest.json").read_text())
    (calendars / ".manifest.json").write_text(json.dumps({"stamp": "stale", "files": manifest["files"]}))
    for path in manifest["files"]:
        assert client.get(f"/calendars/{path}").data == (calendars / path).read_bytes(), path


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "room" / "a.ics"
    publishing.write_atomically(target, b"old content")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        publishing.write_atomically(target, b"new content")
    assert target.read_bytes() == b"old content"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.ics"]


def test_no_public_feed_names_a_user(demo_city, app, session, calendars):
    """Bookings are 'belegt' in public: no title, name or email, in built feeds and published files."""
    users = session.scalars(sa.select(User)).all()
    secrets = [u.email.encode() for u in users] + [b"Ehrenamtliche Demo", b"Hausleitung", b"Fahrradwerkstatt",
                                                    b"@example.org"]
    bodies = [build_feed(session, f, DEMO_TODAY, "Europe/Berlin", "roombook") for f in public_feeds(session)]
    publishing.publish_calendars(session, calendars, DEMO_TODAY, "Europe/Berlin", "roombook")
    bodies += [p.read_bytes() for p in calendars.rglob("*.ics")]
    assert len(bodies) > 30
    for body in bodies:
        for secret in secrets:
            assert secret not in body.replace(b"\r\n ", b"")
    assert any(b"SUMMARY:belegt" in body for body in bodies)
    manager = session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    token, _ = create_feed_token(session, manager, "manager")
    detailed = build_feed(session, private_feed(session, token), DEMO_TODAY, "Europe/Berlin", "roombook")
    assert b"Fahrradwerkstatt" in detailed and b"volunteer@example.org" in detailed.replace(b"\r\n ", b"")


def test_nightly_publish_runs_once_a_day_across_processes(app, session, offer, calendars):
    day = clock.today()
    with app.app_context():
        assert publish_nightly(app, day) is not None
        assert publish_nightly(app, day) is None  # another process (or a second trigger) finds it claimed
    assert (calendars / "all.ics").exists() and (calendars / ".manifest.json").exists()


def test_schedule_pages_get_webcal_https_and_download_links(app, offer):
    with app.test_request_context("/"):
        html = app.jinja_env.from_string(
            '{% from "feeds/_subscribe.html" import subscribe %}{{ subscribe("feeds.room", key="see-gr") }}').render()
    assert 'href="webcal://localhost/calendars/room/see-gr.ics"' in html
    assert 'href="http://localhost/calendars/room/see-gr.ics"' in html
    assert 'href="/calendars/room/see-gr.ics?download=1"' in html


def test_a_weak_etag_is_compared_weakly(client, offer):
    """nginx's gzip turns our ETag into W/"…" and the client sends that back: RFC 9110 wants If-None-Match
    compared weakly, so it is a 304."""
    url = "/calendars/room/see-gr.ics"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'W/"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


@pytest.mark.parametrize("url", ["/calendars/all.ics", "/calendars/room/see-gr.ics", "private"])
def test_feeds_are_gzipped_for_clients_that_take_it(client, session, offer, make_user, url):
    if url == "private":
        _token, secret = create_feed_token(session, make_user("volunteer"), "volunteer")
        url = f"/calendars/private/{secret}.ics"
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.vary
    packed = client.get(url, headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.vary
    assert packed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'  # another representation
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data
    for held in (plain.headers["ETag"], packed.headers["ETag"]):  # either copy is still current
        again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": held})
        assert again.status_code == 304 and again.data == b""


def test_the_city_feed_gzipped_is_a_fraction_of_its_size(demo_city, client):
    plain = client.get("/calendars/all.ics").data
    packed = client.get("/calendars/all.ics", headers={"Accept-Encoding": "gzip"}).data
    assert len(plain) > 10_000 and len(packed) < len(plain) / 4
