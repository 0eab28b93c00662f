"""Reading the organiser's mail files (the recipients CSV, mail.yaml) as UTF-8 text.

The same reader and decoder as the event file's (reading.py): folders, FIFOs and unreadable
files refused with one line, a file of another kind or encoding named, and a byte that is not
UTF-8 located by line and column, because a CSV saved by a spreadsheet in its local code page
is the usual mistake.
"""

from __future__ import annotations

from pathlib import Path

from ..reading import decode_text, display_name, read_input
from ..units import human_size


def read_text(path: Path, *, kind: str, limit: int) -> tuple[str, bytes, str]:
    """(the name to show, the bytes, the text) of one input file."""
    name = display_name(path)

    def too_big(size: int, limit: int) -> str:
        return (f"file is {human_size(size)}; a {kind} is far smaller (limit "
                f"{human_size(limit)}): is it the right file?")

    raw = read_input(path, name, kind=kind, limit=limit, too_big=too_big)
    return name, raw, decode_text(raw, name, what=f"a {kind}")
