"""ReportLab's TrueType font with its two per-word jobs made cheap, and its parsing done once
per font file (the parsed face is kept in the cache folder); imported with ReportLab.

Line breaking asks the font for the width of every word of every paragraph, and drawing maps
every character of every line to its code in the embedded subset. Once a character has its
code, both are pure functions of the text, and text repeats: a thousand-page brochure measures
some 360,000 words from a vocabulary of a few thousand. So:

- a width is remembered per (text, size). It is the very float ReportLab computed, so no line
  can break differently;
- text whose characters all have codes in the first subset (nearly all text: a subset holds
  some 220 characters) is encoded by one `str.translate` instead of a Python loop per
  character. Anything else (a character not seen before, a second subset, bytes) goes through
  ReportLab's own code, which assigns codes exactly as it always did.

The output is byte-identical to plain `TTFont` but for one thing (tests/test_truetype.py holds
it to that): each subset's ToUnicode map leaves out the codes no character was given.
ReportLab maps them to U+0000, which PDF/UA-1 and PDF/A-3a refuse (a reader would "hear" a
null character); unmapped, they simply have no text, which is what they are.
"""

from __future__ import annotations

import marshal
import os
from fnmatch import fnmatch
from weakref import WeakKeyDictionary

from reportlab import Version as REPORTLAB_VERSION
from reportlab import rl_config
from reportlab.rl_config import unShapedFontGlob
from reportlab.pdfbase.ttfonts import SUBSETN, TTEncoding, TTFNameBytes, TTFont, TTFontFace

from . import cache

WIDTHS_REMEMBERED = 200_000  # per face; then the memo starts afresh (a few MB at most)
NBSP, SPACE = 0xA0, 0x20  # ReportLab draws a no-break space with the space's code


class _FirstSubset:
    """The characters of one document that already have a code in subset 0, as a translation
    table to those codes."""

    __slots__ = ("known", "table", "assigned")

    def __init__(self, assignments: dict[int, int]) -> None:
        table = {char: chr(code) for char, code in assignments.items() if code < 256}
        if SPACE in table:
            table[NBSP] = table[SPACE]
        self.table = table
        self.known = frozenset(map(chr, table))
        self.assigned = len(assignments)  # stale once ReportLab assigns another code


class BrochureFont(TTFont):
    def __init__(self, name: str, filename: str) -> None:
        face = _kept_face(filename)
        if face is None:
            super().__init__(name, filename)
            _keep_face(filename, self.face)
        else:  # what TTFont.__init__ does, with the face read back instead of parsed
            self.fontName = name
            self.face = face
            self.encoding = TTEncoding()
            self.state = WeakKeyDictionary()
            self._asciiReadable = rl_config.ttfAsciiReadable
            self.shapable = not any(fnmatch(name, glob) for glob in unShapedFontGlob)
        _repair_tail_metrics(self.face.hmetrics)
        self._widths: dict[tuple[str, float], float] = {}
        self._first_subset: WeakKeyDictionary = WeakKeyDictionary()  # PDF document → subset

    def stringWidth(self, text, size, encoding="utf8"):  # noqa: N802 (ReportLab's name)
        key = (text, size)
        width = self._widths.get(key)
        if width is None:
            width = super().stringWidth(text, size, encoding)
            if isinstance(text, str):
                if len(self._widths) >= WIDTHS_REMEMBERED:
                    self._widths.clear()
                self._widths[key] = width
        return width

    def addObjects(self, doc):  # noqa: N802 (ReportLab's name)
        state = self.state.get(doc)
        subsets = list(state.subsets) if state is not None else []
        super().addObjects(doc)  # which forgets the document's state
        for number, subset in enumerate(subsets):
            name = b"".join((SUBSETN(number), b"+", self.face.name,
                             self.face.subfontNameX)).decode("pdfdoc")
            doc.idToObject["toUnicodeCMap:" + name].content = to_unicode_cmap(name, subset)

    def splitString(self, text, doc, encoding="utf-8"):  # noqa: N802
        first = self._first_subset.get(doc)
        if first is not None and isinstance(text, str) and first.known.issuperset(text):
            return [(0, text.translate(first.table).encode("latin-1"))] if text else []
        chunks = super().splitString(text, doc, encoding)
        assignments = self.state[doc].assignments
        if first is None or first.assigned != len(assignments):
            self._first_subset[doc] = _FirstSubset(assignments)
        return chunks


# --- a cache of parsed faces --------------------------------------------------------------------
# ReportLab parses a TrueType file's tables (names, metrics, the character map, where each
# glyph is) whenever a font is made: 15 ms a face, 0.12 s for the theme's eight, in every
# process, a fifth of a build of the 2011 brochure. What it extracts is plain data (dicts,
# lists, numbers, names), so it is kept in the user's cache folder (cache.py) as `marshal` data,
# which is read without running code, keyed by the file (path, size, time) and ReportLab's
# release. The file's bytes themselves are read again (subsetting copies glyphs from them).
# Anything unreadable, or a face that does not look like what ReportLab makes, is parsed anew.
_FACE_FORMAT = 1  # of what is kept; another number for another layout of it
_NAMES = ("name", "familyName", "styleName", "fullName", "uniqueFontID")  # TTFNameBytes


def _face_cache_name(filename: str) -> str:
    stat = os.stat(filename)
    digest = cache.key(REPORTLAB_VERSION, os.path.abspath(filename), stat.st_size,
                       stat.st_mtime_ns, marshal.version, _FACE_FORMAT)
    return f"font-{os.path.basename(filename)}-{digest[:16]}.marshal"


def _keep_face(filename: str, face: TTFontFace) -> None:
    """What ReportLab parsed, but for the file's bytes and its scaling function."""
    if not cache.enabled():
        return
    data = {key: bytes(value) if key in _NAMES else value
            for key, value in face.__dict__.items() if key not in ("_ttf_data", "_pdfScale")}
    try:
        cache.write(_face_cache_name(filename), marshal.dumps(data))
    except (OSError, ValueError):  # a value marshal refuses: a face ReportLab made otherwise
        return
    cache.prune("font-", 4 * 1024 * 1024)  # faces of font files since changed


def _kept_face(filename: str) -> TTFontFace | None:
    try:
        data = marshal.loads(cache.read(_face_cache_name(filename)) or b"")
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("unitsPerEm"), int) or \
            not all(isinstance(data.get(key), bytes) for key in _NAMES):
        return None
    try:
        with open(filename, "rb") as stream:
            font_file = stream.read()
    except OSError:
        return None
    face = TTFontFace.__new__(TTFontFace)
    face.__dict__.update(data)
    for key in _NAMES:
        setattr(face, key, TTFNameBytes(data[key]))
    face._ttf_data = font_file
    # as ReportLab scales a font's units to thousandths of an em, the same float operations
    units = data["unitsPerEm"]
    if units == 1000:
        face._pdfScale = lambda x: x
    else:
        per_unit = 1000 / units
        face._pdfScale = lambda x: x * per_unit
    return face


def _repair_tail_metrics(hmetrics: list) -> None:
    """The glyphs past the font's last full metric share its advance width. ReportLab (5.1)
    stores that width for them already scaled to thousandths of an em, and writes it so into
    the subset's own metrics: the embedded program then disagrees with /Widths for such a
    glyph (in Open Sans: І Ї Ӏ ӏ Ỉ Ị), which PDF/UA and PDF/A refuse. The advance in font
    units is that of the last full metric, the last one read as a whole number."""
    tail = next((index for index, (advance, _) in enumerate(hmetrics)
                 if isinstance(advance, float)), None)
    if not tail:
        return
    advance = hmetrics[tail - 1][0]
    hmetrics[tail:] = [(advance, side) for _, side in hmetrics[tail:]]


def to_unicode_cmap(name: str, subset: list[int]) -> str:
    """The ToUnicode CMap of one subset (ISO 32000-1 §9.10.3): code → character, for the
    codes that have a character (a code ReportLab keeps free holds 0)."""
    pairs = [f"<{code:02X}> <{char:04X}>" for code, char in enumerate(subset)
             if char not in (0, 0xFEFF, 0xFFFE)]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo", f"<< /Registry ({name})", f"/Ordering ({name})", "/Supplement 0",
        ">> def", f"/CMapName /{name} def", "/CMapType 2 def",
        "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
        f"{len(pairs)} beginbfchar", *pairs, "endbfchar", "endcmap",
        "CMapName currentdict /CMap defineresource pop", "end", "end"])
