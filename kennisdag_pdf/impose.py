"""Imposes a finished print PDF as a saddle-stitched booklet: two pages on each side of a sheet.

The pages are not re-rendered: each becomes a Form XObject of its own content and resources,
clipped to its trim plus the bleed on its three outer edges, and placed in printer's order. The
source's crop marks fall outside that clip; the sheets get their own crop and fold marks.

A PDF/X-4 source makes a PDF/X-4 booklet: the same output intent, title, dates and trapping,
and a DocumentID of its own (pdfx.carry_pdfx), so that the shop's preflight accepts either.

Creep: folded into one another, the inner sheets stick out at the fore-edge, and trimming the
finished booklet takes more off them, so their outer margins would shrink towards the centre.
Their pages are moved towards the spine to make up for it: the outer sheet not at all, the
centre sheet by the creep given, the sheets between in proportion. The marks stay put.

The sheets are as small as the marks allow (a 7 mm border: the bleed, a 1 mm gap, 3 mm crop
marks), so that an A5 booklet fits SRA4; the booklet names the smallest press sheet that
holds them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

from . import pdfin
from .errors import BadInput
from .pdfin import Budget, TooComplex, Unexpected
from .paper import ISO_SIZES_MM, MARKS
from .units import MM, to_mm

TOLERANCE = 0.5  # pt: rounding by a PDF writer, not a different design
TAKES_PRINT_PDF = "impose takes the print PDF (--profile print)"

Box = tuple[float, float, float, float]

# The brochure's own 12 mm border would make an A5 booklet's sheet 320 × 234 mm, taller than
# SRA4 (225 mm). 7 mm holds the 3 mm bleed, a 1 mm gap and a 3 mm crop mark: 310 × 224 mm.
SHEET_MARKS = replace(MARKS, border=7 * MM, length=3 * MM)

# Ours, not a standard's: past 5 mm the inner margins of the centre pages are mostly gone, and
# a booklet that creeps that much (some 50 sheets of 100 µm paper) is too thick to staple.
MAX_CREEP = 5 * MM
# Ours too: 500 µm is heavy board (350 g/m² is about 400 µm); nothing thicker folds flat.
MAX_PAPER_THICKNESS = 0.5 * MM

# Sheets a print shop's press takes (A4 to SRA0), smallest first.
PRESS_SHEETS: dict[str, tuple[float, float]] = dict(sorted(
    ((name, size) for name, size in ISO_SIZES_MM.items() if name != "A5"),
    key=lambda item: item[1][0] * item[1][1]))
PRESS_TOLERANCE_MM = 0.1  # a sheet computed in points is 310.0000001 mm, not 310


@dataclass(frozen=True)
class Creep:
    """What the command line asked for: the creep at the centre sheet, or the paper thickness
    it is computed from (the centre sheet of n sheets moves (n − 1) × the thickness), in
    points; both 0 for none. Made by creep_from_options."""

    centre: float = 0.0
    paper: float = 0.0

    def shifts(self, sheets: int, name: str) -> tuple[float, ...]:
        """How far each sheet's pages move towards the spine, outer sheet first, in points."""
        if sheets < 2:
            return (0.0,) * sheets
        if self.paper:
            centre = self.paper * (sheets - 1)
            if centre > MAX_CREEP + 1e-9:
                raise BadInput.single("--paper-thickness", f"{_mm(self.paper, 3)} mm paper "
                                      f"gives {name} ({sheets} sheets) {_mm(centre, 2)} mm of "
                                      f"creep at the centre, over the {_mm(MAX_CREEP)} mm a "
                                      "saddle-stitched booklet can take")
        else:
            centre = self.centre
        return tuple(centre * sheet / (sheets - 1) for sheet in range(sheets))


def creep_from_options(creep: str | None, paper_thickness: str | None) -> Creep:
    """--creep MM (mm, the unit may be written: 0.4 or 0.4mm) and --paper-thickness (0.1mm or
    100µm): checked, as a Creep. One line naming the option for a wrong value."""
    if creep is not None and paper_thickness is not None:
        raise BadInput.single("--creep", "give either --creep or --paper-thickness, not both")
    if creep is not None:
        value = _length(creep, "--creep", "0.4 or 0.4mm", bare="mm")
        if value > MAX_CREEP + 1e-9:
            raise BadInput.single("--creep", f"{creep[:40]!r} is more than the "
                                             f"{_mm(MAX_CREEP)} mm a saddle-stitched booklet "
                                             "can take")
        return Creep(centre=value)
    if paper_thickness is not None:
        value = _length(paper_thickness, "--paper-thickness", "0.1mm or 100µm", bare=None)
        if value > MAX_PAPER_THICKNESS + 1e-9:
            raise BadInput.single("--paper-thickness",
                                  f"{paper_thickness[:40]!r} is thicker than the "
                                  f"{_mm(MAX_PAPER_THICKNESS)} mm of the heaviest board that "
                                  "folds")
        return Creep(paper=value)
    return Creep()


_LENGTH = re.compile(r"(?P<number>[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+))\s*"
                     r"(?P<unit>mm|µm|μm|um)?")
_UNITS = {"mm": MM, "µm": MM / 1000, "μm": MM / 1000, "um": MM / 1000}


def _length(text: str, option: str, example: str, *, bare: str | None) -> float:
    """text as points; bare is the unit of a number without one (None: a unit is needed)."""
    shown = repr(text[:40])  # as typed, but on one line
    found = _LENGTH.fullmatch(text.strip().lower())
    if found is None:
        raise BadInput.single(option, f"{shown} is not a length such as {example}")
    unit = found["unit"] or bare
    if unit is None:
        raise BadInput.single(option, f"{shown} needs its unit: {example}")
    value = float(found["number"].replace(",", ".")) * _UNITS[unit]
    if value < 0:
        raise BadInput.single(option, f"{shown} is below 0")
    return value


@dataclass(frozen=True)
class PressSheet:
    """A standard sheet the imposed sheet fits on."""

    name: str
    size_mm: tuple[float, float]  # long side × short side, as the sheet lies (landscape)

    def __str__(self) -> str:
        return f"{self.name} ({self.size_mm[0]:g} × {self.size_mm[1]:g} mm)"


def press_sheet(width: float, height: float) -> PressSheet | None:
    """The smallest standard sheet (PRESS_SHEETS) that holds a sheet of width × height points,
    turned as need be; None when even SRA0 is too small."""
    w, h = to_mm(width), to_mm(height)
    short, long = sorted((w, h))
    for name, (a, b) in PRESS_SHEETS.items():
        if short <= a + PRESS_TOLERANCE_MM and long <= b + PRESS_TOLERANCE_MM:
            return PressSheet(name, (b, a) if w >= h else (a, b))
    return None


@dataclass(frozen=True)
class Booklet:
    """A brochure imposed two pages to a sheet side, ready to print duplex, fold and staple."""

    pdf: bytes  # the imposed sheet sides: front, back, front, back …
    pages: int  # pages of the source brochure
    sheets: int  # physical sheets (= pages // 4); each has a front and a back side
    size: tuple[float, float]  # a sheet with its marks (its MediaBox), in points
    press: PressSheet | None  # the smallest standard sheet that holds it
    shifts: tuple[float, ...]  # points each sheet's pages moved to the spine, outer sheet first

    @property
    def creep(self) -> float:
        """The shift of the centre sheet, in points."""
        return max(self.shifts, default=0.0)

    @property
    def sheet_text(self) -> str:
        """The sheet a shop must print it on, and the creep: 'sheet 310 × 224 mm with marks,
        fits SRA4 (320 × 225 mm), creep 0.4 mm at the centre'."""
        size = " × ".join(_mm(v) for v in self.size)
        fits = f"fits {self.press}" if self.press else "larger than any standard press sheet"
        creep = f", creep {_mm(self.creep, 2)} mm at the centre" if self.creep else ""
        return f"sheet {size} mm with marks, {fits}{creep}"


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


def sheet_of(number: int, pages: int) -> int:
    """The sheet (0 the outer one) that carries page number of a booklet of pages."""
    return min(number - 1, pages - number) // 2


def impose(data: bytes, name: str, budget: Budget | None = None, *,
           creep: Creep = Creep()) -> Booklet:
    """budget bounds the reading of the pages' drawing (pdfin.Budget); past it the file is
    bad input, "too complex to check". A damaged file is refused: its sheets would print
    without what qpdf could not recover. creep moves the inner sheets' pages (Creep)."""
    budget = budget or Budget()
    with pdfin.open_foreign(data, name) as source:
        try:
            found = pdfin.damage(source, budget)
            if found:
                raise pdfin.damaged(name, found)
            return _impose(source, name, budget, creep)
        except (TooComplex, MemoryError, RecursionError) as exc:
            raise pdfin.too_complex(name, exc) from None
        except Unexpected as exc:
            raise pdfin.damaged(name, [str(exc)]) from None
        except (pikepdf.PdfError, pikepdf.PikepdfError):  # damage qpdf meets as it reads
            raise BadInput.single(name, "is not a readable PDF") from None


def _impose(source: Pdf, name: str, budget: Budget, creep: Creep) -> Booklet:
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
    border = SHEET_MARKS.border
    shifts = creep.shifts(count // 4, name)
    out = Pdf.new()
    # Even pages fall left of the spine, odd pages right of it, on every sheet side; creep
    # moves a left page right and a right page left.
    moves = {n: shifts[sheet_of(n, count)] * (1 if n % 2 == 0 else -1)
             for n in range(1, count + 1)}
    forms = {page.number: out.copy_foreign(_form(source, page, budget,
                                                 left=page.number % 2 == 0,
                                                 shift=abs(moves[page.number])))
             for page in pages}
    trim = (border, border, border + 2 * width, border + height)
    size = (2 * width + 2 * border, height + 2 * border)
    for left, right in printer_order(count):
        content = (_place(pages[left - 1], border + moves[left], border)
                   + _place(pages[right - 1], border + width + moves[right], border)
                   + _marks(width, height))
        sheet = Dictionary(
            Type=Name.Page,
            MediaBox=_array((0, 0, *size)),
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
    return Booklet(pdf=buffer.getvalue(), pages=count, sheets=count // 4, size=size,
                   press=press_sheet(*size), shifts=shifts)


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
    room = SHEET_MARKS.border - SHEET_MARKS.length
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


def _form(source: Pdf, page: _Page, budget: Budget, *, left: bool,
          shift: float = 0.0) -> pikepdf.Object:
    """The page as a Form XObject that shows its trim and bleed, but not across the spine.

    shift: how far creep will move it towards the spine; as much of its inner edge is cut
    off, so that it still ends at the spine."""
    original = source.pages[page.number - 1]
    obj = original.obj
    x0, y0, x1, y1 = page.trim
    b = page.bleed
    shift = min(shift, x1 - x0)  # a page narrower than the creep shows nothing, not its mirror
    clip = (x0 - b, y0 - b, x1 - shift, y1 + b) if left else (x0 + shift, y0 - b, x1 + b, y1 + b)
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
    border = SHEET_MARKS.border
    reach = min(SHEET_MARKS.length, border)  # from the media edge inwards, as ReportLab draws them
    right, top, spine = 2 * width + 2 * border, height + 2 * border, border + width
    crop = [line for x in (border, border + 2 * width)
            for line in ((x, 0, x, reach), (x, top - reach, x, top))]
    crop += [line for y in (border, border + height)
             for line in ((0, y, reach, y), (right - reach, y, right, y))]
    fold = [(spine, 0, spine, reach), (spine, top - reach, spine, top)]
    # Registration colour as CMYK, so the marks print on every plate and never convert via RGB.
    colour = " ".join(_num(c) for c in SHEET_MARKS.registration)
    return (f"q {colour} K {_num(SHEET_MARKS.width)} w [] 0 d\n{_path(crop)}"
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


def _mm(points: float, digits: int = 1) -> str:
    return f"{to_mm(points):.{digits}f}".rstrip("0").rstrip(".")


def _mm_size(page: _Page) -> str:
    return " × ".join(_mm(v) for v in page.size)
