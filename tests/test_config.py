"""Settings read on start: the site's base URL for links in mails."""
from __future__ import annotations

import pytest

from roombook import create_app

SETTINGS = {"TESTING": True, "ROOMBOOK_DATABASE_URL": "sqlite://", "ROOMBOOK_SECRET_KEY": "x",
            "ROOMBOOK_SCHEDULER": False}


def test_the_base_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ROOMBOOK_BASE_URL", "https://raumbuchung.example.org/")
    assert create_app(SETTINGS).config["ROOMBOOK_BASE_URL"] == "https://raumbuchung.example.org/"


@pytest.mark.parametrize("wrong", ["raumbuchung.example.org", "ftp://raumbuchung.example.org/", "https://",
                                   "https://raumbuchung.example.org/?next=x"])
def test_a_base_url_that_is_no_site_address_stops_the_start_with_its_reason(monkeypatch, wrong):
    monkeypatch.setenv("ROOMBOOK_BASE_URL", wrong)
    with pytest.raises(ValueError, match="ROOMBOOK_BASE_URL must be an absolute http"):
        create_app(SETTINGS)


def test_without_a_base_url_mails_link_to_the_local_server(monkeypatch):
    """`make run` serves on 127.0.0.1:5000; production sets its own address (README, Deploying)."""
    monkeypatch.delenv("ROOMBOOK_BASE_URL", raising=False)
    assert create_app(SETTINGS).config["ROOMBOOK_BASE_URL"] == "http://127.0.0.1:5000/"

