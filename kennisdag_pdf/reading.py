"""Input files as bytes and as text: the one reader, the one UTF-8 decoder and the one
bounded inflater of the tool.

The event file and the mail files (recipients CSV, mail.yaml) come through here, so that
each mistake reads the same for all of them: a folder, a FIFO or an unreadable file refused
with one line; a PDF or an image chosen by mistake named as such; a file saved as UTF-16 or
UTF-32 named so; a byte that is not UTF-8 located by line and column as an editor counts
them. Flate data read from a foreign or archived PDF is inflated by `inflate` alone, never
further than its caller's limit. Light (the standard library only): `mail --status` and the
command line import it without the loader's YAML and pydantic.
"""

from __future__ import annotations

import re
import stat
import zlib
from pathlib import Path
from typing import Callable

from .errors import BadInput
from .units import MB

# An event file is normally well under 100 kB; 16 MB still refuses a log or a video chosen by
# mistake at once, and holds the text of some 10,000 A4 pages (the benchmark's 5,000-page
# event is 8 MB).
MAX_YAML_BYTES = 16 * MB


def display_name(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _event_file_too_big(size: int, limit: int) -> str:
    return (f"file is {size / MB:.1f} MB; an event file is normally under 100 kB "
            f"(limit {limit // MB} MB)")


def read_input(path: Path, name: str, *, kind: str = "YAML file",
               limit: int | None = MAX_YAML_BYTES,
               too_big: Callable[[int, int], str] = _event_file_too_big) -> bytes:
    """An input file's bytes, or one clear line on why they cannot be had; too_big(size,
    limit) says what is wrong with a file over the limit."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise BadInput.single(name, "file not found") from None
    except OSError as exc:
        raise BadInput.single(name, f"cannot read the file: {exc.strerror.lower()}") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput.single(name, f"is a folder, not a {kind}")
    if not stat.S_ISREG(st.st_mode):
        raise BadInput.single(name, "is not a regular file")
    if limit is not None and st.st_size > limit:
        raise BadInput.single(name, too_big(st.st_size, limit))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInput.single(name, f"cannot read the file: {exc.strerror.lower()}") from None


def line_col(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of text[index], counting lines as YAML and editors do:
    CR LF, a lone CR (old Mac files) and LF each end one."""
    breaks = text.count("\n", 0, index) + text.count("\r", 0, index) \
        - text.count("\r\n", 0, index)
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    return breaks + 1, index - start + 1


# Files chosen by mistake instead of a text file, by their first bytes: reading them as text
# would only report a byte that is not UTF-8.
_NOT_TEXT = [(b"%PDF-", "a PDF"), (b"\x89PNG\r\n\x1a\n", "a PNG image"),
             (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
             (b"PK\x03\x04", "a ZIP archive or an Office document")]

# Byte order marks, UTF-32's first: UTF-32 LE's begins with UTF-16 LE's.
_BOMS = [(b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")]
# Without a mark, the zero bytes around the first two characters give the encoding away (YAML
# 1.2, §5.2, does so with the first): the tool's text files start with ASCII ('event:', '#',
# '---', a CSV header).
_WIDE = [(re.compile(rb"([\x01-\x7f]\0\0\0){2}|(\0\0\0[\x01-\x7f]){2}"), "UTF-32"),
         (re.compile(rb"([\x01-\x7f]\0){2}|(\0[\x01-\x7f]){2}"), "UTF-16")]


def _wide_encoding(raw: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' for a file saved so, with or without a byte order mark."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    return next((encoding for pattern, encoding in _WIDE if pattern.match(raw)), None)


def decode_text(raw: bytes, name: str, *, what: str = "a YAML event file") -> str:
    """A text file's bytes as text (UTF-8, with or without the BOM that spreadsheets write),
    or one line naming what is wrong: what the file is instead of `what`, its encoding, or
    where its first byte that is not UTF-8 stands."""
    kind = next((label for magic, label in _NOT_TEXT if raw.startswith(magic)), None)
    if kind:
        raise BadInput.single(name, f"is {kind}, not {what}")
    encoding = _wide_encoding(raw)
    if encoding:
        raise BadInput.single(name, f"file is saved as {encoding}; save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", errors="replace")
        line, col = line_col(good, len(good))
        raise BadInput.single(
            name, f"byte 0x{raw[exc.start]:02X} is not UTF-8; save the file as UTF-8",
            line=line, column=col) from None
    if not text.strip():
        raise BadInput.single(name, "file is empty")
    return text


# Input is fed 64 kB at a time (zlib copies the input it has not used yet at every step) and
# output taken 1 MB at a time, so a large image costs time, not memory, when it is not kept.
_INFLATE_INPUT = 64 * 1024
_INFLATE_OUTPUT = MB


def inflate(data: bytes, limit: int, *, keep: bool = True) -> tuple[bytes, int, bool]:
    """Flate data inflated slice by slice, stopping as soon as more than limit bytes came out:
    a few kilobytes of Flate can claim gigabytes. Returns the bytes (empty unless keep), how
    many came out (limit + 1 at most: more than limit means "too large"), and whether the data
    reached its end (False for data cut short). Raises zlib.error for data that is no Flate."""
    inflater = zlib.decompressobj()
    kept = bytearray()
    size = 0
    view = memoryview(data)

    def take(piece: bytes) -> None:
        nonlocal size
        size += len(piece)
        if keep:
            kept.extend(piece)

    for start in range(0, len(view), _INFLATE_INPUT):
        pending = view[start:start + _INFLATE_INPUT]
        while pending and not inflater.eof and size <= limit:
            take(inflater.decompress(pending, min(_INFLATE_OUTPUT, limit + 1 - size)))
            pending = inflater.unconsumed_tail
        if inflater.eof or size > limit:
            break
    if not inflater.eof and size <= limit:
        take(inflater.flush())  # what zlib still holds once the input is used up (its window)
    return bytes(kept[:limit + 1]), min(size, limit + 1), inflater.eof
