"""Writing iCalendar content lines (RFC 5545, section 3.1) by hand.

We write the text ourselves rather than through a library so that every byte is under our control:
the same data must give the same bytes (stable ETags), and the escaping and folding rules that
clients trip over are small enough to state and test here.
"""
from __future__ import annotations

import datetime as dt

CRLF = "\r\n"
FOLD_OCTETS = 75


# RFC 5545 allows no control character in TEXT but the tab (TSAFE-CHAR). What the input rules now refuse
# may still be stored from before: line breaks of any kind (VT, FF, NEL, U+2028/2029) become one, every
# other control character goes.
_LINE_BREAKS = {ord(c): "\n" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
_CONTROLS = {c: None for c in [*range(0x20), *range(0x7f, 0xa0)] if c not in (0x09, 0x0a, 0x0d)} | _LINE_BREAKS


def escape_text(value: str) -> str:
    """TEXT values: backslash, semicolon and comma are escaped, every line break becomes \\n, other
    control characters are dropped."""
    if not value.isprintable():
        value = value.translate(_CONTROLS)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def param_value(value: str) -> str:
    """Parameter values with ':', ';' or ',' must be quoted; a double quote cannot appear at all."""
    value = value.replace('"', "'")
    return f'"{value}"' if any(c in value for c in ":;,") else value


def fold(line: str) -> str:
    """Fold a content line so that no physical line exceeds 75 octets, never splitting a UTF-8 character.

    Continuation lines start with one space, which counts towards their 75 octets.
    """
    if len(line) <= FOLD_OCTETS and (line.isascii() or len(line.encode("utf-8")) <= FOLD_OCTETS):
        return line
    parts, current, size, limit = [], [], 0, FOLD_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, FOLD_OCTETS - 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def utc_stamp(instant: dt.datetime) -> str:
    """A UTC DATE-TIME value (…Z), seconds precision."""
    u = instant.astimezone(dt.timezone.utc)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def local_stamp(local: dt.datetime) -> str:
    """A local DATE-TIME value (used with a TZID parameter). By hand: strftime dominated the city feed."""
    return f"{local.year:04d}{local.month:02d}{local.day:02d}T{local.hour:02d}{local.minute:02d}{local.second:02d}"


def prop(name: str, content: str, /, **params: str) -> str:
    """One content line, unfolded: NAME;PARAM=…:content (the content must already be in its encoded form)."""
    head = name + "".join(f";{key.replace('_', '-').upper()}={param_value(v)}" for key, v in params.items())
    return f"{head}:{content}"


def text(name: str, content: str, /, **params: str) -> str:
    """A content line with a TEXT value, escaped."""
    return prop(name, escape_text(content), **params)


def render(lines: list[str]) -> bytes:
    """Content lines, folded, joined with CRLF and a final CRLF, as UTF-8."""
    return (CRLF.join(map(fold, lines)) + CRLF).encode("utf-8")
