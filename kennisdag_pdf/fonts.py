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
    from reportlab.pdfbase.ttfonts import TTFError

    from .truetype import BrochureFont

    path = folder / face.file
    shown = f"fonts/{face.file}"
    if not path.is_file():
        raise SetupError(f"{shown}: font file not found (theme font {face.name})")
    try:
        return BrochureFont(face.name, str(path))
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


COVERAGE_FILE = "glyph-coverage.json"


@lru_cache(maxsize=1)
def coverage() -> frozenset[int]:
    """Code points every face can draw: text may end up in any of them.

    Read from fonts/glyph-coverage.json when it describes the font files as they are (their
    sizes), so that `validate` needs no font parser (ReportLab's takes 0.15 s to start);
    measured from the fonts otherwise.
    """
    stored = _stored_coverage()
    return stored if stored is not None else measured_coverage()


def measured_coverage() -> frozenset[int]:
    fonts = register()
    sets = [set(font.face.charToGlyph) for font in fonts.values()]
    return frozenset(set.intersection(*sets))


def coverage_record(points: frozenset[int]) -> dict:
    """The coverage file's content: the font files it describes and the code point ranges."""
    folder = resource_dir("fonts")
    ranges: list[list[int]] = []
    for point in sorted(points):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return {"fonts": {face.file: (folder / face.file).stat().st_size for face in ALL_FACES},
            "ranges": ranges}


def _stored_coverage() -> frozenset[int] | None:
    import json

    folder = resource_dir("fonts")
    try:
        record = json.loads((folder / COVERAGE_FILE).read_text(encoding="utf-8"))
        if record["fonts"] != {face.file: (folder / face.file).stat().st_size
                               for face in ALL_FACES}:
            return None  # a font was replaced: measure it
        return frozenset(p for start, end in record["ranges"] for p in range(start, end + 1))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_coverage_file() -> Path:
    """Measure the fonts and write fonts/glyph-coverage.json (after changing a font)."""
    import json

    path = resource_dir("fonts") / COVERAGE_FILE
    record = coverage_record(measured_coverage())
    path.write_text(json.dumps(record, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":  # python -m kennisdag_pdf.fonts
    print(write_coverage_file())


@lru_cache(maxsize=1)
def _drawable() -> frozenset[str]:
    return frozenset(map(chr, coverage()))


def missing_glyph(text: str) -> str | None:
    """The first character of text that the fonts cannot draw, or None."""
    have = _drawable()
    if have.issuperset(text):  # nearly always: one set operation, in C
        return None
    for ch in text:
        if ch not in have and not ch.isspace() and ch != "\u00ad":
            return ch
    return None
