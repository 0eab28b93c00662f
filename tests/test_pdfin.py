"""Foreign PDFs in: damage is found, wrong types are located findings, work stays in budget.

Every file here is made with pikepdf in a few lines: a print brochure of our own (from
test_preflight's press_pdf) edited into the one fault named, and hostile files built small.
`check` must answer a damaged file with exit 3 and `impose` with exit 2; malformed values are
"damaged" findings, never exit 1; a file past the budget is "too complex to check", exit 2.
"""

from __future__ import annotations

import io
import zlib

import pikepdf
import pytest

from kennisdag_pdf import pdfin
from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.impose import impose
from kennisdag_pdf.pdfin import Budget
from kennisdag_pdf.preflight import preflight

from test_preflight import press_pdf


@pytest.fixture(scope="module")
def brochure() -> bytes:
    return press_pdf(4)


def edited(data: bytes, change) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def checked(data: bytes, budget: Budget | None = None):
    return preflight(data, profile="print", name="x.pdf", budget=budget)


def damage_lines(report) -> list[str]:
    return [f.message for f in report.findings if f.topic == "file" and f.level == "fail"]


def refusal(data: bytes, budget: Budget | None = None) -> str:
    with pytest.raises(BadInput) as caught:
        impose(data, "x.pdf", budget)
    return str(caught.value)


# --- item 1: a cut-short file is damaged ----------------------------------------------------


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.8, 0.97, -40])
def test_a_cut_short_file_fails_check_and_is_refused_by_impose(brochure, keep):
    length = len(brochure) + keep if keep < 0 else int(len(brochure) * keep)
    cut = brochure[:length]
    try:
        report = checked(cut)
    except BadInput as exc:  # cut before any page: nothing left to check
        assert str(exc).startswith("x.pdf: is not a readable PDF")
        assert refusal(cut) in ("x.pdf: is not a readable PDF", "x.pdf: has no pages")
    else:
        assert not report.passed
        assert any("cross-reference table" in line for line in damage_lines(report)), \
            report.lines()
        assert refusal(cut).startswith("x.pdf: is damaged: its index of objects")
    with pytest.raises(BadInput, match="is damaged|is not a readable PDF"):
        pdfin.refuse_damaged(cut, "x.pdf")


def test_a_sound_file_has_no_damage(brochure):
    assert pdfin.refuse_damaged(brochure, "x.pdf") is None
    assert checked(brochure).passed
    assert impose(brochure, "x.pdf").sheets == 1


def test_a_page_whose_drawing_cannot_be_read_is_damage_on_that_page(brochure):
    def break_page_3(pdf):
        pdf.pages[2].obj.Contents = pdf.make_stream(b"")
        pdf.pages[2].obj.Contents.write(b"x\x9c not flate at all", filter=pikepdf.Name.FlateDecode)

    broken = edited(brochure, break_page_3)
    assert damage_lines(checked(broken)) == [
        "damaged: page 3: a content stream cannot be decompressed"]
    assert refusal(broken) == ("x.pdf: is damaged: page 3: a content stream cannot be "
                               "decompressed; make it again or fetch a fresh copy")


def test_damage_qpdf_meets_while_reading_a_page_is_located(brochure):
    # An object's body overwritten in place: the index still fits, the object does not.
    with pikepdf.open(io.BytesIO(brochure)) as pdf:
        content = pdf.pages[1].obj.Contents
        number = content.objgen[0]
    marker = f"\n{number} 0 obj".encode()
    at = brochure.index(marker) + len(marker)
    broken = brochure[:at] + b" <</Length 5 /Filter /FlateDecode>> junk" + \
        brochure[at + 40:]
    report = checked(broken)
    assert not report.passed
    assert any(line.startswith("damaged: ") for line in damage_lines(report)), report.lines()
    with pytest.raises(BadInput, match="is damaged"):
        impose(broken, "x.pdf")


# --- item 16: values of the wrong type --------------------------------------------------------


def set_on_page(key: str, value):
    def change(pdf):
        pdf.pages[0].obj[key] = value(pdf) if callable(value) else value
    return change


def add_form(content: bytes, **entries):
    def change(pdf):
        form = pdf.make_stream(content, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                               BBox=[0, 0, 10, 10], **entries)
        page = pdf.pages[0].obj
        page.Resources.XObject = pikepdf.Dictionary(Fx=form)
        page.Contents = pdf.make_stream(page.Contents.read_bytes() + b"\n/Fx Do\n")
    return change


def with_image(**entries):
    def change(pdf):
        image = pdf.make_stream(b"\0" * 4, Type=pikepdf.Name.XObject,
                                Subtype=pikepdf.Name.Image, BitsPerComponent=8, **entries)
        page = pdf.pages[0].obj
        page.Resources.XObject = pikepdf.Dictionary(Im=image)
        page.Contents = pdf.make_stream(page.Contents.read_bytes() + b"\nq 10 0 0 10 0 0 cm "
                                                                     b"/Im Do Q\n")
    return change


def with_type0_font(descendants):
    def change(pdf):
        font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0,
                                  BaseFont=pikepdf.Name("/ABCDEF+Odd"),
                                  DescendantFonts=descendants)
        page = pdf.pages[0].obj
        page.Resources.Font = pikepdf.Dictionary(F9=font)
        page.Contents = pdf.make_stream(page.Contents.read_bytes() + b"\nBT /F9 9 Tf ET\n")
    return change


def self_indexed(pdf):
    space = pdf.make_indirect(pikepdf.Array([pikepdf.Name.Indexed, pikepdf.Name.DeviceRGB, 0,
                                             pikepdf.String("abc")]))
    space[1] = space
    page = pdf.pages[0].obj
    page.Resources.ColorSpace = pikepdf.Dictionary(Cs=space)
    page.Contents = pdf.make_stream(page.Contents.read_bytes() + b"\n/Cs cs\n")


MALFORMED = {
    "integers in Annots": set_on_page("/Annots", pikepdf.Array([1, 2, 3])),
    "Annots is a number": set_on_page("/Annots", 7),
    "cm with names": set_on_page("/Contents", lambda pdf: pdf.make_stream(
        b"q /a /b /c /d /e /f cm Q")),
    "cm with 2 numbers": set_on_page("/Contents", lambda pdf: pdf.make_stream(b"1 2 cm")),
    "cm with a huge number": set_on_page("/Contents", lambda pdf: pdf.make_stream(
        b"1e400 0 0 1 0 0 cm")),
    "self-referring Indexed": self_indexed,
    "DescendantFonts a name": with_type0_font(pikepdf.Name.Oops),
    "DescendantFonts of numbers": with_type0_font(pikepdf.Array([1])),
    "ICCBased without a stream": with_image(Width=1, Height=1, ColorSpace=pikepdf.Array(
        [pikepdf.Name.ICCBased, 5])),
    "ICCBased alone": with_image(Width=1, Height=1, ColorSpace=pikepdf.Array(
        [pikepdf.Name.ICCBased])),
    "Width a string": with_image(Width=pikepdf.String("wide"), Height=1),
    "Height missing": with_image(Width=1),
    "form Matrix a string": add_form(b"", Matrix=pikepdf.String("identity")),
    "form Matrix of 3": add_form(b"", Matrix=pikepdf.Array([1, 0, 0])),
    "TrimBox of 5": set_on_page("/TrimBox", pikepdf.Array([0, 0, 10, 10, 10])),
    "TrimBox of names": set_on_page("/TrimBox", pikepdf.Array([pikepdf.Name.A] * 4)),
    "MediaBox a number": set_on_page("/MediaBox", 4),
    "BleedBox a string": set_on_page("/BleedBox", pikepdf.String("bleed")),
    "Contents an integer": set_on_page("/Contents", 12),
    "Contents of numbers": set_on_page("/Contents", pikepdf.Array([1, 2])),
    "Resources a number": set_on_page("/Resources", 3),
    "Font resource a list": set_on_page("/Resources", pikepdf.Dictionary(
        Font=pikepdf.Array([1]))),
    "Tf with a number": set_on_page("/Contents", lambda pdf: pdf.make_stream(
        b"BT 7 9 Tf ET")),
    "Do with a string": set_on_page("/Contents", lambda pdf: pdf.make_stream(b"(x) Do")),
    "XObject a number": lambda pdf: (
        set_on_page("/Resources", pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fx=5)))(pdf),
        set_on_page("/Contents", lambda pdf: pdf.make_stream(b"/Fx Do"))(pdf)),
}


@pytest.mark.parametrize("fault", MALFORMED, ids=list(MALFORMED))
def test_a_value_of_the_wrong_type_is_a_finding_or_bad_input_never_a_bug(brochure, fault):
    data = edited(brochure, MALFORMED[fault])
    try:
        report = checked(data)
    except BadInput as exc:  # e.g. a page whose size cannot be read at all
        assert str(exc).startswith("x.pdf: ")
    else:
        lines = damage_lines(report)
        # located on page 1, or repaired by qpdf as it opened the file (it says where)
        assert lines and all(line.startswith(("damaged: page 1", "damaged: it had to be "
                                              "repaired on opening")) for line in lines), \
            report.lines()
    try:
        impose(data, "x.pdf")
    except BadInput as exc:
        assert str(exc).startswith("x.pdf: ") and "\n" not in str(exc)


@pytest.mark.parametrize("key, value, words", [
    ("/Rotate", pikepdf.Name.Ninety, "is damaged: page 1: its Rotate is not a whole number"),
    ("/TrimBox", pikepdf.Array([0, 0, 10, 10, 10]), "page 1 has a malformed TrimBox"),
    ("/CropBox", pikepdf.Array([0, 0, pikepdf.Name.X, 10]), "page 1 has a malformed CropBox"),
    ("/Contents", 12, "page 1: its Contents is not a content stream"),
])
def test_impose_names_the_malformed_value(brochure, key, value, words):
    assert words in refusal(edited(brochure, set_on_page(key, value)))


def test_the_type_readers_accept_what_the_standard_allows():
    assert pdfin.rectangle(pikepdf.Array([10, 20.5, 0, 0]), "box") == (0, 0, 10, 20.5)
    assert pdfin.matrix(pikepdf.Array([1, 0, 0, 1, 0, 0]), "m") == (1, 0, 0, 1, 0, 0)
    for bad in (pikepdf.Array([1, 2, 3]), pikepdf.Name.Box, 5, pikepdf.Array([True, 1, 1, 1])):
        with pytest.raises(pdfin.Unexpected, match="rectangle of 4 numbers|not a number"):
            pdfin.rectangle(bad, "box")


# --- item 9: hostile files stay within the budget ---------------------------------------------


def one_page(content: bytes, *, compress: bool = True, resources=None, pages: int = 1) -> bytes:
    pdf = pikepdf.new()
    stream = pdf.make_stream(b"")
    if compress:
        stream.write(zlib.compress(content, 9), filter=pikepdf.Name.FlateDecode)
    else:
        stream.write(content)
    for _ in range(pages):
        page = pdf.add_blank_page()
        page.obj.Contents = stream
        if resources is not None:
            page.obj.Resources = resources(pdf)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def forms_drawing_each_other(levels: int, fan_out: int):
    def resources(pdf):
        inner = None
        for _ in range(levels):
            drawn = b"/F Do " * fan_out if inner is not None else b"0 0 1 1 re f"
            form = pdf.make_stream(drawn, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                   BBox=[0, 0, 1, 1])
            if inner is not None:
                form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=inner))
            inner = form
        return pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=inner))
    return resources


SMALL = Budget(operations=200_000, stream_tokens=50_000, stream_bytes=1 << 20)


def fresh(budget: Budget) -> Budget:
    return Budget(operations=budget.operations, stream_tokens=budget.stream_tokens,
                  stream_bytes=budget.stream_bytes, depth=budget.depth)


HOSTILE = {
    # 10 forms each drawing the next 10 times: 10^10 drawings from 1 kB
    "forms drawing forms": one_page(b"/F Do", resources=forms_drawing_each_other(10, 10)),
    # a small compressed stream that inflates to a million tokens
    "inflating q operators": one_page(b"q " * 1_000_000),
    "inflating arrays": one_page(b"[" * 200_000),
    # one big stream shared by many pages: each page alone fits, together they do not
    "shared stream": one_page(b"0 0 1 1 re f\n" * 9_000, pages=40),
    "forms nested 3000 deep": one_page(b"/F Do", resources=forms_drawing_each_other(3000, 1)),
}


@pytest.mark.parametrize("name", HOSTILE, ids=list(HOSTILE))
def test_hostile_files_are_too_complex_for_check_and_impose(name):
    data = HOSTILE[name]
    with pytest.raises(BadInput, match=r"^x\.pdf: is too complex to check \(.+\)$"):
        preflight(data, profile="screen", name="x.pdf", budget=fresh(SMALL))
    with pytest.raises(BadInput, match=r"^x\.pdf: (is too complex to check|has \d+ pages)"):
        impose(data, "x.pdf", fresh(SMALL))


def test_a_stream_that_inflates_past_the_byte_cap_is_not_inflated_whole():
    data = one_page(b" " * (4 << 20))
    budget = Budget(stream_bytes=1 << 20)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pytest.raises(pdfin.TooComplex, match="more than 1 MB"):
            pdfin.read_stream(pdf.pages[0].obj.Contents, budget)


def test_the_token_count_is_never_below_what_qpdf_makes(brochure):
    with pikepdf.open(io.BytesIO(brochure)) as pdf:
        for page in pdf.pages:
            data = page.obj.Contents.read_bytes()
            parsed = pikepdf.parse_content_stream(page.obj.Contents)
            tokens = sum(len(operands) + 1 for operands, _ in parsed)
            assert pdfin.tokens_at_most(data) >= tokens
    for text in (b"[1 2]q", b"/a/b/c BDC", b"(a)(b)q", b"<00><01>Tj", b"1 2 3 4 re f"):
        assert pdfin.tokens_at_most(text) >= len(pikepdf.parse_content_stream(
            pikepdf.Stream(pikepdf.new(), text))) + 1


def test_the_time_budget_holds_in_process(brochure):
    with pytest.raises(BadInput, match="still not read after 0 seconds"):
        checked(brochure, Budget(seconds=0))


def test_a_stream_that_stops_inside_an_operation_is_damage():
    data = one_page(b"0 0 1 1 re f 3 4", compress=False)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdfin.damage(pdf, Budget()) == [
            "page 1: its drawing operators cannot be read (Unexpected end of stream)"]


def test_out_of_memory_in_process_is_too_complex_not_a_bug(monkeypatch):
    from kennisdag_pdf.isolation import foreign_pdf_work

    def exhausting():
        raise MemoryError

    with pytest.raises(BadInput, match=r"^x\.pdf: is too complex to check \(it needs more "
                                       r"memory than allowed\)$"):
        foreign_pdf_work("x.pdf", exhausting)


CONSOLE = ("import sys; from kennisdag_pdf import cli, pdfin; "
           "pdfin.MEMORY_CEILING = int(sys.argv.pop(1)); cli.main()")


@pytest.mark.parametrize("command", [["-q", "check"], ["impose"]])
def test_the_console_works_on_a_foreign_pdf_under_a_memory_ceiling(tmp_path, command):
    """The ceiling holds in a child process only: past it the answer is exit 2, "too complex
    to check", even where qpdf aborts instead of raising; the test process is never capped."""
    import subprocess
    import sys

    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(one_page(b"q " * 450_000))  # 120 MB of parsed operators
    args = [*command, str(pdf)] + (["-o", str(tmp_path / "b.pdf")] if "impose" in command
                                   else [])
    low = subprocess.run([sys.executable, "-c", CONSOLE, str(64 << 20), *args],
                         capture_output=True, text=True, timeout=60)
    assert (low.returncode, low.stderr) == (
        2, f"{pdf}: is too complex to check (it needs more memory than allowed)\n")
    assert not (tmp_path / "b.pdf").exists()
    usual = subprocess.run([sys.executable, "-c", CONSOLE, str(pdfin.MEMORY_CEILING), *args],
                           capture_output=True, text=True, timeout=60)
    # check reads the page and fails the file for what it is (untagged, where a screen
    # file must be PDF/UA-1); impose reads it fully, then refuses its single page
    assert usual.returncode == (3 if "check" in command else 2), usual.stderr
    assert "too complex" not in usual.stderr


def test_an_image_whose_data_is_broken_is_damage(brochure):
    def break_image(pdf):  # the picture's Flate data cut in half, as a bad copy would
        for page in pdf.pages:
            for image in page.obj.Resources.XObject.values():
                if image.get("/Subtype") == "/Image":
                    packed = zlib.compress(image.read_bytes())
                    image.write(packed[:len(packed) // 2], filter=pikepdf.Name.FlateDecode)

    broken = edited(brochure, break_image)
    assert any("cannot be decompressed" in line for line in damage_lines(checked(broken)))
    assert "cannot be decompressed" in refusal(broken)


def test_an_image_that_inflates_past_its_cap_is_too_complex(monkeypatch):
    monkeypatch.setattr(pdfin, "MAX_IMAGE_BYTES", 4 << 20)
    pdf = pikepdf.new()
    image = pdf.make_stream(b"", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                            Width=4096, Height=2048, BitsPerComponent=8,
                            ColorSpace=pikepdf.Name.DeviceGray)
    image.write(zlib.compress(b"\0" * (8 << 20), 9), filter=pikepdf.Name.FlateDecode)
    with pytest.raises(pdfin.TooComplex, match="an image of more than 4 MB"):
        pdfin.check_image_data(image, "image /Im")


def test_the_module_caps_apply_to_budgets_made_later(monkeypatch):
    monkeypatch.setattr(pdfin, "MAX_SECONDS", 7.0)
    monkeypatch.setattr(pdfin, "MAX_OPERATIONS", 1000)
    assert (Budget().seconds, Budget().operations) == (7.0, 1000)


@pytest.mark.parametrize("command", [["check"], ["impose", "-o", "sheets.pdf"],
                                     ["extract", "-o", "source"]])
def test_a_pdf_over_the_size_limit_is_refused_without_being_read(tmp_path, monkeypatch,
                                                                  command):
    from typer.testing import CliRunner

    from kennisdag_pdf import cli, pdfin

    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as sparse:  # no byte of it is ever written or read
        sparse.truncate(pdfin.MAX_PDF_BYTES + 1)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, [command[0], str(huge), *command[1:]])
    assert result.exit_code == 2, result.output
    assert "over the 512.0 MB a PDF to check, impose or extract may have" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.pdf"]
