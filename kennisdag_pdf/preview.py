"""Finished PDF → PNG pages and a contact sheet, to look at a brochure without a PDF viewer.

Rasterised by PDFium (pypdfium2), the engine of Chrome's PDF viewer, so what the organiser
sees is what most readers will see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from .errors import BadInput

SHEET_COLUMNS = 6
SHEET_THUMB_WIDTH = 180  # pixels per page on the contact sheet
SHEET_GAP = 12
SHEET_BACKGROUND = (96, 96, 96)
# The contact sheet is held whole while it is made: past this many pixels (48 MB of RGB) the
# thumbnails shrink instead, so that a 1,400-page event needs no more memory than a 40-page
# one. 16 million pixels hold 330 A4 pages at the full 180 px; 1,400 pages get 86 px.
SHEET_MAX_PIXELS = 16_000_000
SHEET_MIN_THUMB_WIDTH = 24


@dataclass(frozen=True)
class Preview:
    pages: list[Path]  # one PNG per page, in page order
    sheet: Path  # all pages as thumbnails
    size: tuple[int, int]  # pixels of a page image


def parse_pages(text: str | None, count: int) -> list[int]:
    """'1-4', '3', '2,5-7', '6-' → 1-based page numbers within 1…count, in order."""
    if not text:
        return list(range(1, count + 1))
    chosen: list[int] = []
    for part in text.split(","):
        found = re.fullmatch(r"\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?", part)
        if not found:
            raise BadInput.single("--pages", f"'{text}' is not a page range such as 1-4 or 2,5-7")
        first = int(found.group(1))
        last = first if not found.group(2) else int(found.group(3) or count)
        if first < 1 or last < first or first > count:
            raise BadInput.single("--pages", f"'{part.strip()}' is outside pages 1-{count}")
        chosen += [n for n in range(first, min(last, count) + 1) if n not in chosen]
    return chosen


def rasterise(pdf: bytes, dpi: float, pages: str | None = None):
    """The chosen pages (see parse_pages) as their numbers and RGB Pillow images, each as its
    CropBox shows it (for a print file: with bleed and crop marks, as the print shop sees it).
    All images at once: for a few pages; write_preview renders one page at a time."""
    numbers, images = [], []
    for number, image in rendered(pdf, dpi, pages):
        numbers.append(number)
        images.append(image)
    return numbers, images


def rendered(pdf: bytes, dpi: float, pages: str | None = None, sizes: list | None = None):
    """The chosen pages as (number, RGB image), one at a time: only the page being handed
    out is in memory. sizes, if given, is filled first with each chosen page's (width,
    height) in points, as drawn."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        numbers = parse_pages(pages, len(document))
        if sizes is not None:
            for number in numbers:
                page = document[number - 1]
                sizes.append(page.get_size())
                page.close()
        for number in numbers:
            page = document[number - 1]
            try:
                bitmap = page.render(scale=dpi / 72)
                image = bitmap.to_pil().convert("RGB")
                bitmap.close()
            finally:
                page.close()
            yield number, image
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


class ContactSheet:
    """Thumbnails of the pages in page order, in rows of SHEET_COLUMNS, pasted as each page is
    rendered: its size is fixed up front from the pages' sizes, within SHEET_MAX_PIXELS."""

    def __init__(self, sizes: list[tuple[float, float]]) -> None:
        from PIL import Image

        self.columns = max(1, min(SHEET_COLUMNS, len(sizes)))
        rows = -(-len(sizes) // self.columns)
        tallest = max((h / w for w, h in sizes if w > 0), default=1.0)
        width = SHEET_THUMB_WIDTH
        while width > SHEET_MIN_THUMB_WIDTH and self._pixels(width, tallest, rows) > \
                SHEET_MAX_PIXELS:
            width -= 2
        self.thumb_width = width
        self.cell_w = width + SHEET_GAP
        self.cell_h = round(width * tallest) + SHEET_GAP
        self.sheet = Image.new("RGB", (self.columns * self.cell_w + SHEET_GAP,
                                       rows * self.cell_h + SHEET_GAP), SHEET_BACKGROUND)
        self.placed = 0

    def _pixels(self, width: int, tallest: float, rows: int) -> int:
        return (self.columns * (width + SHEET_GAP) + SHEET_GAP) * \
            (rows * (round(width * tallest) + SHEET_GAP) + SHEET_GAP)

    def add(self, image) -> None:
        from PIL import Image

        height = max(1, min(round(image.height * self.thumb_width / image.width),
                            self.cell_h - SHEET_GAP))
        thumb = image.resize((self.thumb_width, height), Image.Resampling.LANCZOS)
        x = SHEET_GAP + (self.placed % self.columns) * self.cell_w
        y = SHEET_GAP + (self.placed // self.columns) * self.cell_h
        self.sheet.paste(thumb, (x, y))
        self.placed += 1


def contact_sheet(images):
    """Thumbnails of the given page images in page order, in rows of SHEET_COLUMNS."""
    images = list(images)
    sheet = ContactSheet([(image.width, image.height) for image in images])
    for image in images:
        sheet.add(image)
    return sheet.sheet


def png_bytes(image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def write_preview(pdf: bytes, folder: Path, *, slug: str, pages: str | None = None,
                  dpi: float = 72) -> Preview:
    from .output import write_atomic

    # Each page is written as it is rendered and kept only as its thumbnail: memory does not
    # grow with the page count (1,386 pages at 150 dpi once took more than 6 GB).
    sizes: list = []
    paths = []
    sheet_image = None
    first_size = (0, 0)
    for number, image in rendered(pdf, dpi, pages, sizes):
        if sheet_image is None:
            sheet_image = ContactSheet(sizes)
            first_size = image.size
        path = folder / f"{slug}-p{number:03d}.png"
        write_atomic(path, png_bytes(image))
        paths.append(path)
        sheet_image.add(image)
        del image
    sheet = folder / f"{slug}-contact-sheet.png"
    write_atomic(sheet, png_bytes(sheet_image.sheet))
    if pages is None:
        # A brochure that lost pages since the last preview must not show them any more;
        # only our own page files go, nothing else in the folder.
        pattern = re.compile(rf"{re.escape(slug)}-p\d{{3}}\.png")
        for stale in folder.iterdir():
            if pattern.fullmatch(stale.name) and stale not in paths:
                stale.unlink()
    return Preview(paths, sheet, first_size)
