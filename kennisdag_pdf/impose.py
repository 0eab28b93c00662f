"""Imposes a finished print PDF as a saddle-stitched booklet: two pages on each side of a sheet.

The pages are not re-rendered: each becomes a Form XObject of its own content and resources,
clipped to its trim plus the bleed on its three outer edges, and placed in printer's order. The
source's crop marks fall outside that clip; the sheets get their own crop and fold marks.

A PDF/X-4 source makes a PDF/X-4 booklet: the same output intent, title, dates and trapping,
and a DocumentID of its own (pdfx.carry_pdfx), so that the shop's preflight accepts either.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

from . import pdfin
from .errors import BadInput
from .pdfin import Budget, TooComplex, Unexpected
from .paper import MARKS
from .units import to_mm

TOLERANCE = 0.5  # pt: rounding by a PDF writer, not a different design
TAKES_PRINT_PDF = "impose takes the print PDF (--profile print)"

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Booklet:
    """A brochure imposed two pages to a sheet side, ready to print duplex, fold and staple."""

    pdf: bytes  # the imposed sheet sides: front, back, front, back …
    pages: int  # pages of the source brochure
    sheets: int  # physical sheets (= pages // 4); each has a front and a back side


@dataclass(frozen=True)
class _Page:
    number: int  # 1-based
    trim: Box
    bleed: float

    @property
    def size(self) -> tuple[float, float]:
        return (self.trim[2] - self.trim[0], self.trim[3] - self.trim[1])


def printer_order(pages: int) -> list[tuple[int, int]]:
    """(left, right) page numbers of each sheet side, front then back: 8 → 8|1, 2|7, 6|3, 4|5."""
    sides: list[tuple[int, int]] = []
    for sheet in range(pages // 4):
        sides += [(pages - 2 * sheet, 1 + 2 * sheet), (2 + 2 * sheet, pages - 1 - 2 * sheet)]
    return sides


def impose(data: bytes, name: str, budget: Budget | None = None) -> Booklet:
    """budget bounds the reading of the pages' drawing (pdfin.Budget); past it the file is
    bad input, "too complex to check". A damaged file is refused: its sheets would print
    without what qpdf could not recover."""
    budget = budget or Budget()
    with pdfin.open_foreign(data, name) as source:
        try:
            found = pdfin.damage(source, budget)
            if found:
                raise pdfin.damaged(name, found)
            return _impose(source, name, budget)
        except (TooComplex, MemoryError, RecursionError) as exc:
            raise pdfin.too_complex(name, exc) from None
        except Unexpected as exc:
            raise pdfin.damaged(name, [str(exc)]) from None
        except (pikepdf.PdfError, pikepdf.PikepdfError):  # damage qpdf meets as it reads
            raise BadInput.single(name, "is not a readable PDF") from None


def _impose(source: Pdf, name: str, budget: Budget) -> Booklet:
    count = len(source.pages)
    if count == 0:
        raise BadInput.single(name, "has no pages")
    if count % 4:
        raise BadInput.single(name, f"has {count} pages; a saddle-stitched booklet needs a "
                                    "multiple of 4 (build it with --profile print, which pads "
                                    "with blank pages)")
    pages = [_measure(page, number, name) for number, page in enumerate(source.pages, 1)]
    first = pages[0]
    for page in pages[1:]:
        if any(abs(a - b) > TOLERANCE for a, b in zip(page.size, first.size)):
            raise BadInput.single(name, f"page {page.number} is {_mm_size(page)} mm but page 1 "
                                        f"is {_mm_size(first)} mm; a booklet needs one page size")
        if abs(page.bleed - first.bleed) > TOLERANCE:
            raise BadInput.single(name, f"page {page.number} has {_mm(page.bleed)} mm bleed but "
                                        f"page 1 has {_mm(first.bleed)} mm; a booklet needs one "
                                        "bleed")

    width, height = first.size
    border = MARKS.border
    out = Pdf.new()
    # Even pages fall left of the spine, odd pages right of it, on every sheet side.
    forms = {page.number: out.copy_foreign(_form(source, page, budget,
                                                 left=page.number % 2 == 0))
             for page in pages}
    trim = (border, border, border + 2 * width, border + height)
    for left, right in printer_order(count):
        content = (_place(pages[left - 1], border, border)
                   + _place(pages[right - 1], border + width, border) + _marks(width, height))
        sheet = Dictionary(
            Type=Name.Page,
            MediaBox=_array((0, 0, 2 * width + 2 * border, height + 2 * border)),
            BleedBox=_array(_grow(trim, first.bleed)),
            TrimBox=_array(trim),
            Resources=Dictionary(XObject=Dictionary({f"/P{n}": forms[n] for n in (left, right)})),
            Contents=out.make_stream(content.encode("ascii")),
        )
        out.pages.append(pikepdf.Page(out.make_indirect(sheet)))

    from .pdfx import carry_pdfx

    if not carry_pdfx(source, out):
        info = source.trailer.get("/Info")
        if isinstance(info, Dictionary) and "/Title" in info:
            out.docinfo[Name.Title] = pikepdf.String(str(info.Title))
    buffer = io.BytesIO()
    # fix_metadata_version would write the XMP packet again in lxml's words.
    out.save(buffer, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate, min_version=source.pdf_version,
             fix_metadata_version=False)
    return Booklet(pdf=buffer.getvalue(), pages=count, sheets=count // 4)


def _measure(page: pikepdf.Page, number: int, name: str) -> _Page:
    rotate = page.obj.get("/Rotate", 0)
    if not isinstance(rotate, int) or isinstance(rotate, bool):
        raise Unexpected(f"page {number}: its Rotate is not a whole number")
    if rotate % 360:
        raise BadInput.single(name, f"page {number} is rotated; {TAKES_PRINT_PDF}")
    trim = _box(page, "/TrimBox", number, name)
    bleed = _box(page, "/BleedBox", number, name)
    sides = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    if max(sides) - min(sides) > TOLERANCE:
        raise BadInput.single(name, f"page {number} has a different bleed on each side "
                                    f"({', '.join(_mm(s) for s in sides)} mm)")
    if min(sides) < -TOLERANCE:
        raise BadInput.single(name, f"page {number} has a BleedBox inside its TrimBox")
    # Wider bleed would run into the sheet's marks, which must be trimmed away cleanly.
    room = MARKS.border - MARKS.length
    if sides[0] > room + TOLERANCE:
        raise BadInput.single(name, f"page {number} has {_mm(sides[0])} mm bleed; the sheet "
                                    f"has room for {_mm(room)} mm outside its marks")
    return _Page(number, trim, max(0.0, sum(sides) / 4))


def _box(page: pikepdf.Page, key: str, number: int, name: str) -> Box:
    # pikepdf's page.trimbox falls back to the MediaBox; only an explicit box says "print PDF".
    box = page.obj.get(key)
    if box is None:
        raise BadInput.single(name, f"page {number} has no {key[1:]}; {TAKES_PRINT_PDF}")
    try:
        return _normalise(box, key[1:])
    except Unexpected:
        raise BadInput.single(name, f"page {number} has a malformed {key[1:]} (not a "
                                    "rectangle of 4 numbers)") from None


def _normalise(box: pikepdf.Object, what: str) -> Box:
    # Any two opposite corners make a valid rectangle, in either order.
    return pdfin.rectangle(box, what)


def _form(source: Pdf, page: _Page, budget: Budget, *, left: bool) -> pikepdf.Object:
    """The page as a Form XObject that shows its trim and bleed, but not across the spine."""
    original = source.pages[page.number - 1]
    obj = original.obj
    x0, y0, x1, y1 = page.trim
    b = page.bleed
    clip = (x0 - b, y0 - b, x1, y1 + b) if left else (x0, y0 - b, x1 + b, y1 + b)
    # Nothing outside the CropBox was ever visible on the source page.
    try:
        crop = _normalise(original.cropbox, "CropBox")
    except Unexpected:
        raise Unexpected(f"page {page.number} has a malformed CropBox (not a rectangle of 4 "
                         "numbers)") from None
    clip = (max(clip[0], crop[0]), max(clip[1], crop[1]),
            min(clip[2], crop[2]), min(clip[3], crop[3]))
    # Splitting a page's content over several streams may cut between two tokens. Each read
    # counts against the budget: a stream shared by every page is copied once a page.
    data = b"\n".join(pdfin.read_stream(stream, budget) for stream in pdfin.page_streams(obj))
    budget.charge(pdfin.tokens_at_most(data))
    resources = obj.get("/Resources", Dictionary())
    if not isinstance(resources, Dictionary):
        raise Unexpected(f"page {page.number}'s Resources is not a dictionary")
    form = source.make_stream(data, Type=Name.XObject, Subtype=Name.Form, BBox=_array(clip),
                              Resources=resources)
    if "/Group" in obj:  # a transparency group keeps its blending when placed
        form.Group = obj.Group
    return form


def _place(page: _Page, x: float, y: float) -> str:
    """Draws the page's form with its trim's lower-left corner at (x, y)."""
    dx, dy = x - page.trim[0], y - page.trim[1]
    return f"q 1 0 0 1 {_num(dx)} {_num(dy)} cm /P{page.number} Do Q\n"


def _marks(width: float, height: float) -> str:
    """Crop marks at the sheet's trim corners and dashed fold marks at the spine, in the border."""
    border = MARKS.border
    reach = min(MARKS.length, border)  # from the media edge inwards, as ReportLab draws them
    right, top, spine = 2 * width + 2 * border, height + 2 * border, border + width
    crop = [line for x in (border, border + 2 * width)
            for line in ((x, 0, x, reach), (x, top - reach, x, top))]
    crop += [line for y in (border, border + height)
             for line in ((0, y, reach, y), (right - reach, y, right, y))]
    fold = [(spine, 0, spine, reach), (spine, top - reach, spine, top)]
    # Registration colour as CMYK, so the marks print on every plate and never convert via RGB.
    colour = " ".join(_num(c) for c in MARKS.registration)
    return (f"q {colour} K {_num(MARKS.width)} w [] 0 d\n{_path(crop)}"
            f"[2 2] 0 d\n{_path(fold)}Q\n")


def _path(lines: list[Box]) -> str:
    segments = "".join(f"{_num(a)} {_num(b)} m {_num(c)} {_num(d)} l\n" for a, b, c, d in lines)
    return segments + "S\n"


def _grow(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _array(box: Box) -> Array:
    return Array([round(v, 4) for v in box])


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _mm(points: float) -> str:
    return f"{to_mm(points):.1f}".removesuffix(".0")


def _mm_size(page: _Page) -> str:
    return " × ".join(_mm(v) for v in page.size)
