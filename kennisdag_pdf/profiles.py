"""The finished products of one brochure: one table of options, plus a finishing step each.

Layout code never asks which profile it is making; it reads the options it needs (colour
space, bleed, how links appear) from the Profile it is handed. A new product is one more
row here and, when it needs one, one more finishing step in finish.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from .paper import DEFAULT_PAGE_SIZE, MARKS  # noqa: F401  (DEFAULT_PAGE_SIZE: re-exported)
from .units import MB, human_size, parse_size  # noqa: F401  (the size helpers' old home)


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
    archival: bool = False  # PDF/A-3a + UA-1, validated, carrying its published source (pdfa.py)
    # Tagged PDF/UA-1, judged by the preflight (accessibility.py): "required" fails a file
    # whose tags are missing or wrong, "advised" only warns (every brochure is tagged, but
    # a print file claims no PDF/UA: its gatekeeper is the print shop), "" does not look.
    accessibility: str = ""

    def output_name(self, event_id: str) -> str:
        return f"{event_id}{self.suffix}.pdf"


PROFILES: dict[str, Profile] = {
    "screen": Profile(
        name="screen", summary="RGB, live links, images at 150 dpi, within a size budget",
        suffix="", colour_space="rgb", bleed=0, crop_marks=False, page_multiple=1,
        printed_links=False, image_dpi=150, resample_above=1.0, warn_dpi=None, min_dpi=None, size_budget=2 * MB,
        show_outline=True, strip_annotations=False, accessibility="required"),
    "print": Profile(
        name="print", summary="CMYK, 3 mm bleed, crop marks, pages padded to a multiple of 4",
        suffix="-print", colour_space="cmyk", bleed=MARKS.bleed, crop_marks=True,
        # Like Acrobat's press presets: only images far finer than the press shows are resampled.
        page_multiple=4, printed_links=True, image_dpi=300, resample_above=1.5, warn_dpi=300, min_dpi=150,
        size_budget=None, show_outline=False, strip_annotations=True, accessibility="advised"),
    "archive": Profile(
        name="archive", summary="PDF/A-3a and PDF/UA-1 with its source and images embedded, validated",
        # RGB: a PDF/A file has one output intent, sRGB here, so the CMYK print file cannot
        # be the archive copy. Images as for print: someone may print it in twenty years.
        suffix="-archive", colour_space="rgb", bleed=0, crop_marks=False, page_multiple=1,
        printed_links=False, image_dpi=300, resample_above=1.5, warn_dpi=None, min_dpi=None,
        size_budget=None, show_outline=True, strip_annotations=False, archival=True,
        accessibility="required"),
}

DEFAULT_PROFILE = "screen"

