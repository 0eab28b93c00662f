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


def test_the_screen_budget_is_enforced_naming_the_largest_images(tmp_path):
    from kennisdag_pdf.errors import BadInput
    from kennisdag_pdf.finish import finish
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.profiles import PROFILES
    from kennisdag_pdf.render import render

    from conftest import DATA

    loaded = load(DATA / "kennisdag-2011.yaml")
    rendered = render(loaded, PROFILES["screen"])
    assert finish(rendered, loaded, name="b.pdf").pdf  # within the default 2 MB
    with pytest.raises(BadInput) as caught:
        finish(rendered, loaded, name="b.pdf", size_budget=60 * 1024)
    message = str(caught.value)
    assert "is over the screen budget of 60 kB" in message
    assert message.index("assets/kennisdag-2011-cover.jpg") < message.index("placeholder.png")


def test_a_print_file_that_fails_its_preflight_is_refused(monkeypatch):
    """The build judges its own output: an RGB file sold as print never gets written."""
    from kennisdag_pdf.errors import PreflightFailed
    from kennisdag_pdf.finish import finish
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.profiles import PROFILES
    from kennisdag_pdf.render import render

    from conftest import DATA

    loaded = load(DATA / "example-en.yaml")
    screen = render(loaded, PROFILES["screen"])
    mislabelled = type(screen)(screen.pdf, screen.pages, PROFILES["print"])
    with pytest.raises(PreflightFailed) as caught:
        finish(mislabelled, loaded, name="x-print.pdf")
    report = "\n".join(caught.value.lines())
    assert "TrimBox missing" in report and "RGB" in report
    assert caught.value.exit_code == 3


def test_print_files_pass_their_own_preflight(print_2011, print_en):
    from kennisdag_pdf.preflight import detect_profile, preflight

    for built in (print_2011, print_en):
        assert detect_profile(built.pdf) == "print"
        report = preflight(built.pdf, profile="print", name="x")
        assert report.passed, report.lines()
        assert report.colour_spaces == {"DeviceCMYK"}
        assert report.trim_size_mm == (148.0, 210.0)
    # the cover picture and both placeholders, at press resolution
    report = preflight(print_2011.pdf, profile="print", name="x")
    assert len(report.images) == 3 and min(i.dpi for i in report.images) >= 300


def test_the_imposed_2011_booklet_is_in_printers_order(print_2011):
    from kennisdag_pdf.impose import SHEET_MARKS, impose

    booklet = impose(print_2011.pdf, "print.pdf")
    n = print_2011.result.pages
    assert booklet.sheets == n // 4
    s, w, h = SHEET_MARKS.border, A5[0], A5[1]  # the sheet's own marks border
    document = pdfium.PdfDocument(booklet.pdf)
    try:
        seen = []
        for side in document:
            textpage = side.get_textpage()
            halves = [textpage.get_text_bounded(s, s, s + w, s + h),
                      textpage.get_text_bounded(s + w, s, s + 2 * w, s + h)]
            seen.append(tuple(_page_number(t, n) for t in halves))
            textpage.close()
            side.close()
    finally:
        document.close()
    expected = []
    for sheet in range(n // 4):
        expected += [(n - 2 * sheet, 1 + 2 * sheet), (2 + 2 * sheet, n - 1 - 2 * sheet)]
    # Cover, blanks and back cover carry no folio; every other half must be the expected page.
    for got, want in zip(seen, expected):
        for g, e in zip(got, want):
            assert g in (e, None), (seen, expected)
    assert sum(g is not None for pair in seen for g in pair) >= n - 1 - print_2011.result.padding - 1


def _page_number(text: str, total: int) -> int | None:
    import re

    found = re.search(rf"pagina (\d+) van {total}", text)
    return int(found.group(1)) if found else None


def test_no_camera_metadata_reaches_either_product(tmp_path):
    """A phone photo as cover picture: its EXIF, GPS position and comment stay behind."""
    import shutil

    from PIL import Image

    from conftest import DATA
    from kennisdag_pdf.finish import finish
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.profiles import PROFILES
    from kennisdag_pdf.render import render

    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMakerXYZ"
    exif[0x0112] = 6  # orientation: rotate 90° to display
    exif[0x8825] = {1: "N", 2: (50.0, 51.0, 52.0)}
    Image.new("RGB", (1300, 2600), (90, 130, 160)).save(
        folder / "assets" / "phone.jpg", exif=exif, comment=b"holiday secret")
    source = (folder / "kennisdag-2011.yaml").read_text(encoding="utf-8")
    (folder / "kennisdag-2011.yaml").write_text(source.replace(
        "cover_image: assets/kennisdag-2011-cover.jpg", "cover_image: assets/phone.jpg"),
        encoding="utf-8")
    loaded = load(folder / "kennisdag-2011.yaml")
    cover = loaded.images["assets/phone.jpg"]
    assert (cover.width, cover.height) == (2600, 1300)  # EXIF orientation applied
    for profile in ("screen", "print"):
        pdf = finish(render(loaded, PROFILES[profile]), loaded, name="x.pdf").pdf
        secrets = (b"PhoneMakerXYZ", b"holiday secret", b"Exif")
        assert not [s for s in secrets if s in pdf]
        with pikepdf.open(io.BytesIO(pdf)) as document:
            streams = [image.read_raw_bytes() for _, _, image in images(document)]
        assert len(streams) == 3
        assert not [s for s in secrets for data in streams if s in data]
