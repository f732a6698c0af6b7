"""Served through deploy/nginx.conf.example as written (only TLS, ports and paths swapped for the test's): the
published calendars come from disk with charset=utf-8, the app's security headers, gzip and working
validators; answers the app gives carry its headers once; a calendar not yet published and the private
feeds reach the app. nginx is Debian's (make test-tools installs it)."""
from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from roombook import clock
from roombook.booking import book_room
from roombook.db import transaction
from roombook.feeds.publish import publish_now, stamp_cache
from roombook.feeds.tokens import create_feed_token
from roombook.models import Room, User
from roombook.security import HEADERS, HSTS
from tests.production.conftest import ROOT, free_port, seed_city

EXAMPLE = ROOT / "deploy" / "nginx.conf.example"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def site(calendars: Path, app_port: int, http_port: int, https_port: int) -> str:
    """The example with the test's ports and paths; each replaced line must be there, as written."""
    text = EXAMPLE.read_text()
    swaps = {
        "    listen 80;\n    listen [::]:80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen 443 ssl;\n    listen [::]:443 ssl;\n    http2 on;\n": f"    listen 127.0.0.1:{https_port};\n",
        "    ssl_certificate     /etc/letsencrypt/live/raumbuchung.example.org/fullchain.pem;\n"
        "    ssl_certificate_key /etc/letsencrypt/live/raumbuchung.example.org/privkey.pem;\n": "",
        "server 127.0.0.1:8000": f"server 127.0.0.1:{app_port}",
        "/srv/roombook/roombook/static/": f"{ROOT}/roombook/static/",
        "/srv/roombook/calendars/": f"{calendars}/",
        "/etc/nginx/roombook-headers.conf": str(ROOT / "deploy" / "nginx-headers.conf"),
        "/etc/nginx/roombook-proxy.conf": str(ROOT / "deploy" / "nginx-proxy.conf"),
    }
    for old, new in swaps.items():
        assert old in text, f"the example no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(tmp: Path, site_file: Path) -> str:
    temp = {name: tmp / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    return "\n".join([
        "user root;" if os.geteuid() == 0 else "",  # workers must read the test's private temporary folder
        "worker_processes 1;", "daemon off;", f"pid {tmp}/nginx.pid;", f"error_log {tmp}/error.log warn;",
        "events { worker_connections 64; }",
        "http {", "  include /etc/nginx/mime.types;", "  default_type application/octet-stream;",
        f"  access_log {tmp}/access.log;",
        *(f"  {name}_temp_path {path};" for name, path in
          (("client_body", temp["body"]), ("proxy", temp["proxy"]), ("fastcgi", temp["fastcgi"]),
           ("uwsgi", temp["uwsgi"]), ("scgi", temp["scgi"]))),
        f"  include {site_file};", "}", ""])


@pytest.fixture
def city(app, committed, tmp_path, monkeypatch):
    """A published city with a few bookings (so the city feed is worth compressing), and a private link."""
    calendars = tmp_path / "calendars"
    monkeypatch.setitem(app.config, "ROOMBOOK_CALENDARS_DIR", str(calendars))
    monkeypatch.setitem(app.config, "ROOMBOOK_FEED_STAMP_TTL", 0)
    stamp_cache.clear()
    [room_id], _tokens = seed_city(committed, rooms=1, users=1)
    with transaction():
        room = committed.session.get(Room, room_id)
        owner = committed.session.scalar(sa.select(User).where(User.email == "prod0@example.org"))
        day = clock.today() + dt.timedelta(days=1)
        for week in range(8):
            start = dt.datetime.combine(day + dt.timedelta(weeks=week), dt.time(10), room.tz)
            book_room(committed.session, owner, room, start, start + dt.timedelta(hours=1), "Treffen")
        _token, secret = create_feed_token(committed.session, owner, "volunteer")
    publish_now(app)
    (calendars / "category" / "office_hours.ics").unlink()  # not (yet) published: the app builds it
    yield calendars, secret
    stamp_cache.clear()


@pytest.fixture
def nginx(app, city, tmp_path):
    """The app on the development server, nginx in front of it with the example's site; yields its URL."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed (make test-tools installs Debian's nginx-light)")
    calendars, _secret = city
    upstream = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    port = free_port()
    site_file = tmp_path / "site.conf"
    site_file.write_text(site(calendars, upstream.port, free_port(), port))
    (tmp_path / "nginx.conf").write_text(main_config(tmp_path, site_file))
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               start_new_session=True, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError("nginx exited: " + process.stderr.read().decode())
            try:
                requests.get(url + "/calendars/all.ics", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGQUIT)
            process.wait(timeout=20)
        process.stderr.close()
        upstream.shutdown()
        thread.join(10)


def _security_headers(answer) -> dict[str, list[str]]:
    return {name: answer.raw.headers.getlist(name) for name in [*HEADERS, "Strict-Transport-Security"]}


EXPECTED = {**{name: [value] for name, value in HEADERS.items()}, "Strict-Transport-Security": [HSTS]}


def test_a_published_calendar_comes_from_disk_as_utf_8_with_the_apps_headers(nginx, city):
    calendars, _secret = city
    answer = requests.get(nginx + "/calendars/all.ics", headers={"Accept-Encoding": "identity"}, timeout=10)
    assert answer.status_code == 200 and answer.content == (calendars / "all.ics").read_bytes()
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    assert _security_headers(answer) == EXPECTED
    assert "Vary" in answer.headers and "Accept-Encoding" in answer.headers["Vary"]
    again = requests.get(nginx + "/calendars/all.ics", timeout=10,
                         headers={"Accept-Encoding": "identity", "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and _security_headers(again) == EXPECTED


def test_nginx_gzips_a_calendar_and_the_weak_etag_it_makes_still_revalidates(nginx, city):
    calendars, _secret = city
    answer = requests.get(nginx + "/calendars/all.ics", headers={"Accept-Encoding": "gzip"}, stream=True,
                          timeout=10)
    packed = answer.raw.read()
    assert answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed) == (calendars / "all.ics").read_bytes()
    assert len(packed) < (calendars / "all.ics").stat().st_size / 3
    etag = answer.headers["ETag"]
    assert etag.startswith('W/"')  # nginx weakens the ETag of what it compresses
    again = requests.get(nginx + "/calendars/all.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": etag},
                         timeout=10)
    assert again.status_code == 304


def test_a_calendar_not_yet_published_comes_from_the_app_with_its_headers_once(nginx):
    answer = requests.get(nginx + "/calendars/category/office_hours.ics", timeout=10)
    assert answer.status_code == 200 and answer.content.startswith(b"BEGIN:VCALENDAR")
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert {name: values for name, values in _security_headers(answer).items() if name in HEADERS} \
        == {name: [value] for name, value in HEADERS.items()}
    # the app answered over plain HTTP and sends HSTS only over HTTPS; nginx added nothing of its own
    assert _security_headers(answer)["Strict-Transport-Security"] == []


def test_a_weak_etag_from_the_app_gzipped_by_a_client_revalidates_at_the_app(nginx, city):
    _calendars, secret = city
    url = f"{nginx}/calendars/private/{secret}.ics"
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and b"SUMMARY:Treffen" in answer.content
    assert answer.headers["Content-Encoding"] == "gzip"  # the app gzips itself; requests asks for it
    weak = "W/" + answer.headers["ETag"]
    assert requests.get(url, headers={"If-None-Match": weak}, timeout=10).status_code == 304


def test_static_files_and_pages_carry_the_security_headers_once(nginx):
    css = requests.get(nginx + "/static/roombook.css", timeout=10)
    assert css.status_code == 200 and _security_headers(css) == EXPECTED
    page = requests.get(nginx + "/", timeout=10)
    assert page.status_code == 200
    assert {name: values for name, values in _security_headers(page).items() if name in HEADERS} \
        == {name: [value] for name, value in HEADERS.items()}


def test_the_manifest_is_not_served(nginx):
    assert requests.get(nginx + "/calendars/.manifest.json", timeout=10).status_code == 404
