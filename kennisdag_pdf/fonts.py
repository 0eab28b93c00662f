"""The TrueType families in fonts/, registered with ReportLab by role, and their glyph coverage.

Only TrueType outlines are embedded by ReportLab; every face used is registered here so that no
standard-14 font (which is never embedded) can slip into a brochure.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import SetupError
from .resources import resource_dir


@dataclass(frozen=True)
class Face:
    name: str  # the name ReportLab knows it by
    file: str  # in fonts/


@dataclass(frozen=True)
class Family:
    role: str  # 'serif' for reading, 'sans' for headings, tables and furniture
    display: str
    regular: Face
    bold: Face
    italic: Face
    bold_italic: Face

    def faces(self) -> tuple[Face, ...]:
        return (self.regular, self.bold, self.italic, self.bold_italic)


SERIF = Family("serif", "Charis SIL",
               Face("KD-Serif", "CharisSIL-Regular.ttf"),
               Face("KD-Serif-Bold", "CharisSIL-Bold.ttf"),
               Face("KD-Serif-Italic", "CharisSIL-Italic.ttf"),
               Face("KD-Serif-BoldItalic", "CharisSIL-BoldItalic.ttf"))
# Open Sans ships no semibold italic; headings never need it, so bold italic maps to bold.
SANS = Family("sans", "Open Sans",
              Face("KD-Sans", "OpenSans-Regular.ttf"),
              Face("KD-Sans-Semibold", "OpenSans-Semibold.ttf"),
              Face("KD-Sans-Italic", "OpenSans-Italic.ttf"),
              Face("KD-Sans-Semibold", "OpenSans-Semibold.ttf"))
SANS_BOLD = Face("KD-Sans-Bold", "OpenSans-Bold.ttf")
FAMILIES = (SERIF, SANS)
ALL_FACES = tuple(dict.fromkeys(f for fam in FAMILIES for f in fam.faces())) + (SANS_BOLD,)


def _load(face: Face, folder: Path):
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path = folder / face.file
    shown = f"fonts/{face.file}"
    if not path.is_file():
        raise SetupError(f"{shown}: font file not found (theme font {face.name})")
    try:
        return TTFont(face.name, str(path))
    # A damaged file fails deep in the table parser with whatever it tripped over.
    except (TTFError, struct.error, OSError, ValueError, IndexError, KeyError) as exc:
        text = str(exc)
        if "postscript outlines" in text.lower():
            text = "has PostScript (CFF) outlines; use the TrueType (.ttf) version of this font"
        raise SetupError(f"{shown}: cannot use this font: {text}") from None


@lru_cache(maxsize=1)
def register() -> dict[str, object]:
    """Register every face once per process; returns name → TTFont."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.pdfmetrics import registerFontFamily

    folder = resource_dir("fonts")
    loaded = {}
    for face in ALL_FACES:
        font = _load(face, folder)
        pdfmetrics.registerFont(font)
        loaded[face.name] = font
    for fam in FAMILIES:
        registerFontFamily(fam.regular.name, normal=fam.regular.name, bold=fam.bold.name,
                           italic=fam.italic.name, boldItalic=fam.bold_italic.name)
    return loaded


@lru_cache(maxsize=1)
def coverage() -> frozenset[int]:
    """Code points every face can draw: text may end up in any of them."""
    fonts = register()
    sets = [set(font.face.charToGlyph) for font in fonts.values()]
    return frozenset(set.intersection(*sets))


def missing_glyph(text: str) -> str | None:
    """The first character of text that the fonts cannot draw, or None."""
    have = coverage()
    for ch in text:
        if ord(ch) not in have and not ch.isspace() and ch != "\u00ad":
            return ch
    return None
