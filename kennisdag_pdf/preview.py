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
    CropBox shows it (for a print file: with bleed and crop marks, as the print shop sees it)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        numbers = parse_pages(pages, len(document))
        images = []
        for number in numbers:
            page = document[number - 1]
            images.append(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            page.close()
        return numbers, images
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def contact_sheet(images):
    """Thumbnails of the pages in page order, in rows of SHEET_COLUMNS."""
    from PIL import Image

    thumbs = []
    for image in images:
        height = round(image.height * SHEET_THUMB_WIDTH / image.width)
        thumbs.append(image.resize((SHEET_THUMB_WIDTH, height), Image.Resampling.LANCZOS))
    cell_w = SHEET_THUMB_WIDTH + SHEET_GAP
    cell_h = max(t.height for t in thumbs) + SHEET_GAP
    columns = min(SHEET_COLUMNS, len(thumbs))
    rows = -(-len(thumbs) // columns)
    sheet = Image.new("RGB", (columns * cell_w + SHEET_GAP, rows * cell_h + SHEET_GAP),
                      SHEET_BACKGROUND)
    for index, thumb in enumerate(thumbs):
        x = SHEET_GAP + (index % columns) * cell_w
        y = SHEET_GAP + (index // columns) * cell_h
        sheet.paste(thumb, (x, y))
    return sheet


def png_bytes(image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def write_preview(pdf: bytes, folder: Path, *, slug: str, pages: str | None = None,
                  dpi: float = 72) -> Preview:
    from .output import write_atomic

    numbers, images = rasterise(pdf, dpi, pages)
    paths = []
    for number, image in zip(numbers, images):
        path = folder / f"{slug}-p{number:03d}.png"
        write_atomic(path, png_bytes(image))
        paths.append(path)
    sheet = folder / f"{slug}-contact-sheet.png"
    write_atomic(sheet, png_bytes(contact_sheet(images)))
    if pages is None:
        # A brochure that lost pages since the last preview must not show them any more;
        # only our own page files go, nothing else in the folder.
        pattern = re.compile(rf"{re.escape(slug)}-p\d{{3}}\.png")
        for stale in folder.iterdir():
            if pattern.fullmatch(stale.name) and stale not in paths:
                stale.unlink()
    return Preview(paths, sheet, images[0].size)
