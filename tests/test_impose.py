"""kennisdag_pdf.impose: print PDF → saddle-stitched booklet sheets, checked as a printer would.

The inputs are made here with ReportLab's own crop marks, so the tests need no brochure build.
Even pages have a cyan background and odd pages a yellow one: the colours show where each page
was cut at the spine and whether its bleed survived.
"""

from __future__ import annotations

import io
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
from kennisdag_pdf.impose import Booklet, impose
from kennisdag_pdf.theme import MARKS

M, B, L = MARKS.border, MARKS.bleed, MARKS.length
EVEN_TINT = CMYKColor(0.35, 0, 0, 0)  # left-hand pages
ODD_TINT = CMYKColor(0, 0, 0.35, 0)  # right-hand pages
DPI = 72  # one pixel a point keeps the pixel arithmetic plain


def print_pdf(pages: int, size: tuple[float, float] = A5, *,
              sizes: dict[int, tuple[float, float]] | None = None, extras: bool = False) -> bytes:
    """An n-page PDF laid out like our print profile: crop marks in a border, Trim/BleedBox."""
    buffer = io.BytesIO()
    marks = types.SimpleNamespace(borderWidth=M, markLength=L, markWidth=MARKS.width,
                                  markColor=CMYKColor(1, 1, 1, 1), markLast=1, bleedWidth=0)
    canvas = Canvas(buffer, pagesize=size, cropMarks=marks, enforceColorSpace="cmyk",
                    invariant=1)
    canvas.setTitle("Kennisdag")
    for number in range(1, pages + 1):
        width, height = (sizes or {}).get(number, size)
        canvas.setPageSize((width, height))
        canvas.setTrimBox((M, M, M + width, M + height))
        canvas.setBleedBox((M - B, M - B, M + width + B, M + height + B))
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
        return round(x * DPI / 72), round((top - y) * DPI / 72)

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
    for x in range(round(spine - M - 2), round(spine + M + 3)):
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
    (lambda: edited(print_pdf(4), grow_bleed(2 * mm, 3)),
     "brochure.pdf: page 3 has 5 mm bleed but page 1 has 3 mm; a booklet needs one bleed"),
    (lambda: edited(print_pdf(4), grow_bleed(5 * mm, 1, 2, 3, 4)),
     "brochure.pdf: page 1 has 8 mm bleed; the sheet has room for 6 mm outside its marks"),
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
        for key, grow in (("/MediaBox", round(M)), ("/TrimBox", 0), ("/BleedBox", 9)):
            page.obj[key] = pikepdf.Array([x1 + grow + dx, y1 + grow + dy,
                                           x0 - grow + dx, y0 - grow + dy])
        shift = pdf.make_stream(f"1 0 0 1 {dx} {dy} cm".encode())
        page.obj.Contents = pikepdf.Array([shift, page.obj.Contents])


def test_odd_boxes_and_split_content_are_tolerated():
    booklet = impose(edited(print_pdf(8), shifted_integer_boxes), "brochure.pdf")
    found = [tuple(int(re.search(r"P(\d+)", t).group(1)) for t in side)
             for side in halves(booklet.pdf)]
    assert found == expected_order(8)
    width, height = round(M + A5[0]) - round(M), round(M + A5[1]) - round(M)
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
