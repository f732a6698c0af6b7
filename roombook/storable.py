"""Text a database can store: PostgreSQL refuses the NUL character, and UTF-8 has no unpaired surrogates
(JSON's "\\ud800" escape makes one). Input is checked against this where it enters (forms, API bodies),
so such text is a clear refusal naming its field instead of a database error."""
from __future__ import annotations


def storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
