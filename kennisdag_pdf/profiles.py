"""The finished products of one brochure: one table of options, plus a finishing step each.

Layout code never asks which profile it is making; it reads the options it needs (colour
space, bleed, how links appear) from the Profile it is handed. A new product is one more
row here and, when it needs one, one more finishing step in finish.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from .theme import MARKS

PAGE_SIZES = ("a5", "a4")
MB = 1024 * 1024


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str  # one line for --help
    suffix: str  # added to the event id for the default output name
    colour_space: str  # "rgb" or "cmyk": every colour and image in the file
    bleed: float  # points past the trim on every side; 0 means none
    crop_marks: bool
    page_multiple: int  # pad with blank pages before the back cover up to a multiple of this
    printed_links: bool  # paper: URLs printed without scheme plus a QR code, nothing to click
    image_dpi: float  # resample images to this resolution at their placed size …
    resample_above: float  # … when they are finer than image_dpi times this
    warn_dpi: float | None  # effective resolution below which an image gets a warning
    min_dpi: float | None  # … and below which the build refuses it
    size_budget: int | None  # bytes the file may take; None: no limit
    show_outline: bool  # open the PDF with its bookmarks visible
    strip_annotations: bool  # paper cannot be clicked: no link annotations in the file
    archival: bool = False  # PDF/A-3b, validated, carrying its published source (pdfa.py)

    def output_name(self, event_id: str) -> str:
        return f"{event_id}{self.suffix}.pdf"


PROFILES: dict[str, Profile] = {
    "screen": Profile(
        name="screen", summary="RGB, live links, images at 150 dpi, within a size budget",
        suffix="", colour_space="rgb", bleed=0, crop_marks=False, page_multiple=1,
        printed_links=False, image_dpi=150, resample_above=1.0, warn_dpi=None, min_dpi=None, size_budget=2 * MB,
        show_outline=True, strip_annotations=False),
    "print": Profile(
        name="print", summary="CMYK, 3 mm bleed, crop marks, pages padded to a multiple of 4",
        suffix="-print", colour_space="cmyk", bleed=MARKS.bleed, crop_marks=True,
        # Like Acrobat's press presets: only images far finer than the press shows are resampled.
        page_multiple=4, printed_links=True, image_dpi=300, resample_above=1.5, warn_dpi=300, min_dpi=150,
        size_budget=None, show_outline=False, strip_annotations=True),
    "archive": Profile(
        name="archive", summary="PDF/A-3b with its source and images embedded, validated",
        # RGB: a PDF/A file has one output intent, sRGB here, so the CMYK print file cannot
        # be the archive copy. Images as for print: someone may print it in twenty years.
        suffix="-archive", colour_space="rgb", bleed=0, crop_marks=False, page_multiple=1,
        printed_links=False, image_dpi=300, resample_above=1.5, warn_dpi=None, min_dpi=None,
        size_budget=None, show_outline=True, strip_annotations=False, archival=True),
}

DEFAULT_PROFILE = "screen"
DEFAULT_PAGE_SIZE = "a5"


def profile(name: str) -> Profile:
    return PROFILES[name]


def human_size(n: int) -> str:
    """Bytes as a reader wants them: '483 kB', '2.0 MB' (the units parse_size reads)."""
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.0f} kB"


def parse_size(text: str) -> int:
    """'2MB', '500 kB', '1.5 MB', '800000' → bytes (binary units, as file managers show)."""
    units = {"": 1, "b": 1, "kb": 1024, "k": 1024, "mb": MB, "m": MB}
    cleaned = text.strip().lower().replace(" ", "")
    number = cleaned.rstrip("kmb")
    unit = cleaned[len(number):]
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"'{text}' is not a size such as 2MB or 500kB") from None
    if unit not in units or value <= 0:
        raise ValueError(f"'{text}' is not a size such as 2MB or 500kB")
    return int(value * units[unit])
