"""Preflight of finished PDFs: each check passes a good file and catches its own fault."""

from __future__ import annotations

import io
import types

import pytest
from PIL import Image
from reportlab.lib.colors import CMYKColor, HexColor
from reportlab.lib.pagesizes import A5
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from kennisdag_pdf import fonts
from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.preflight import detect_profile, preflight
from kennisdag_pdf.theme import MARKS

W, H = A5
S, B = MARKS.border, MARKS.bleed


def press_pdf(pages: int = 4, *, rgb_fill: bool = False, rgb_image: bool = False,
              image_dpi: float = 400, helvetica: bool = False, trim_box: bool = True,
              bleed: float = B, form: bool = False, pdfx: bool = True) -> bytes:
    """pdfx: made PDF/X-4 as a print build makes its file (the print rules ask for it)."""
    fonts.register()
    out = io.BytesIO()
    options = dict(
        cropMarks=types.SimpleNamespace(borderWidth=S, markLength=MARKS.length,
                                        markWidth=MARKS.width, markColor=CMYKColor(1, 1, 1, 1),
                                        markLast=1, bleedWidth=0),
        bleedBox=(S - bleed, S - bleed, S + W + bleed, S + H + bleed),
        initialFontName=fonts.SERIF.regular.name)
    if trim_box:
        options["trimBox"] = (S, S, S + W, S + H)
    if not (rgb_fill or rgb_image):
        options["enforceColorSpace"] = "cmyk"
    canvas = Canvas(out, pagesize=A5, invariant=1, **options)
    picture = Image.new("RGB" if rgb_image else "CMYK", (400, 200),
                        (200, 30, 30) if rgb_image else (0, 200, 200, 0))
    for number in range(1, pages + 1):
        canvas.setFillColor(HexColor("#336699") if rgb_fill else CMYKColor(0.1, 0, 0, 0))
        canvas.rect(-B, -B, W + 2 * B, H + 2 * B, stroke=0, fill=1)
        canvas.setFillColor(CMYKColor(0, 0, 0, 1))
        canvas.setFont("Helvetica" if helvetica else fonts.SANS.regular.name, 12)
        canvas.drawString(50, 50, f"page {number}")
        width = 400 / image_dpi * 72
        if form:
            if number == 1:  # one form, drawn on every page
                canvas.beginForm("picture")
                canvas.drawImage(ImageReader(picture), 0, 0, width, width / 2)
                canvas.endForm()
            canvas.doForm("picture")
        else:
            canvas.drawImage(ImageReader(picture), 60, 300, width, width / 2)
        canvas.showPage()
    canvas.save()
    if pdfx:
        from kennisdag_pdf.images import SHIPPED_CONDITION, SHIPPED_DESCRIPTION, \
            SHIPPED_INK_LIMIT, PrintCondition, resource_dir
        from kennisdag_pdf.pdfx import make_pdfx

        shipped = resource_dir("assets") / "profiles" / "FOGRA39L_coated_GCR.icc"
        return make_pdfx(out.getvalue(), PrintCondition(shipped, SHIPPED_CONDITION,
                                                        SHIPPED_DESCRIPTION, SHIPPED_INK_LIMIT))
    return out.getvalue()


def screen_pdf(picture_px: int = 300) -> bytes:
    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=1, initialFontName=fonts.SERIF.regular.name)
    canvas.setFont(fonts.SANS.regular.name, 12)
    canvas.drawString(50, 50, "page 1")
    noise = Image.effect_noise((picture_px, picture_px), 80).convert("RGB")
    canvas.drawImage(ImageReader(noise), 50, 100, 200, 200)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def topics(report, level: str = "fail") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in report.findings:
        if finding.level == level:
            out.setdefault(finding.topic, []).append(finding.message)
    return out


def test_a_good_print_file_passes():
    report = preflight(press_pdf(), profile="print", name="good.pdf")
    assert report.passed, report.lines()
    assert any(line.startswith("  pdf/x    PDF/X-4: output intent FOGRA39")
               for line in report.lines())
    plain = preflight(press_pdf(pdfx=False), profile="print", name="plain.pdf")
    assert set(topics(plain)) == {"pdf/x"}, plain.lines()
    assert report.pages == 4 and report.trim_size_mm == (148.0, 210.0)
    assert report.colour_spaces == {"DeviceCMYK"}
    assert [round(i.dpi) for i in report.images] == [400]
    assert report.lines()[-1] == "  PASS"
    assert any("(A5)" in line for line in report.lines())


@pytest.mark.parametrize("fault, topic, words", [
    # DeviceRGB once, as PDF/X-4 (pdfx.py) reports it; the colour line is for managed colour
    (dict(rgb_fill=True), "pdf/x", "page 1: fill colour (rg) in DeviceRGB"),
    (dict(rgb_image=True), "pdf/x", "in DeviceRGB: device colour must be DeviceCMYK"),
    (dict(image_dpi=100), "images", "under 150 dpi"),
    (dict(helvetica=True), "fonts", "Helvetica is not embedded"),
    (dict(trim_box=False), "boxes", "TrimBox missing on pages 1–4"),
    (dict(bleed=2 * B), "boxes", "bleed is not 3.0 mm"),
    (dict(pages=5), "pages", "5 pages: not a multiple of 4"),
])
def test_each_print_fault_fails_its_check(fault, topic, words):
    report = preflight(press_pdf(**fault), profile="print", name="bad.pdf")
    assert not report.passed
    failures = topics(report)
    assert topic in failures, report.lines()
    assert any(words in message for message in failures[topic]), failures[topic]
    assert report.lines()[-1].startswith("  FAIL (")


def test_coarse_images_warn_between_150_and_300_dpi():
    report = preflight(press_pdf(image_dpi=200), profile="print", name="x.pdf")
    assert report.passed
    assert "under 300 dpi" in topics(report, "warn")["images"][0]


def test_images_inside_forms_are_found_with_their_placed_size():
    report = preflight(press_pdf(form=True, image_dpi=120), profile="print", name="x.pdf")
    assert [round(i.dpi) for i in report.images] == [120]
    assert "images" in topics(report)


def test_a_screen_file_passes_screen_and_fails_print():
    data = screen_pdf()
    assert detect_profile(data) == "screen"
    assert detect_profile(press_pdf()) == "print"
    # (it is not tagged: only the screen rules of tagged PDF fail it)
    screen = preflight(data, profile="screen", name="s.pdf", size_budget=2 << 20)
    assert {f.topic for f in screen.failures} <= {"tags", "pdf/ua"}
    printed = preflight(data, profile="print", name="s.pdf")
    assert {"boxes", "pdf/x"} <= set(topics(printed))
    assert any("DeviceRGB" in line for line in topics(printed)["pdf/x"])


def test_the_size_budget_names_the_largest_image():
    data = screen_pdf(picture_px=600)
    report = preflight(data, profile="screen", name="s.pdf", size_budget=20 * 1024)
    message = topics(report)["size"][0]
    assert "is over the budget of 20 kB" in message and "/FormXob" in message


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.4\n%%EOF"])
def test_unreadable_files_are_bad_input(data):
    with pytest.raises(BadInput, match="x.pdf: is not a readable PDF"):
        preflight(data, profile="print", name="x.pdf")


@pytest.mark.parametrize("form", [False, True])
def test_without_reading_content_fonts_are_still_found_in_pages_and_forms(form):
    """A build's quick self-check (read_content=False) still catches an unembedded font,
    also when only a form uses it."""
    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=1, initialFontName=fonts.SERIF.regular.name)
    if form:
        canvas.beginForm("folio")
        canvas.setFont("Helvetica", 9)
        canvas.drawString(0, 0, "page 1 of 1")
        canvas.endForm()
        canvas.doForm("folio")
    else:
        canvas.setFont("Helvetica", 9)
        canvas.drawString(50, 50, "page 1 of 1")
    canvas.showPage()
    canvas.save()
    quick = preflight(out.getvalue(), profile="screen", name="x.pdf", read_content=False)
    assert not quick.passed
    assert any("Helvetica is not embedded" in m for m in topics(quick)["fonts"])
    good = preflight(screen_pdf(), profile="screen", name="x.pdf", read_content=False,
                     validate_pdfa=False)
    assert good.passed, good.lines()


def test_the_checks_follow_the_profiles_options_not_its_name():
    """A product with print's page multiple, bleed and colour is judged as print is."""
    from dataclasses import replace

    from kennisdag_pdf.preflight import _box_findings, _colour_findings, _page_findings
    from kennisdag_pdf.profiles import PROFILES

    proof = replace(PROFILES["screen"], name="proof", page_multiple=8, bleed=MARKS.bleed,
                    colour_space="cmyk")
    [_, multiple] = _page_findings(((148.0, 210.0),) * 12, proof)
    assert multiple.message == "12 pages: not a multiple of 8 for a saddle-stitched booklet"
    from kennisdag_pdf.preflight import _PageBoxes

    trimmed = (_PageBoxes(1, (0, 0, 420, 595), (0, 0, 420, 595), None),)
    [missing] = _box_findings(trimmed, proof, MARKS.bleed, damaged=False)
    assert missing.message == "BleedBox missing on pages 1"
    assert _box_findings(trimmed, PROFILES["screen"], MARKS.bleed, damaged=False)[0].message \
        == "trimmed pages, no bleed"
    managed = ("page 1: fill colour in ICCBased(3)",)
    assert _colour_findings(frozenset({"ICCBased(3)"}), managed, proof)[0].level == "warn"
    assert _colour_findings(frozenset({"ICCBased(3)"}), managed, proof,
                            strict=True)[0].level == "fail"
    assert _colour_findings(frozenset({"ICCBased(3)"}), managed,
                            PROFILES["screen"])[0].level == "info"


def test_tags_are_judged_as_the_profiles_accessibility_says(monkeypatch):
    """Advised: an untagged file only warns; required: it fails. Our own tag checks read
    every page's marked content, so they run where the drawing is read (`check`); a build
    leaves page-validation to the step that made the file (validate_pdfa=False) and skips
    both when it reads no drawing."""
    from dataclasses import replace

    from kennisdag_pdf.profiles import PROFILES

    monkeypatch.setitem(PROFILES, "screen", replace(PROFILES["screen"], accessibility="advised"))
    plain = screen_pdf()
    built = preflight(plain, profile="screen", name="x.pdf", validate_pdfa=False,
                      read_content=False)
    assert built.passed
    assert not {"tags", "pdf/ua"} & {f.topic for f in built.findings}
    checked = preflight(plain, profile="screen", name="x.pdf")
    assert checked.passed
    assert any("not tagged" in m for m in topics(checked, "warn")["tags"])
    assert any(m.startswith("PDF/UA-1: ") for m in topics(checked, "warn")["pdf/ua"])
    printed = preflight(plain, profile="print", name="x.pdf")
    # An untagged press file (an imposed booklet) is said to be so once, not warned about.
    assert [(f.level, f.message) for f in printed.findings if f.topic in ("tags", "pdf/ua")] \
        == [("info", "not tagged: a file for the press only, not for reading on a screen")]
    monkeypatch.setitem(PROFILES, "screen", replace(PROFILES["screen"], accessibility="required"))
    required = preflight(plain, profile="screen", name="x.pdf")
    assert not required.passed
    assert set(topics(required)) == {"tags", "pdf/ua"}
    assert required.lines().index("  tags     FAIL no XMP metadata (Matterhorn 06-001)") < \
        len(required.lines()) - 1
