"""The outbox page names each kind of message in words and shows its times in the city's time, never a code or
UTC; every kind the code queues has its word."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from roombook.models import OutboxMessage
from roombook.notifications.account_mails import ACCOUNT
from roombook.planning.report import NOTICE_KIND
from roombook.web.manage.outbox import KINDS
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2] / "roombook"
QUEUED = re.compile(r"enqueue\((?:[^()]|\([^()]*\))*?kind=(\"[a-z_]+\"|[A-Z_]+)", re.S)


def test_every_kind_the_code_queues_has_a_word():
    constants = {"ACCOUNT": ACCOUNT, "NOTICE_KIND": NOTICE_KIND}
    queued = {found.strip('"') if found.startswith('"') else constants[found]
              for path in ROOT.rglob("*.py") for found in QUEUED.findall(path.read_text(encoding="utf-8"))}
    assert {"change", "booking_changed", "account", "coverage_gaps"} <= queued  # the scan finds them
    assert sorted(queued - set(KINDS)) == []


def test_the_outbox_names_the_kind_and_shows_the_citys_time(client, demo):
    # 09:30 UTC on a winter day is 10:30 in Berlin, and 08:00 UTC in summer is 10:00
    demo.add(OutboxMessage(recipient="a@example.org", subject="Verlegt", body="Neu: Dienstag", kind="booking_changed",
                           created_at=dt.datetime(2027, 1, 15, 9, 30, tzinfo=dt.timezone.utc),
                           sent_at=dt.datetime(2027, 7, 15, 8, 0, tzinfo=dt.timezone.utc)))
    demo.flush()
    login(client, "coordinator@example.org")
    page = client.get("/manage/outbox").get_data(as_text=True)
    article = page[page.index("Verlegt"):]
    article = article[:article.index("</article>")]
    assert "Buchung geändert" in article and "booking_changed" not in article
    assert "erstellt 15.01.2027 10:30" in article and "gesendet 15.07.2027 10:00" in article
    assert "UTC" not in article
