"""kennisdag_pdf.impose: print PDF → saddle-stitched booklet sheets, checked as a printer would.

The inputs are made here with ReportLab's own crop marks, so the tests need no brochure build.
Even pages have a cyan background and odd pages a yellow one: the colours show where each page
was cut at the spine and whether its bleed survived.
"""

from __future__ import annotations

import io
import math
import random
import re
import types
from collections.abc import Callable

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.colors import CMYKColor
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kennisdag_pdf.errors import EXIT_BAD_INPUT, BadInput
from kennisdag_pdf.impose import (SHEET_MARKS, Booklet, Creep, creep_from_options, impose,
                                  press_sheet)
from kennisdag_pdf.pdfx import pdfx_problems, read_facts
from kennisdag_pdf.preflight import preflight
from kennisdag_pdf.theme import MARKS

from conftest import finish_to
from inprocess import run_in_process

# The source's border and marks are the print profile's; the sheet's are the booklet's own.
SOURCE_BORDER, SOURCE_MARK, B = MARKS.border, MARKS.length, MARKS.bleed
M, L = SHEET_MARKS.border, SHEET_MARKS.length
EVEN_TINT = CMYKColor(0.35, 0, 0, 0)  # left-hand pages
ODD_TINT = CMYKColor(0, 0, 0.35, 0)  # right-hand pages
DPI = 72  # one pixel a point keeps the pixel arithmetic plain


def print_pdf(pages: int, size: tuple[float, float] = A5, *,
              sizes: dict[int, tuple[float, float]] | None = None, extras: bool = False) -> bytes:
    """An n-page PDF laid out like our print profile: crop marks in a border, Trim/BleedBox."""
    buffer = io.BytesIO()
    marks = types.SimpleNamespace(borderWidth=SOURCE_BORDER, markLength=SOURCE_MARK,
                                  markWidth=MARKS.width, markColor=CMYKColor(1, 1, 1, 1),
                                  markLast=1, bleedWidth=0)
    canvas = Canvas(buffer, pagesize=size, cropMarks=marks, enforceColorSpace="cmyk",
                    invariant=1)
    canvas.setTitle("Kennisdag")
    for number in range(1, pages + 1):
        width, height = (sizes or {}).get(number, size)
        canvas.setPageSize((width, height))
        canvas.setTrimBox((SOURCE_BORDER, SOURCE_BORDER, SOURCE_BORDER + width,
                           SOURCE_BORDER + height))
        canvas.setBleedBox((SOURCE_BORDER - B, SOURCE_BORDER - B, SOURCE_BORDER + width + B,
                            SOURCE_BORDER + height + B))
        canvas.setFillColor(EVEN_TINT if number % 2 == 0 else ODD_TINT)
        canvas.rect(-B, -B, width + 2 * B, height + 2 * B, stroke=0, fill=1)
        canvas.setFillColor(CMYKColor(0, 0, 0, 1))
        canvas.setFont("Helvetica", 60)
        canvas.drawCentredString(width / 2, height / 2, f"P{number}")
        canvas.setFont("Helvetica", 10)
        canvas.drawCentredString(width / 2, 30, f"page {number}")
        if extras:
            canvas.bookmarkPage(f"p{number}")
            canvas.addOutlineEntry(f"Page {number}", f"p{number}")
            canvas.linkURL("https://example.org", (20, 20, 120, 40))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def edited(data: bytes, edit: Callable[[pikepdf.Pdf], None], **save) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out, **save)
    return out.getvalue()


def halves(pdf: bytes) -> list[tuple[str, str]]:
    """The text on the left and on the right of the spine, for every sheet side."""
    document = pdfium.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            width, height = page.get_size()
            text = page.get_textpage()
            out.append((text.get_text_bounded(0, 0, width / 2, height),
                        text.get_text_bounded(width / 2, 0, width, height)))
            text.close()
            page.close()
        return out
    finally:
        document.close()


def render(pdf: bytes, index: int = 0, dpi: float = DPI) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[index]
        image = page.render(scale=dpi / 72).to_pil().convert("RGB")
        page.close()
        return image
    finally:
        document.close()


def box(obj: pikepdf.Object) -> tuple[float, ...]:
    return tuple(float(v) for v in obj)


def expected_order(pages: int) -> list[tuple[int, int]]:
    # Written out independently of the module: fold the stack, number the pages, unfold.
    sides = []
    for sheet in range(pages // 4):
        sides.append((pages - 2 * sheet, 1 + 2 * sheet))
        sides.append((2 + 2 * sheet, pages - 1 - 2 * sheet))
    return sides


# --- order ---------------------------------------------------------------------------------------

def test_eight_pages_in_printers_order():
    assert expected_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]


@pytest.mark.parametrize("pages, size", [(4, A5), (8, A5), (16, A5), (8, A4), (4, A4)])
def test_sheet_sides_carry_the_pages_in_printers_order(pages, size):
    booklet = impose(print_pdf(pages, size), "brochure.pdf")
    assert isinstance(booklet, Booklet)
    assert (booklet.pages, booklet.sheets) == (pages, pages // 4)
    found = []
    for left_text, right_text in halves(booklet.pdf):
        numbers = []
        for text in (left_text, right_text):
            labels = re.findall(r"\bP(\d+)\b", text)
            folios = re.findall(r"\bpage (\d+)\b", text)
            assert len(labels) == 1 and folios == labels, text
            numbers.append(int(labels[0]))
        found.append(tuple(numbers))
    assert found == expected_order(pages)
    # Left of the spine only even pages, and every page exactly once.
    assert all(left % 2 == 0 and right % 2 == 1 for left, right in found)
    assert sorted(n for side in found for n in side) == list(range(1, pages + 1))


# --- geometry ------------------------------------------------------------------------------------

@pytest.mark.parametrize("size, sheet_mm", [(A5, (296, 210)), (A4, (420, 297))])
def test_sheet_boxes(size, sheet_mm):
    width, height = size
    booklet = impose(print_pdf(8, size), "brochure.pdf")
    with pikepdf.open(io.BytesIO(booklet.pdf)) as pdf:
        assert len(pdf.pages) == 4
        for page in pdf.pages:
            trim = box(page.obj.TrimBox)
            assert trim == pytest.approx((M, M, M + 2 * width, M + height), abs=0.01)
            assert box(page.obj.BleedBox) == pytest.approx(
                (M - B, M - B, M + 2 * width + B, M + height + B), abs=0.01)
            assert box(page.obj.MediaBox) == pytest.approx(
                (0, 0, 2 * width + 2 * M, height + 2 * M), abs=0.01)
            if "/CropBox" in page.obj:
                assert box(page.obj.CropBox) == box(page.obj.MediaBox)
            trim_mm = ((trim[2] - trim[0]) / mm, (trim[3] - trim[1]) / mm)
            assert trim_mm == pytest.approx(sheet_mm, abs=1)


def placements(page: pikepdf.Page) -> dict[str, tuple[float, float]]:
    """Where each form is drawn: its name → the translation in front of its Do."""
    where, shift = {}, (0.0, 0.0)
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            assert (a, b, c, d) == (1, 0, 0, 1)
            shift = (e, f)
        elif str(operator) == "Do":
            where[str(operands[0])] = shift
    return where


def test_each_form_is_cut_at_the_spine_and_keeps_its_outer_bleed():
    width, height = A5
    booklet = impose(print_pdf(8), "brochure.pdf")
    with pikepdf.open(io.BytesIO(booklet.pdf)) as pdf:
        for page in pdf.pages:
            forms = page.obj.Resources.XObject
            shifts = placements(page)
            assert len(shifts) == 2
            clips = {}
            for name, (dx, dy) in shifts.items():
                form = forms[name]
                assert form.Subtype == "/Form"
                x0, y0, x1, y1 = box(form.BBox)
                clips[name] = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
            left, right = sorted(clips.values())
            spine = M + width
            assert left == pytest.approx((M - B, M - B, spine, M + height + B), abs=0.01)
            assert right == pytest.approx((spine, M - B, M + 2 * width + B, M + height + B),
                                          abs=0.01)


def test_forms_reuse_the_source_content_instead_of_re_rendering():
    source = print_pdf(4)
    booklet = impose(source, "brochure.pdf")
    with pikepdf.open(io.BytesIO(source)) as src, pikepdf.open(io.BytesIO(booklet.pdf)) as out:
        originals = {page.obj.Contents.read_bytes() for page in src.pages}
        forms = {form.read_bytes() for page in out.pages
                 for form in page.obj.Resources.XObject.values()}
        assert forms == originals
        assert all("/Font" in form.Resources for page in out.pages
                   for form in page.obj.Resources.XObject.values())


def mark_segments(width: float, height: float) -> list[tuple[float, float, float, float]]:
    """Crop marks at the four trim corners and fold marks at the spine, as the sheet needs."""
    right, top = 2 * width + 2 * M, height + 2 * M
    segments = []
    for x in (M, M + width, M + 2 * width):
        segments += [(x, 0, x, L), (x, top - L, x, top)]
    for y in (M, M + height):
        segments += [(0, y, L, y), (right - L, y, right, y)]
    return segments


def test_only_the_new_marks_are_drawn_outside_the_bleed():
    width, height = A5
    assert L < M - B  # the marks end before the bleed starts, so trimming leaves no trace
    image = render(impose(print_pdf(8), "brochure.pdf").pdf)
    top = height + 2 * M

    def px(x: float, y: float) -> tuple[int, int]:
        # The pixel the point falls in: a hairline lies within one pixel column or row.
        return math.floor(x * DPI / 72), math.floor((top - y) * DPI / 72)

    for x0, y0, x1, y1 in mark_segments(width, height):
        # A point on the solid part of every mark (and of the first dash of a fold mark).
        assert max(image.getpixel(px(x0 + (x1 - x0) * 0.1, y0 + (y1 - y0) * 0.1))) < 200
    painted = image.copy()
    draw = ImageDraw.Draw(painted)
    left, upper = px(M - B, M + height + B)
    right, lower = px(M + 2 * width + B, M - B)
    draw.rectangle((left - 1, upper - 1, right + 1, lower + 1), fill="white")
    for x0, y0, x1, y1 in mark_segments(width, height):
        draw.line((*px(x0, y0), *px(x1, y1)), fill="white", width=3)
    # With the bleed area and the marks painted out, nothing may be left: no source marks.
    assert painted.getextrema() == ((255, 255),) * 3


def test_bleed_and_spine_show_the_right_page_on_each_side():
    width, height = A5
    image = render(impose(print_pdf(8), "brochure.pdf").pdf)
    top = height + 2 * M

    def colour(x: float, y: float) -> tuple[int, int, int]:
        return image.getpixel((round(x), round(top - y)))

    even, odd = colour(M + 10 * mm, M + 10 * mm), colour(M + 2 * width - 10 * mm, M + 10 * mm)
    assert even != odd and (255, 255, 255) not in (even, odd)

    def near(actual, expected):
        return all(abs(a - e) <= 6 for a, e in zip(actual, expected))

    spine = M + width
    # Right up to the spine on both sides: no white gap, no neighbour's bleed. The band is a
    # border wide on each side, where an unclipped page would leave its own crop marks; the
    # trim lines (y = M, M + height) are where its horizontal marks would lie.
    rows = [*range(round(M - B + 1), round(M + height + B - 1), 5), round(M), round(M + height)]
    for x in range(round(spine - SOURCE_BORDER - 2), round(spine + SOURCE_BORDER + 3)):
        if abs(x - spine) < 1.5:
            continue  # the pixel column the spine runs through is a blend of both
        for y in rows:
            assert near(colour(x, y), even if x < spine else odd), (x, y)
    # The bleed runs round the three outer edges of each page.
    mid = B / 2
    for x in range(round(M - mid), round(spine - 2), 7):
        assert near(colour(x, M - mid), even) and near(colour(x, M + height + mid), even), x
    for x in range(round(spine + 2), round(M + 2 * width + mid), 7):
        assert near(colour(x, M - mid), odd) and near(colour(x, M + height + mid), odd), x
    for y in range(round(M - mid), round(M + height + mid), 7):
        assert near(colour(M - mid, y), even) and near(colour(M + 2 * width + mid, y), odd), y


# --- colour --------------------------------------------------------------------------------------

def test_sheet_content_is_cmyk_only():
    booklet = impose(print_pdf(8), "brochure.pdf")
    colour_operators = {"RG", "rg", "G", "g", "K", "k", "CS", "cs", "SC", "sc", "SCN", "scn"}
    with pikepdf.open(io.BytesIO(booklet.pdf)) as pdf:
        for page in pdf.pages:
            instructions = pikepdf.parse_content_stream(page)
            operators = [str(op) for _, op in instructions]
            assert set(operators) & colour_operators == {"K"}
            for operands, operator in instructions:
                if str(operator) == "K":
                    assert tuple(float(v) for v in operands) == MARKS.registration
                elif str(operator) == "w":
                    assert float(operands[0]) == MARKS.width
            dashes = [list(operands[0]) for operands, op in instructions if str(op) == "d"]
            assert [] in dashes and any(dashes)  # solid crop marks, dashed fold marks
            assert operators.index("K") < operators.index("S")


# --- refusals ------------------------------------------------------------------------------------

def refusal(data: bytes) -> str:
    with pytest.raises(BadInput) as caught:
        impose(data, "brochure.pdf")
    assert caught.value.exit_code == EXIT_BAD_INPUT
    (line,) = caught.value.lines()
    return line


def drop(key: str, number: int) -> Callable[[pikepdf.Pdf], None]:
    def edit(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[number - 1].obj[key]
    return edit


def zero_pages() -> bytes:
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.save(out)
    return out.getvalue()


def uneven_bleed(pdf: pikepdf.Pdf) -> None:
    x0, y0, x1, y1 = box(pdf.pages[1].obj.BleedBox)
    pdf.pages[1].obj.BleedBox = pikepdf.Array([x0, y0, x1 + 2 * mm, y1])


def grow_bleed(by: float, *numbers: int) -> Callable[[pikepdf.Pdf], None]:
    def edit(pdf: pikepdf.Pdf) -> None:
        for number in numbers:
            page = pdf.pages[number - 1].obj
            x0, y0, x1, y1 = box(page.BleedBox)
            page.BleedBox = pikepdf.Array([x0 - by, y0 - by, x1 + by, y1 + by])
    return edit


def rotate_page_2(pdf: pikepdf.Pdf) -> None:
    pdf.pages[1].obj.Rotate = 90


@pytest.mark.parametrize("make, expected", [
    (lambda: print_pdf(6), "brochure.pdf: has 6 pages; a saddle-stitched booklet needs a "
     "multiple of 4 (build it with --profile print, which pads with blank pages)"),
    (lambda: print_pdf(15), "brochure.pdf: has 15 pages; a saddle-stitched booklet needs a "
     "multiple of 4 (build it with --profile print, which pads with blank pages)"),
    (zero_pages, "brochure.pdf: has no pages"),
    (lambda: random.Random(7).randbytes(4000), "brochure.pdf: is not a readable PDF"),
    (lambda: b"title: Kennisdag\n", "brochure.pdf: is not a readable PDF"),
    (lambda: print_pdf(4)[:300], "brochure.pdf: is not a readable PDF"),
    (lambda: edited(print_pdf(4), lambda pdf: None,
                    encryption=pikepdf.Encryption(owner="o", user="secret")),
     "brochure.pdf: is encrypted; it needs an unprotected PDF"),
    (lambda: edited(print_pdf(4), lambda pdf: None,
                    encryption=pikepdf.Encryption(owner="o", user="")),
     "brochure.pdf: is encrypted; it needs an unprotected PDF"),
    (lambda: edited(print_pdf(8), drop("/TrimBox", 3)),
     "brochure.pdf: page 3 has no TrimBox; impose takes the print PDF (--profile print)"),
    (lambda: edited(print_pdf(8), drop("/BleedBox", 5)),
     "brochure.pdf: page 5 has no BleedBox; impose takes the print PDF (--profile print)"),
    (lambda: print_pdf(8, sizes={6: A4}),
     "brochure.pdf: page 6 is 210 × 297 mm but page 1 is 148 × 210 mm; a booklet needs one "
     "page size"),
    (lambda: edited(print_pdf(4), uneven_bleed),
     "brochure.pdf: page 2 has a different bleed on each side (3, 3, 5, 3 mm)"),
    (lambda: edited(print_pdf(4), grow_bleed(0.8 * mm, 3)),
     "brochure.pdf: page 3 has 3.8 mm bleed but page 1 has 3 mm; a booklet needs one bleed"),
    (lambda: edited(print_pdf(4), grow_bleed(5 * mm, 1, 2, 3, 4)),
     "brochure.pdf: page 1 has 8 mm bleed; the sheet has room for 4 mm outside its marks"),
    (lambda: edited(print_pdf(4), rotate_page_2),
     "brochure.pdf: page 2 is rotated; impose takes the print PDF (--profile print)"),
])
def test_bad_input_is_refused_in_one_line(make, expected):
    assert refusal(make()) == expected


def test_a_trim_size_within_half_a_point_is_the_same_size():
    width, height = A5
    booklet = impose(print_pdf(4, sizes={3: (width + 0.4, height - 0.4)}), "brochure.pdf")
    assert booklet.sheets == 1


# --- tolerated input -----------------------------------------------------------------------------

def shifted_integer_boxes(pdf: pikepdf.Pdf) -> None:
    """Moves the media origin to (-100, 50), writes the boxes as integers with their corners
    swapped, and splits every page's content in two streams."""
    dx, dy = -100, 50
    for page in pdf.pages:
        x0, y0, x1, y1 = (round(v) for v in box(page.obj.TrimBox))
        for key, grow in (("/MediaBox", round(SOURCE_BORDER)), ("/TrimBox", 0), ("/BleedBox", 9)):
            page.obj[key] = pikepdf.Array([x1 + grow + dx, y1 + grow + dy,
                                           x0 - grow + dx, y0 - grow + dy])
        shift = pdf.make_stream(f"1 0 0 1 {dx} {dy} cm".encode())
        page.obj.Contents = pikepdf.Array([shift, page.obj.Contents])


def test_odd_boxes_and_split_content_are_tolerated():
    booklet = impose(edited(print_pdf(8), shifted_integer_boxes), "brochure.pdf")
    found = [tuple(int(re.search(r"P(\d+)", t).group(1)) for t in side)
             for side in halves(booklet.pdf)]
    assert found == expected_order(8)
    s = SOURCE_BORDER
    width, height = round(s + A5[0]) - round(s), round(s + A5[1]) - round(s)
    with pikepdf.open(io.BytesIO(booklet.pdf)) as pdf:
        assert box(pdf.pages[0].obj.TrimBox) == pytest.approx(
            (M, M, M + 2 * width, M + height), abs=0.01)
        assert box(pdf.pages[0].obj.BleedBox) == pytest.approx(
            (M - 9, M - 9, M + 2 * width + 9, M + height + 9), abs=0.01)


def drop_title(pdf: pikepdf.Pdf) -> None:
    del pdf.docinfo["/Title"]


def test_title_is_kept_but_outline_and_links_are_not():
    booklet = impose(print_pdf(4, extras=True), "brochure.pdf")
    with pikepdf.open(io.BytesIO(booklet.pdf)) as pdf:
        assert str(pdf.docinfo.Title) == "Kennisdag"
        assert "/Outlines" not in pdf.Root
        assert all("/Annots" not in page.obj for page in pdf.pages)
    untitled = impose(edited(print_pdf(4), drop_title), "brochure.pdf")
    with pikepdf.open(io.BytesIO(untitled.pdf)) as pdf:
        assert "/Title" not in pdf.docinfo


# --- reproducibility -----------------------------------------------------------------------------

def test_same_input_gives_identical_bytes():
    source = print_pdf(8)
    assert impose(source, "brochure.pdf").pdf == impose(source, "other.pdf").pdf
    assert impose(source, "brochure.pdf").pdf != impose(print_pdf(4), "brochure.pdf").pdf


# --- the press sheet -----------------------------------------------------------------------------

@pytest.mark.parametrize("size, sheet_mm, press", [
    (A5, (310, 224), "SRA4 (320 × 225 mm)"), (A4, (434, 311), "SRA3 (450 × 320 mm)")])
def test_the_booklet_names_the_smallest_press_sheet_that_holds_it(size, sheet_mm, press):
    booklet = impose(print_pdf(4, size), "brochure.pdf")
    assert tuple(v / mm for v in booklet.size) == pytest.approx(sheet_mm, abs=0.01)
    assert str(booklet.press) == press
    assert booklet.sheet_text == (f"sheet {sheet_mm[0]} × {sheet_mm[1]} mm with marks, "
                                  f"fits {press}")


@pytest.mark.parametrize("width_mm, height_mm, name", [
    (297, 210, "A4"), (210, 297, "A4"), (300, 212, "RA4"), (320, 225, "SRA4"),
    (320, 226, "A3"), (420, 297, "A3"), (430, 300, "RA3"), (450, 320, "SRA3"),
    (1280, 900, "SRA0")])
def test_press_sheets_in_iso_216_and_217_sizes(width_mm, height_mm, name):
    found = press_sheet(width_mm * mm, height_mm * mm)
    assert found.name == name
    # Named as the sheet lies: a landscape sheet on a landscape press sheet.
    assert (found.size_mm[0] >= found.size_mm[1]) == (width_mm >= height_mm)


def test_a_sheet_larger_than_sra0_fits_no_press_sheet():
    assert press_sheet(1281 * mm, 900 * mm) is None
    assert press_sheet(901 * mm, 901 * mm) is None


# --- creep ---------------------------------------------------------------------------------------

def sheet_shifts(pages: int, centre: float) -> list[float]:
    """Written out independently: the outer sheet 0, the centre sheet all of it, linear."""
    sheets = pages // 4
    return [centre * k / (sheets - 1) for k in range(sheets)]


def form_places(booklet: Booklet) -> dict[int, tuple[float, float, float, float]]:
    """Each page's form as drawn on its sheet: page number → its BBox moved by its cm."""
    out = {}
    with pikepdf.open(io.BytesIO(booklet.pdf)) as pdf:
        for page in pdf.pages:
            forms = page.obj.Resources.XObject
            for name, (dx, dy) in placements(page).items():
                x0, y0, x1, y1 = box(forms[name].BBox)
                out[int(name[2:])] = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
    return out


def translations(booklet: Booklet) -> dict[int, float]:
    """Each page's horizontal translation (the e of its cm)."""
    with pikepdf.open(io.BytesIO(booklet.pdf)) as pdf:
        return {int(name[2:]): dx for page in pdf.pages
                for name, (dx, _) in placements(page).items()}


@pytest.mark.parametrize("pages, centre_mm", [(16, 0.6), (20, 0.4), (8, 5), (4, 2)])
def test_creep_moves_each_inner_sheet_towards_the_spine_in_proportion(pages, centre_mm):
    width, height = A5
    source = print_pdf(pages)
    plain = impose(source, "brochure.pdf")
    creeping = impose(source, "brochure.pdf", creep=Creep(centre=centre_mm * mm))
    expected = sheet_shifts(pages, centre_mm * mm) if pages > 4 else [0.0]
    assert creeping.shifts == pytest.approx(expected, abs=1e-9)
    assert creeping.creep == pytest.approx(expected[-1], abs=1e-9)
    before, after = translations(plain), translations(creeping)
    places = form_places(creeping)
    spine = M + width
    for sheet, (front, back) in enumerate(zip(expected_order(pages)[::2],
                                              expected_order(pages)[1::2])):
        shift = expected[sheet]
        for left, right in (front, back):
            # The cm moves the content: a left page right, a right page left, the outer not.
            assert after[left] - before[left] == pytest.approx(shift, abs=1e-3)
            assert after[right] - before[right] == pytest.approx(-shift, abs=1e-3)
            # Still cut at the spine; the outer bleed moves with the page; top and bottom not.
            assert places[left] == pytest.approx(
                (M - B + shift, M - B, spine, M + height + B), abs=0.01)
            assert places[right] == pytest.approx(
                (spine, M - B, M + 2 * width + B - shift, M + height + B), abs=0.01)


def test_creep_leaves_boxes_and_marks_where_they_are():
    source = print_pdf(16)
    plain = impose(source, "brochure.pdf")
    creeping = impose(source, "brochure.pdf", creep=Creep(centre=2 * mm))

    def sheet_facts(data: bytes):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return [(box(page.obj.MediaBox), box(page.obj.TrimBox), box(page.obj.BleedBox),
                     pikepdf.unparse_content_stream(
                         [(operands, op) for operands, op in pikepdf.parse_content_stream(page)
                          if str(op) in ("m", "l", "w", "d", "K", "S")]))
                    for page in pdf.pages]

    assert sheet_facts(creeping.pdf) == sheet_facts(plain.pdf)
    assert (creeping.size, creeping.press) == (plain.size, plain.press)


def test_with_creep_the_pages_stay_in_printers_order():
    booklet = impose(print_pdf(16), "brochure.pdf", creep=Creep(centre=3 * mm))
    found = [tuple(int(re.search(r"\bP(\d+)\b", t).group(1)) for t in side)
             for side in halves(booklet.pdf)]
    assert found == expected_order(16)


def test_the_centre_sheet_with_creep_as_printed():
    """Rendered: the centre sheet's pages reach the spine from both sides, each keeps its
    bleed beyond the cut the creep moves inwards, and its text has moved by the creep."""
    width, height = A5
    creep = 3 * mm
    image = render(impose(print_pdf(8), "brochure.pdf", creep=Creep(centre=creep)).pdf, 2)
    plain = render(impose(print_pdf(8), "brochure.pdf").pdf, 2)
    top = height + 2 * M

    def colour(picture, x: float, y: float) -> tuple[int, int, int]:
        return picture.getpixel((math.floor(x), math.floor(top - y)))

    def near(actual, expected):
        return all(abs(a - e) <= 6 for a, e in zip(actual, expected))

    spine = M + width
    middle = M + height / 2 - 40  # below the big label, above the folio
    even, odd = colour(image, spine - 20, middle), colour(image, spine + 20, middle)
    assert even != odd and (255, 255, 255) not in (even, odd)
    for x in (spine - 3, spine - 1.5):
        assert near(colour(image, x, middle), even), x
    for x in (spine + 1.5, spine + 3):
        assert near(colour(image, x, middle), odd), x
    # At the fore-edges the coloured page starts a creep further in: white before it.
    for x, tint in ((M - B + creep + 1.5, even), (M + 2 * width + B - creep - 1.5, odd)):
        assert near(colour(image, x, middle), tint), x
    for x in (M - B + creep - 1.5, M + 2 * width + B - creep + 1.5):
        assert colour(image, x, middle) == (255, 255, 255), x
    # The label of each page has moved by the creep: compare the first dark column.
    def first_dark(picture, x0, x1):
        y = round(top - (M + height / 2) - 10)
        return next(x for x in range(x0, x1) if max(picture.getpixel((x, y))) < 100)
    for x0, x1, sign in ((round(M), round(spine), 1), (round(spine), round(M + 2 * width), -1)):
        moved = first_dark(image, x0, x1) - first_dark(plain, x0, x1)
        assert abs(moved - sign * creep) <= 1.0, (moved, creep)


@pytest.mark.parametrize("thickness, centre_mm", [("100µm", 0.4), ("0.1mm", 0.4),
                                                   ("100 um", 0.4), ("0,08 mm", 0.32)])
def test_paper_thickness_gives_the_creep(thickness, centre_mm):
    creep = creep_from_options(None, thickness)
    booklet = impose(print_pdf(20), "brochure.pdf", creep=creep)  # 5 sheets
    assert booklet.creep / mm == pytest.approx(centre_mm, abs=1e-6)
    assert [s / mm for s in booklet.shifts] == pytest.approx(
        [centre_mm * k / 4 for k in range(5)], abs=1e-6)
    same = impose(print_pdf(20), "brochure.pdf", creep=creep_from_options(f"{centre_mm}", None))
    assert same.pdf == booklet.pdf
    assert booklet.sheet_text.endswith(f", creep {centre_mm:g} mm at the centre")


@pytest.mark.parametrize("creep, thickness, expected", [
    ("-0.2", None, "--creep: '-0.2' is below 0"),
    ("6", None, "--creep: '6' is more than the 5 mm a saddle-stitched booklet can take"),
    ("5.01mm", None, "--creep: '5.01mm' is more than the 5 mm a saddle-stitched booklet can "
                     "take"),
    ("1e9", None, "--creep: '1e9' is not a length such as 0.4 or 0.4mm"),
    ("nan", None, "--creep: 'nan' is not a length such as 0.4 or 0.4mm"),
    ("0.4 cm", None, "--creep: '0.4 cm' is not a length such as 0.4 or 0.4mm"),
    ("1\n2", None, "--creep: '1\\n2' is not a length such as 0.4 or 0.4mm"),
    (None, "0.1", "--paper-thickness: '0.1' needs its unit: 0.1mm or 100µm"),
    (None, "-100µm", "--paper-thickness: '-100µm' is below 0"),
    (None, "0.6mm", "--paper-thickness: '0.6mm' is thicker than the 0.5 mm of the heaviest "
                    "board that folds"),
    ("0.4", "0.1mm", "--creep: give either --creep or --paper-thickness, not both"),
])
def test_bad_creep_is_refused_in_one_line(creep, thickness, expected):
    with pytest.raises(BadInput) as caught:
        creep_from_options(creep, thickness)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert caught.value.lines() == [expected]


def test_the_limits_themselves_are_allowed():
    assert creep_from_options("5", None) == Creep(centre=5 * mm)
    assert creep_from_options("0", None) == Creep()
    assert creep_from_options(None, "500µm") == Creep(paper=0.5 * mm)
    assert creep_from_options(None, None) == Creep()


def test_paper_too_thick_for_the_booklet_is_refused_naming_the_option():
    # 12 sheets of 0.5 mm: 5.5 mm at the centre; 11 sheets: exactly 5.
    with pytest.raises(BadInput) as caught:
        impose(print_pdf(48), "brochure.pdf", creep=creep_from_options(None, "0.5mm"))
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert caught.value.lines() == [
        "--paper-thickness: 0.5 mm paper gives brochure.pdf (12 sheets) 5.5 mm of creep at the "
        "centre, over the 5 mm a saddle-stitched booklet can take"]
    assert impose(print_pdf(44), "brochure.pdf",
                  creep=creep_from_options(None, "0.5mm")).creep == pytest.approx(5 * mm)


# --- the real brochures, through the command line ------------------------------------------------

@pytest.fixture(scope="module")
def print_2011_a4(tmp_path_factory):
    return finish_to(tmp_path_factory.mktemp("print-a4"), "kennisdag-2011.yaml", "print", "a4")


@pytest.mark.parametrize("which, press", [("a5", "SRA4 (320 × 225 mm)"),
                                          ("a4", "SRA3 (450 × 320 mm)")])
def test_impose_says_the_press_sheet_and_the_creep(which, press, print_2011, print_2011_a4,
                                                   tmp_path):
    source = print_2011 if which == "a5" else print_2011_a4
    target = tmp_path / "booklet.pdf"
    done = run_in_process(["impose", source.path, "-o", target, "--paper-thickness", "0.1mm"])
    assert done.returncode == 0, done.stderr
    sheets = source.result.pages // 4
    sheet = "310 × 224" if which == "a5" else "434 × 311"
    creep = f"{0.1 * (sheets - 1):g}"
    assert done.stdout.startswith(
        f"{target}: {source.result.pages} pages on {sheets} sheets ({2 * sheets} sheet sides), "
        f"sheet {sheet} mm with marks, fits {press}, creep {creep} mm at the centre, ")
    # Still PDF/X-4, by our checker of its requirements and by check's print rules.
    data = target.read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdfx_problems(read_facts(pdf)) == []
    report = preflight(data, profile="print", name="booklet.pdf")
    assert report.passed, report.lines()
    found = [tuple(int(n) if n else None for n in pair) for pair in booklet_folios(data)]
    assert [pair for pair in found if None not in pair] != []
    for got, want in zip(found, expected_order(source.result.pages)):
        assert all(g in (w, None) for g, w in zip(got, want)), (found, want)


def booklet_folios(data: bytes) -> list[tuple[str | None, str | None]]:
    """The folio ("pagina N van M") left and right of the spine on each sheet side."""
    out = []
    for left, right in halves(data):
        out.append(tuple((re.search(r"pagina (\d+) van", text) or [None, None])[1]
                         for text in (left, right)))
    return out


@pytest.mark.parametrize("args, expected", [
    (["--creep", "-1"], "--creep: '-1' is below 0"),
    (["--creep", "9"], "--creep: '9' is more than the 5 mm a saddle-stitched booklet can take"),
    (["--creep", "0.3", "--paper-thickness", "0.1mm"],
     "--creep: give either --creep or --paper-thickness, not both"),
    (["--paper-thickness", "2mm"],
     "--paper-thickness: '2mm' is thicker than the 0.5 mm of the heaviest board that folds"),
])
def test_impose_refuses_bad_creep_in_one_line_with_exit_2(args, expected, tmp_path):
    source = tmp_path / "brochure.pdf"
    source.write_bytes(print_pdf(8))
    done = run_in_process(["impose", source, "-o", tmp_path / "out.pdf", *args])
    assert (done.returncode, done.stderr, done.stdout) == (EXIT_BAD_INPUT, expected + "\n", "")
    assert not (tmp_path / "out.pdf").exists()
