"""Reading the organiser's mail files (the recipients CSV, mail.yaml) as UTF-8 text.

The bytes come through the loader's reader (folders, FIFOs and unreadable files refused with
one line); the decoding locates a byte that is not UTF-8 by its line, because a CSV saved by
a spreadsheet in its local code page is the usual mistake.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BadInput
from ..loader import display_name, read_input
from ..profiles import human_size


def read_text(path: Path, *, kind: str, limit: int) -> tuple[str, bytes, str]:
    """(the name to show, the bytes, the text) of one input file."""
    name = display_name(path)

    def too_big(size: int, limit: int) -> str:
        return (f"file is {human_size(size)}; a {kind} is far smaller (limit "
                f"{human_size(limit)}): is it the right file?")

    raw = read_input(path, name, kind=kind, limit=limit, too_big=too_big)
    return name, raw, _decode(raw, name)


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInput.single(name, "file is saved as UTF-16; save it as UTF-8")
    body = raw.removeprefix(b"\xef\xbb\xbf")  # the BOM that spreadsheets write
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise BadInput.single(name, f"byte 0x{body[exc.start]:02X} is not UTF-8; save the "
                                    f"file as UTF-8",
                              line=line) from None
    if not text.strip():
        raise BadInput.single(name, "file is empty")
    return text
