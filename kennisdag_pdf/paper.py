"""The paper: trim sizes by name, the bleed and the printer's marks, in points.

Light (no ReportLab): profiles, the command line and the preflight name page sizes and the
bleed without loading the typesetter; theme.py builds its page geometry from these.
"""

from __future__ import annotations

from dataclasses import dataclass

from .units import MM

# Width and height of the trim, as ReportLab's pagesizes give them (the same floats).
# A5 is the knowledge-day booklet; A4 the office print-out.
TRIM_SIZES: dict[str, tuple[float, float]] = {
    "a5": (148 * MM, 210 * MM),
    "a4": (210 * MM, 297 * MM),
}
DEFAULT_PAGE_SIZE = "a5"
# ISO 216 A and ISO 217 RA and SRA (SR: room for bleed and marks) sizes, short side × long
# side in mm: what `check` names a page by, and the sheets a print shop's press takes.
ISO_SIZES_MM: dict[str, tuple[float, float]] = {
    "A5": (148, 210),
    "A4": (210, 297), "RA4": (215, 305), "SRA4": (225, 320),
    "A3": (297, 420), "RA3": (305, 430), "SRA3": (320, 450),
    "A2": (420, 594), "RA2": (430, 610), "SRA2": (450, 640),
    "A1": (594, 841), "RA1": (610, 860), "SRA1": (640, 900),
    "A0": (841, 1189), "RA0": (860, 1220), "SRA0": (900, 1280),
}


@dataclass(frozen=True)
class PrintMarks:
    """Bleed and printer's marks, shared by the print profile and the booklet imposition.

    Marks sit in the border outside the bleed, so trimming never leaves a trace of them.
    """

    bleed: float = 3 * MM  # backgrounds run this far past the trim on every side
    border: float = 12 * MM  # from the trim edge to the edge of the (enlarged) media box
    length: float = 6 * MM  # a crop mark runs from the media edge this far towards the trim
    width: float = 0.25  # hairline
    registration: tuple[float, float, float, float] = (1, 1, 1, 1)  # prints on every plate


MARKS = PrintMarks()
