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
