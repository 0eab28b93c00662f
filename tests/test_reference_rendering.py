"""Reference renderings: pages of the 2011 brochure compared as images, with a tolerance.

The screen brochure, the print file with its bleed and crop marks, and a sheet of the imposed
booklet; and a page of the English example where a thesis runs on below the one before it.

A layout change shows up here as a failing page with a diff image beside the reference. When
the change is intended, `make references` rewrites the PNGs: look at them before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from kennisdag_pdf import preview
from kennisdag_pdf.preview import page_count

REFERENCE = Path(__file__).parent / "reference"
UPDATE = os.environ.get("KENNISDAG_UPDATE_REFERENCES") == "1"
DPI = 40
# Anti-aliasing differs slightly between rasteriser builds; a moved line or a changed word
# changes far more than this many pixels.
CHANNEL_TOLERANCE = 48  # per pixel, 0–255
MAX_CHANGED_SHARE = 0.002  # of all pixels

# (product, page number or -1 for the last, name)
PAGES = [("screen", 1, "cover"), ("screen", 2, "contents"), ("screen", 3, "opening-agenda"),
         ("screen", 4, "participants"), ("screen", 7, "thesis-1"), ("screen", 15, "conclusions"),
         ("screen", -1, "colophon"), ("print", 1, "cover-with-marks"),
         ("print", 7, "thesis-1-with-marks"), ("booklet", 1, "outer-sheet"),
         ("screen-en", 6, "thesis-2-runs-on")]
# A product of another event than the 2011 one: (event, product) in the reference's name.
OTHER_EVENT = {"screen-en": ("example-en", "screen")}


@pytest.fixture(scope="module")
def products(brochure_2011, print_2011, brochure_en) -> dict[str, bytes]:
    from kennisdag_pdf.impose import impose

    return {"screen": brochure_2011.pdf, "print": print_2011.pdf,
            "booklet": impose(print_2011.pdf, "print.pdf").pdf, "screen-en": brochure_en.pdf}


def rasterise(pdf: bytes, page_number: int) -> Image.Image:
    """The page as `kennisdag-pdf preview` renders it (a negative number counts from the end)."""
    if page_number < 0:
        page_number = page_count(pdf) + 1 + page_number
    return preview.rasterise(pdf, DPI, str(page_number))[1][0]


def changed_share(expected: Image.Image, actual: Image.Image) -> tuple[float, Image.Image]:
    diff = ImageChops.difference(expected, actual).convert("L")
    mask = diff.point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0)
    changed = mask.histogram()[255]
    return changed / (mask.width * mask.height), mask


@pytest.mark.parametrize("product, page_number, label", PAGES,
                         ids=[f"{product}-{label}" for product, _, label in PAGES])
def test_page_matches_reference(products, product, page_number, label):
    number = f"p{page_number:02d}" if page_number > 0 else "last"
    event, kind = OTHER_EVENT.get(product, ("kennisdag-2011", product))
    name = f"{event}-{kind}-{number}-{label}"
    reference = REFERENCE / f"{name}.png"
    actual = rasterise(products[product], page_number)
    if UPDATE:
        REFERENCE.mkdir(exist_ok=True)
        actual.save(reference, optimize=True)
        return
    assert reference.exists(), f"no reference for page {page_number}: run `make references`"
    expected = Image.open(reference).convert("RGB")
    assert expected.size == actual.size, "page size changed"
    share, mask = changed_share(expected, actual)
    if share > MAX_CHANGED_SHARE:
        actual.save(REFERENCE / f"{name}.actual.png")
        mask.save(REFERENCE / f"{name}.diff.png")
    assert share <= MAX_CHANGED_SHARE, (
        f"page {page_number} differs in {share:.2%} of its pixels; see {name}.diff.png")


def test_comparison_detects_a_changed_line(brochure_2011):
    """The tolerance is loose enough for anti-aliasing, not for a moved line of text."""
    page = rasterise(brochure_2011.pdf, 3)
    shifted = ImageChops.offset(page, 0, 3)
    assert changed_share(page, page)[0] == 0
    assert changed_share(page, shifted)[0] > MAX_CHANGED_SHARE
