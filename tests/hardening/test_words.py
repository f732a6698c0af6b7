"""Every page speaks one language: crawled in German and in English, for each kind of visitor, no page shows a
"Deutsch / English" pair, a code (`step_free`, `language_course`, `booking.created`) or, in German, an English
status word.

The routes come from the URL map (as in the escaping crawl), so pages added later are covered too.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask_babel import refresh

from tests.conftest import login
from tests.hardening.conftest import PASSWORD
from tests.hardening.test_escaping import _urls, evil_world  # noqa: F401 (a fixture)

# Two words around a slash with spaces: how the old pages put German and English side by side.
PAIR = re.compile(r"[^\W\d_]{2,}[.!)]? / [^\W\d_]{2,}")
# A code as the program names it: snake_case words, or a dotted event name.
CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b[a-z]+\.(?:created|cancelled|resolved|updated|deleted|applied)\b")
ENGLISH_STATES = re.compile(r"\b(?:queued|published|discarded|scheduled|cancelled|infeasible|pending|failed)\b")
EMAIL = re.compile(r"\S+@\S+")  # addresses are what people typed, codes or not
SKIPPED = {"script", "style", "code", "pre"}  # code samples on the API page are code on purpose


class _Text(HTMLParser):
    """The text a reader sees: element text and the labels of buttons and fields, not markup or scripts."""

    def __init__(self):
        super().__init__()
        self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        values = dict(attrs)
        for name in ("placeholder", "aria-label", "title", "alt"):
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def test_visible_text_leaves_out_markup_and_code_samples():
    page = ('<p title="Kalender">belegt</p><script>var step_free = 1;</script><pre>x_y</pre>'
            '<input type="submit" value="Buchen">')
    assert visible_text(page) == "Kalender belegt Buchen"


@pytest.mark.parametrize("visitor", ["anonymous", "volunteer", "department", "manager_a", "coordinator", "admin"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_no_page_shows_a_two_language_pair_or_a_code(app, client, evil_world, visitor, language):
    world, values = evil_world
    if visitor != "anonymous":
        world.users[visitor].language = language  # a logged-in person reads pages in their own language
        login(client, world.users[visitor].email, PASSWORD)
    problems, pages = [], 0
    for _rule, url in _urls(app, world, values):
        if url.startswith("/api/") or url.startswith("/feeds/") and not url.startswith("/feeds/tokens"):
            continue
        with client.get(url, headers={"Accept-Language": language}) as answer:
            if answer.status_code != 200 or answer.mimetype != "text/html":
                continue
            text = EMAIL.sub("", visible_text(answer.get_data(as_text=True)))
        pages += 1
        found = PAIR.findall(text) + CODE.findall(text)
        if language == "de":
            found += ENGLISH_STATES.findall(text)
        problems += [(url, hit) for hit in found]
    refresh()
    assert pages >= 5, "the crawl reached the visitor's pages"
    for hit in sorted(set(problems)):
        print("HIT", language, visitor, *hit)
    assert problems == []
