"""The print and screen products of one story: boxes, colour, padding, links and QR codes."""

from __future__ import annotations

import io

import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from reportlab.lib.pagesizes import A4, A5

from conftest import finish_to, page_texts
from kennisdag_pdf.theme import MARKS

RGB_OPERATORS = {"rg", "RG"}


def boxes(page: pikepdf.Page) -> dict[str, list[float]]:
    return {name: [float(v) for v in page.obj[name]]
            for name in ("/MediaBox", "/TrimBox", "/BleedBox") if name in page.obj}


def content_operators(pdf: pikepdf.Pdf):
    """Every operator of every page and form XObject, with its page number."""
    seen: set = set()

    def walk(owner, number):
        for operands, operator in pikepdf.parse_content_stream(owner):
            yield number, str(operator), operands
        resources = owner.get("/Resources", {})
        for _, xobject in resources.get("/XObject", {}).items():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from walk(xobject, number)

    for number, page in enumerate(pdf.pages, 1):
        yield from walk(page.obj, number)


def images(pdf: pikepdf.Pdf):
    for number, page in enumerate(pdf.pages, 1):
        for name, image in page.obj.get("/Resources", {}).get("/XObject", {}).items():
            if image.get("/Subtype") == "/Image":
                yield number, name, image


@pytest.mark.parametrize("size, trim", [("a5", A5), ("a4", A4)])
def test_print_pages_have_trim_and_bleed_boxes_inside_a_media_box_with_marks(tmp_path, size, trim):
    data = finish_to(tmp_path, "example-en.yaml", "print", size).pdf
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            b = boxes(page)
            s, bleed = MARKS.border, MARKS.bleed
            assert b["/TrimBox"] == pytest.approx([s, s, s + trim[0], s + trim[1]], abs=0.01)
            assert b["/BleedBox"] == pytest.approx(
                [s - bleed, s - bleed, s + trim[0] + bleed, s + trim[1] + bleed], abs=0.01)
            assert b["/MediaBox"] == pytest.approx([0, 0, trim[0] + 2 * s, trim[1] + 2 * s],
                                                   abs=0.01)


def test_screen_pages_are_the_trim_size_without_bleed(screen_en):
    with pikepdf.open(io.BytesIO(screen_en.pdf)) as pdf:
        for page in pdf.pages:
            b = boxes(page)
            assert b["/MediaBox"] == pytest.approx([0, 0, *A5], abs=0.01)
            assert "/BleedBox" not in b and "/TrimBox" not in b


def test_print_has_no_rgb_anywhere(print_2011, print_en):
    for built in (print_2011, print_en):
        with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
            operators = {op for _, op, _ in content_operators(pdf)}
            assert not operators & RGB_OPERATORS
            assert "k" in operators  # colours are set as CMYK
            for number, name, image in images(pdf):
                assert image.ColorSpace == "/DeviceCMYK", (number, name)


def test_print_text_is_pure_black(print_2011):
    """Body text is set in K only: no colour fringes from misregistration on small type."""
    with pikepdf.open(io.BytesIO(print_2011.pdf)) as pdf:
        page = pdf.pages[6]
        fills = [tuple(float(v) for v in operands)
                 for _, op, operands in content_operators_of(page) if op == "k"]
        assert (0, 0, 0, 1) in fills


def content_operators_of(page):
    for operands, operator in pikepdf.parse_content_stream(page.obj):
        yield 0, str(operator), operands


def test_screen_has_rgb_and_opens_with_bookmarks(screen_en):
    with pikepdf.open(io.BytesIO(screen_en.pdf)) as pdf:
        assert pdf.Root.PageMode == "/UseOutlines"
        for _, _, image in images(pdf):
            assert image.ColorSpace == "/DeviceRGB"
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", [])
                 if a.get("/A") and a.A.get("/URI")]
        assert {str(a.A.URI) for a in links} >= {"https://example.org/open-data-2024/photos",
                                                 "https://example.org/open-data-2024/study"}


def test_print_has_no_clickable_links(print_en):
    with pikepdf.open(io.BytesIO(print_en.pdf)) as pdf:
        assert all("/Annots" not in page.obj for page in pdf.pages)


@pytest.mark.parametrize("fixture", ["print_2011", "print_en"])
def test_print_pages_are_padded_to_a_multiple_of_four_before_the_back_cover(fixture, request):
    built = request.getfixturevalue(fixture)
    texts = page_texts(built.pdf)
    pages = len(texts)
    assert pages % 4 == 0 and pages == built.result.pages
    padding = built.result.padding
    assert 0 <= padding < 4
    content = pages - padding
    # The blanks are the pages right before the back cover, and they are really blank.
    for text in texts[content - 1:pages - 1]:
        assert text.strip() == ""
    assert texts[content - 2].strip(), "the last content page is not blank"
    colophon = "Colofon" if fixture == "print_2011" else "Colophon"
    assert colophon in texts[-1]


def test_screen_has_no_blank_padding(tmp_path):
    screen = finish_to(tmp_path, "kennisdag-2011.yaml", "screen")
    printed = finish_to(tmp_path, "kennisdag-2011.yaml", "print")
    assert screen.result.pages == printed.result.pages - printed.result.padding
    assert all(t.strip() for t in page_texts(screen.pdf))


def decode_qr_codes(pdf: bytes, scale: float = 300 / 72) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    document = pdfium.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, 1):
            image = page.render(scale=scale, grayscale=True).to_pil()
            codes = {r.text for r in zxingcpp.read_barcodes(image)
                     if r.format == zxingcpp.BarcodeFormat.QRCode}
            if codes:
                found[number] = codes
            page.close()
    finally:
        document.close()
    return found


def test_printed_urls_come_with_a_qr_code_that_scans_back(print_en):
    found = decode_qr_codes(print_en.pdf)
    every = set().union(*found.values())
    assert every == {"https://example.org/open-data-2024/photos",
                     "https://example.org/open-data-2024/study"}
    text = " ".join(page_texts(print_en.pdf))
    assert "example.org/open-data-2024/photos" in text
    assert "https://" not in text  # no scheme on paper


def test_without_a_url_the_photos_sentence_is_text_only(print_2011):
    assert decode_qr_codes(print_2011.pdf, scale=150 / 72) == {}


def test_screen_links_are_live_not_qr_codes(screen_en):
    assert decode_qr_codes(screen_en.pdf, scale=150 / 72) == {}
