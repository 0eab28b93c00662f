"""kennisdag_pdf.render: the environment a build reads, and what all three products share."""

from __future__ import annotations

import os

import struct
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageCms

from kennisdag_pdf import images, render
from kennisdag_pdf.errors import EXIT_BAD_INPUT, BadInput
from kennisdag_pdf.loader import load
from kennisdag_pdf.profiles import PROFILES
from kennisdag_pdf.published import published_event

SHIPPED = images.resource_dir("assets") / "profiles" / "FOGRA39L_coated_GCR.icc"
EVENT = """\
event:
  id: orientation
  title: Een gedraaide foto
  date: 2011-04-07
  venue: Zaal
  city: Stad
  language: nl
  organisers:
    - name: Mediaan
photos:
  - image: assets/turned.jpg
"""


# --- SOURCE_DATE_EPOCH ---------------------------------------------------------------------

@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "1e9", "0x10", "１７", "12 34",
                                   "253402300800", "9" * 4000])
def test_a_source_date_epoch_that_is_no_date_is_bad_input_naming_the_variable(
        monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(BadInput) as info:
        render.check_environment()
    [line] = info.value.lines()
    assert line.startswith("SOURCE_DATE_EPOCH: '")
    assert len(line) < 200  # a huge value is shortened, not echoed
    assert info.value.exit_code == EXIT_BAD_INPUT


@pytest.mark.parametrize("value, year", [("0", 1970), (" 1700000000 ", 2023),
                                         ("253402300799", 9999), ("", 2011)])
def test_a_valid_source_date_epoch_dates_the_build(monkeypatch, value, year):
    import datetime as dt

    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert render.build_time(dt.date(2011, 4, 7), render.check_environment()).year == year


@pytest.mark.parametrize("epoch", [0, 1302134400, 1700000000, 253402300799])
def test_a_canvas_dated_by_us_is_the_canvas_reportlab_dates_from_the_variable(
        monkeypatch, epoch):
    """The build time reaches the PDF through document.py's canvas maker, not the
    environment: the same dates and the same /ID as ReportLab's own reading would give."""
    from io import BytesIO

    from kennisdag_pdf.document import _dated_canvas
    from kennisdag_pdf.tagging import BrochureCanvas as Canvas  # ReportLab's, dating itself

    def made(maker) -> bytes:
        out = BytesIO()
        canvas = maker(out, invariant=1)
        canvas.drawString(10, 10, "x")
        canvas.save()
        return out.getvalue()

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    ours = made(_dated_canvas(epoch))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    assert ours == made(Canvas)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # another date in the environment
    assert made(_dated_canvas(epoch)) == ours  # is not read


def test_a_build_is_dated_by_the_variable_and_leaves_the_environment_as_it_was(monkeypatch):
    from conftest import DATA

    from kennisdag_pdf.loader import load

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pdf = render.render(load(DATA / "example-en.yaml")).pdf
    assert b"/CreationDate (D:20231114221320+00'00')" in pdf
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"


# --- KENNISDAG_CMYK_PROFILE ----------------------------------------------------------------

def _profile_bytes(space: str) -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile(space)).tobytes()


def _named(tmp_path: Path, case: str) -> str:
    if case == "device":
        return "/dev/zero"
    if case == "missing":
        return str(tmp_path / "missing.icc")
    if case == "folder":
        return str(tmp_path)
    path = tmp_path / f"{case}.icc"
    if case == "huge":  # sparse: no disk is spent, and the file is never read
        with path.open("wb") as file:
            file.truncate(images.MAX_ICC_BYTES + 1)
    elif case == "not-icc":
        path.write_bytes(b"%PDF-1.7\n" + b"\0" * 200)
    elif case == "short":
        path.write_bytes(b"\0" * 40)
    elif case == "rgb-display":
        path.write_bytes(_profile_bytes("sRGB"))
    elif case == "lab":
        path.write_bytes(_profile_bytes("LAB"))
    elif case == "cmyk-display":  # a CMYK space, but not an output (printer) class
        data = bytearray(SHIPPED.read_bytes())
        data[12:16] = b"mntr"
        path.write_bytes(bytes(data))
    return str(path)


@pytest.mark.parametrize("case, says", [
    ("device", "is not a regular file"), ("missing", "does not exist"),
    ("folder", "is a folder"), ("huge", "is 16 MB, too big for an ICC profile"),
    ("not-icc", "is not an ICC profile"), ("short", "is not an ICC profile"),
    ("rgb-display", "is a display profile for RGB, not a CMYK output profile"),
    ("lab", "is a profile for Lab, not a CMYK output profile"),
    ("cmyk-display", "is a display profile for CMYK, not a CMYK output profile")])
def test_a_cmyk_profile_variable_naming_no_cmyk_output_profile_is_bad_input(
        monkeypatch, tmp_path, case, says):
    named = _named(tmp_path, case)
    monkeypatch.setenv("KENNISDAG_CMYK_PROFILE", named)
    with pytest.raises(BadInput) as info:
        render.check_environment()
    [line] = info.value.lines()
    assert line.startswith(f"KENNISDAG_CMYK_PROFILE: '{named}' {says}")


def test_the_shipped_and_a_named_cmyk_output_profile_pass(monkeypatch, tmp_path):
    monkeypatch.delenv("KENNISDAG_CMYK_PROFILE", raising=False)
    render.check_environment()
    named = tmp_path / "shop.icc"
    named.write_bytes(SHIPPED.read_bytes())
    monkeypatch.setenv("KENNISDAG_CMYK_PROFILE", str(named))
    # A shop's profile comes with the condition it was made for (PDF/X-4's output intent).
    monkeypatch.setenv("KENNISDAG_CMYK_CONDITION", "FOGRA39")
    monkeypatch.setenv("KENNISDAG_CMYK_INK_LIMIT", "300")
    render.check_environment()


def test_the_command_line_refuses_a_bad_variable_before_loading(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from kennisdag_pdf import cli

    # The event file does not even exist: the variable is what is reported.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1.5")
    result = CliRunner().invoke(cli.app, ["build", str(tmp_path / "none.yaml"),
                                          "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "SOURCE_DATE_EPOCH: '1.5' is not a whole number" in result.output
    assert not (tmp_path / "x.pdf").exists()


# --- the EXIF orientation, alike in every product ----------------------------------------

def _turned_photo(path: Path) -> None:
    """A photo stored lying down (yellow band on the left, cyan elsewhere) whose EXIF says
    orientation 6 (turn a quarter clockwise: the band goes to the top), with one broken tag."""
    entries = [(0x010F, 2, 100, 0xFFFF), (0x0112, 3, 1, 6)]  # the make lies past the end
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    exif = b"Exif\0\0II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)
    stored = Image.new("RGB", (480, 240), (0, 255, 255))
    stored.paste((255, 255, 0), (0, 0, 120, 240))
    path.parent.mkdir(parents=True, exist_ok=True)
    stored.save(path, "JPEG", quality=95, exif=exif)


def _mask(page: Image.Image, red: str, green: str, blue: str) -> Image.Image:
    """Pixels whose channels pass each test ('>170', '<110'), white in an 'L' image."""
    def test(channel: Image.Image, rule: str) -> Image.Image:
        limit = int(rule[1:])
        return channel.point(lambda v: 255 if (v > limit if rule[0] == ">" else v < limit)
                             else 0)

    r, g, b = page.split()
    return ImageChops.darker(ImageChops.darker(test(r, red), test(g, green)), test(b, blue))


def _photo_on_paper(pdf: bytes) -> tuple[str, float]:
    """Where the yellow band lies in the rasterised photo ('top', 'left', …) and the band's
    width over its height, found by colour on whichever page holds it."""
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index].render(scale=40 / 72).to_pil().convert("RGB")
            yellow = _mask(page, ">170", ">170", "<110")
            photo = ImageChops.lighter(yellow, _mask(page, "<190", ">180", ">180"))  # cyan
            if yellow.getbbox() is None or photo.getbbox() == yellow.getbbox():
                continue
            left, top, right, bottom = photo.getbbox()
            y_left, y_top, y_right, y_bottom = yellow.getbbox()
            cx = (y_left + y_right - left - right) / 2
            cy = (y_top + y_bottom - top - bottom) / 2
            side = ("top" if cy < 0 else "bottom") if abs(cy) > abs(cx) else \
                ("left" if cx < 0 else "right")
            return side, (y_right - y_left) / (y_bottom - y_top)
    finally:
        document.close()
    raise AssertionError("the photo is on no page")


def test_a_turned_photo_with_a_broken_tag_is_upright_in_all_three_products(tmp_path):
    _turned_photo(tmp_path / "assets" / "turned.jpg")
    (tmp_path / "event.yaml").write_text(EVENT, encoding="utf-8")
    loaded = load(tmp_path / "event.yaml")
    seen = {}
    for name in ("screen", "print", "archive"):
        source = published_event(loaded)[0] if PROFILES[name].archival else loaded
        seen[name] = _photo_on_paper(render.render(source, PROFILES[name]).pdf)
    for name, (side, ratio) in seen.items():
        assert side == "top", f"{name}: the band is at the {side}"
        assert ratio == pytest.approx(2, rel=0.1), name


# --- one URL limit, and a QR code for any URL within it -----------------------------------

@pytest.mark.parametrize("tail", ["a", "€", "\U0001d11e"], ids=["ascii", "3-byte", "4-byte"])
def test_the_longest_address_the_format_allows_makes_a_qr_code(tail):
    from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel

    from kennisdag_pdf.model import URL_MAX
    from kennisdag_pdf.parts.links import QrCode

    start = "https://example.org/"
    url = start + tail * (URL_MAX - len(start))
    code = QrCode(url, colour=None, module=1.0, min_size=10.0)
    assert code.qr.getModuleCount() <= 177  # version 40, the largest there is
    # And the limit means something: an address five times as long no longer fits.
    too_long = QRCode(None, QRErrorCorrectLevel.M)
    too_long.addData(start + "a" * (5 * URL_MAX))
    with pytest.raises(Exception, match="overflow"):
        too_long.make()


@pytest.mark.parametrize("data_file, profile", [("kennisdag-2011", "screen"),
                                                ("example-en", "print")])
def test_late_forms_are_written_byte_for_byte_as_reportlab_writes_them(monkeypatch, data_file,
                                                                        profile):
    """document._LateFormXObject writes the folios, contents numbers and leaders without
    ReportLab's general formatting: the file must be the one ReportLab's own writer makes."""
    from reportlab.pdfbase.pdfdoc import PDFFormXObject

    from kennisdag_pdf import document
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.profiles import PROFILES

    loaded = load(Path(__file__).resolve().parent.parent / "data" / f"{data_file}.yaml")
    fast = render.render(loaded, PROFILES[profile]).pdf
    monkeypatch.setattr(document._LateFormXObject, "format", PDFFormXObject.format)
    assert render.render(loaded, PROFILES[profile]).pdf == fast
