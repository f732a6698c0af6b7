"""Every event the code writes to the audit trail has a word on the audit page."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from roombook.web.manage.audit_words import ACTIONS, KEYS, OBJECTS

ROOT = Path(__file__).resolve().parents[2] / "roombook"
RECORD = re.compile(r'audit\.record(?:_about)?\(\s*session,\s*[^,]+,\s*f?"([a-z_.{}]+)"(.*?)\)\n', re.S)


def _written() -> tuple[set[str], set[str]]:
    actions, keys = set(), set()
    for path in ROOT.rglob("*.py"):
        for action, rest in RECORD.findall(path.read_text(encoding="utf-8")):
            if "{" in action:  # booking.{status}: the statuses a booking can be cancelled with
                actions |= {action.replace("{status}", s) for s in ("cancelled", "displaced")}
            else:
                actions.add(action)
            keys |= set(re.findall(r"\b([a-z_]+)=", rest))
    return actions, keys


def test_the_source_scan_finds_the_events():
    actions, keys = _written()
    assert {"booking.created", "change.applied", "plan.published"} <= actions and {"reason", "room"} <= keys


@pytest.mark.parametrize("kind", ["actions", "keys"])
def test_every_event_and_detail_the_code_writes_has_a_word(kind):
    actions, keys = _written()
    missing = sorted(actions - set(ACTIONS)) if kind == "actions" else sorted(keys - set(KEYS))
    assert missing == []


def test_every_object_kind_has_a_word():
    from roombook.db import db

    kinds = {mapper.class_.__name__.lower() for mapper in db.Model.registry.mappers}
    assert {"booking", "closure", "conflict", "roomchange", "changeitem", "planrun"} <= kinds
    assert sorted({"booking", "closure", "conflict", "roomchange", "changeitem", "planrun", "room", "offer",
                   "feedtoken", "apitoken"} - set(OBJECTS)) == []
