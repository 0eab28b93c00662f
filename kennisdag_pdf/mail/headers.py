"""Header injection, refused by us rather than left to the standard library.

A line break in a header value lets whoever wrote the value add headers of their own (a Bcc
to a thousand addresses, a second body): header injection. Python's email package only
refuses such values since 3.11.10 and 3.12.5 (CVE-2024-6923), and the project supports 3.11
from 3.11.0; so every text that can reach a header is checked here before a message is
built, and the finished header block is checked again before a message leaves.

An RFC 2047 encoded word (=?utf-8?q?…?=) is refused as well. No name or subject needs one,
since the email package encodes non-ASCII text itself; and a mail program decodes it after
every check of ours, so a line break hidden in one (=0D=0A, or the same in base64) would
reach the reader's screen as if it had been written there.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

# charset, encoding (Q or B) and text of an encoded word; the language suffix of RFC 2231
# (=?utf-8*en?q?…?=) is part of the charset group
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([qQbB])\?([^?\s]*)\?=")
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
# Bidi controls can reorder what the reader sees (Trojan Source), as in the event file.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# As in the event file (model._bad_character): no control, invisible format (a zero-width
# space hides in a name that looks like any other), private-use or unassigned character; a
# soft hyphen is the one format character kept.
_REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn")
_ALLOWED_FORMAT = {"\u00ad"}
_UNNAMED = {"Cc": "control character", "Co": "private use character",
            "Cn": "unassigned character", "Cs": "surrogate"}


class HeaderInjection(Exception):
    """A finished message's header block is not exactly the headers we set: a bug, since
    every value was checked before; the message must not leave."""


def control_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why value holds a character that no field of a mail may hold, or None; a multiline
    value (a body text) may hold line feeds."""
    for ch in value:
        if ch == "\n" and multiline:
            continue
        if ch in _LINE_BREAKS:
            return f"line break (U+{ord(ch):04X}) is not allowed in a mail's fields"
        category = unicodedata.category(ch)
        if ch in _BIDI or (category in _REFUSED_CATEGORIES and ch not in _ALLOWED_FORMAT):
            name = unicodedata.name(ch, _UNNAMED.get(category, "control character"))
            return f"character U+{ord(ch):04X} ({name}) is not allowed"
    return None


def header_problem(value: str) -> str | None:
    """Why value cannot go into a mail header, or None."""
    problem = control_problem(value)
    if problem:
        return problem
    match = _ENCODED_WORD.search(value)
    if match:
        word = match.group(0)
        shown = word if len(word) <= 40 else word[:37] + "…"
        if _hides_a_control_character(match):
            return f"encoded word {shown} hides a line break or control character"
        return f"encoded word {shown}: write plain text, non-ASCII is encoded when sent"
    return None


def _hides_a_control_character(match: re.Match[str]) -> bool:
    charset, encoding, text = match.groups()
    try:
        if encoding in "qQ":
            raw = re.sub(r"=([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                         text.replace("_", " ")).encode("latin-1")
        else:
            raw = base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, UnicodeEncodeError):
        return True  # undecodable: a mail program may still make something of it
    decoded = raw.decode("utf-8" if "utf" in charset.lower() else "latin-1", "replace")
    return control_problem(decoded) is not None


def check_header_block(message: bytes, expected: list[str]) -> None:
    """The header block of a serialised message holds exactly the expected header names, once
    each, in lines that only CRLF ends and only whitespace continues."""
    head = message.split(b"\r\n\r\n", 1)[0]
    found: list[str] = []
    for line in head.split(b"\r\n"):
        if b"\r" in line or b"\n" in line:
            raise HeaderInjection("a bare CR or LF in the header block")
        if line[:1] in (b" ", b"\t"):
            if not found:
                raise HeaderInjection("the header block begins with a continuation line")
            continue  # a long header folded onto the next line
        name, colon, _ = line.partition(b":")
        if not colon:
            raise HeaderInjection(f"a header line without a name: {line[:40]!r}")
        found.append(name.decode("ascii", "replace").lower())
    if sorted(found) != sorted(name.lower() for name in expected):
        raise HeaderInjection(f"headers {sorted(found)} where {sorted(expected)} were set")
