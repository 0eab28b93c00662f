"""kennisdag_pdf.pdfx: the print file and its booklet are PDF/X-4 (ISO 15930-7), proven by our
own checker, and the checker is proven not blind: a copy of the real print file lacking each
requirement in turn fails with a line that names what is missing."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import ImageCms

from kennisdag_pdf import images
from kennisdag_pdf.impose import impose
from kennisdag_pdf.pdfx import XMP_REQUIRED, make_pdfx, parse_xmp
from kennisdag_pdf.preflight import detect_profile, preflight

from conftest import DATA, finish_to
from inprocess import run_in_process

SHIPPED = images.resource_dir("assets") / "profiles" / "FOGRA39L_coated_GCR.icc"
FOGRA39 = images.PrintCondition(SHIPPED, "FOGRA39", images.SHIPPED_DESCRIPTION, 300)


@pytest.fixture(scope="module")
def booklets(print_2011, print_en) -> dict[str, bytes]:
    return {"2011": impose(print_2011.pdf, "print.pdf").pdf,
            "en": impose(print_en.pdf, "print-en.pdf").pdf}


def pdfx_lines(report, level: str = "fail") -> list[str]:
    return [f.message for f in report.findings if f.topic == "pdf/x" and f.level == level]


def xmp_of(data: bytes) -> dict:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return parse_xmp(pdf.Root.Metadata.read_bytes())


# --- the products pass ---------------------------------------------------------------------------

def test_print_files_and_their_booklets_pass_the_pdfx_checker(print_2011, print_en, booklets):
    for name, data in (("2011", print_2011.pdf), ("en", print_en.pdf),
                       ("2011 booklet", booklets["2011"]), ("en booklet", booklets["en"])):
        assert detect_profile(data) == "print"
        report = preflight(data, profile="print", name=name)
        assert report.passed, report.lines()
        assert pdfx_lines(report) == []
        [verdict] = pdfx_lines(report, "info")
        assert verdict == ("PDF/X-4: output intent FOGRA39, registered; XMP and Info agree; "
                           "trapped: False; PDF 1.6"), name


def test_check_on_the_written_print_file_says_pdfx(print_2011):
    result = run_in_process(["check", print_2011.path])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  pdf/x    PDF/X-4: output intent FOGRA39, registered" in result.stdout


def test_the_print_file_declares_fogra39_and_its_identity(print_2011):
    with pikepdf.open(io.BytesIO(print_2011.pdf)) as pdf:
        assert pdf.pdf_version == "1.6" and print_2011.pdf.startswith(b"%PDF-1.6")
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX"
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert str(intent.RegistryName) == "http://www.color.org"
        assert "300 %" in str(intent.Info) and "ISO 12647-2" in str(intent.OutputCondition)
        assert intent.DestOutputProfile.N == 4
        assert intent.DestOutputProfile.read_bytes() == SHIPPED.read_bytes()
        assert "/Filter" not in pdf.Root.Metadata  # readable by any tool
        # the tagged structure as it was
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "nl-NL"
        info = pdf.docinfo
        assert info.Trapped == "/False" and str(info.CreationDate) == "D:20110407000000+00'00'"
        assert str(info.ModDate) == str(info.CreationDate)
        packet = pdf.Root.Metadata.read_bytes()
    assert b"pdfuaid" not in packet  # tagged, but claims no PDF/UA
    xmp = parse_xmp(packet)
    assert xmp[("pdfxid", "GTS_PDFXVersion")] == "PDF/X-4"
    assert xmp[("dc", "title")] == "Social media."
    assert xmp[("pdf", "Trapped")] == "False"
    assert xmp[("xmpMM", "RenditionClass")] == "default"
    assert xmp[("xmpMM", "VersionID")] == "1"
    for key in ("CreateDate", "ModifyDate", "MetadataDate"):
        assert xmp[("xmp", key)] == "2011-04-07T00:00:00+00:00"
    assert re.fullmatch(r"uuid:[0-9a-f-]{36}", xmp[("xmpMM", "DocumentID")])
    assert xmp[("xmpMM", "DocumentID")] != xmp[("xmpMM", "InstanceID")]


def test_each_font_subset_has_a_tag_of_its_own(print_2011, print_en):
    for data in (print_2011.pdf, print_en.pdf):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            tags: dict[str, bytes] = {}
            for obj in pdf.objects:
                if not (isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"):
                    continue
                base = str(obj.BaseFont)[1:]
                assert re.fullmatch(r"[A-Z]{6}\+[\w-]+", base) and \
                    not base.startswith("AAAAA"), base  # not ReportLab's AAAAAA+, AAAAAB+ …
                assert str(obj.FontDescriptor.FontName) == str(obj.BaseFont)
                data_of_subset = obj.FontDescriptor.FontFile2.read_bytes()
                assert tags.setdefault(base[:6], data_of_subset) == data_of_subset, base
            assert len(tags) >= 4


def test_subsets_of_one_font_get_different_tags():
    """More than 256 characters of one face make ReportLab write two subsets, named
    AAAAAA+CharisSIL and AAAAAB+CharisSIL in every file; each gets its own tag from its bytes,
    the same on every run."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen.canvas import Canvas

    from kennisdag_pdf import fonts

    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=1, initialFontName=fonts.SERIF.regular.name)
    canvas.setFont(fonts.SERIF.regular.name, 8)
    text = "".join(chr(c) for c in range(0x21, 0x7F)) + \
        "".join(chr(c) for c in range(0xA1, 0x17F))
    for line in range(0, len(text), 60):
        canvas.drawString(20, 500 - line, text[line:line + 60])
    canvas.showPage()
    canvas.save()
    made = make_pdfx(out.getvalue(), FOGRA39)
    assert made == make_pdfx(out.getvalue(), FOGRA39)
    with pikepdf.open(io.BytesIO(made)) as pdf:
        names = sorted(str(font.BaseFont) for font in pdf.pages[0].Resources.Font.values()
                       if "CharisSIL" in str(font.BaseFont))
    assert len(names) == 2 and names[0] != names[1], names
    assert not any(name.startswith("/AAAAA") for name in names), names
    assert {name[7:] for name in names} == {"+CharisSIL"}


def test_the_booklet_carries_the_identity_with_its_own_document_id(print_2011, booklets):
    booklet = booklets["2011"]
    source, sheets = xmp_of(print_2011.pdf), xmp_of(booklet)
    assert sheets[("xmpMM", "DocumentID")] != source[("xmpMM", "DocumentID")]
    for key in (("pdfxid", "GTS_PDFXVersion"), ("dc", "title"), ("pdf", "Trapped"),
                ("xmp", "CreateDate"), ("xmp", "ModifyDate")):
        assert sheets[key] == source[key], key
    with pikepdf.open(io.BytesIO(booklet)) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert intent.DestOutputProfile.read_bytes() == SHIPPED.read_bytes()
        assert pdf.docinfo.Trapped == "/False"
        assert str(pdf.docinfo.CreationDate) == "D:20110407000000+00'00'"
        assert pdf.pdf_version == "1.6"
    assert impose(print_2011.pdf, "other.pdf").pdf == booklet


# --- not a pixel changes, the same bytes every time --------------------------------------------

def test_pdfx_changes_no_pixel(print_2011):
    from kennisdag_pdf.finish import _without_annotations

    before = _without_annotations(print_2011.result.pdf)

    def pages(data: bytes) -> list[bytes]:
        document = pdfium.PdfDocument(data)
        try:
            return [page.render(scale=0.5).to_pil().tobytes() for page in document]
        finally:
            document.close()

    assert pages(before) == pages(print_2011.pdf)


def test_the_same_input_gives_the_same_bytes(print_2011, tmp_path, monkeypatch):
    rendered = print_2011.result.pdf
    assert make_pdfx(rendered, FOGRA39) == make_pdfx(rendered, FOGRA39)
    assert finish_to(tmp_path, "kennisdag-2011.yaml", "print").pdf == print_2011.pdf
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = finish_to(tmp_path, "kennisdag-2011.yaml", "print").pdf
    assert first == finish_to(tmp_path, "kennisdag-2011.yaml", "print").pdf
    assert first != print_2011.pdf
    xmp = xmp_of(first)
    assert xmp[("xmp", "CreateDate")] == "2023-11-14T22:13:20+00:00"
    assert xmp[("xmpMM", "DocumentID")] != xmp_of(print_2011.pdf)[("xmpMM", "DocumentID")]
    assert preflight(first, profile="print", name="x", validate_pdfa=False,
                     read_content=False).passed


# --- the checker is not blind ------------------------------------------------------------------

def _edited(data: bytes, edit: Callable[[pikepdf.Pdf], None], **save) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False, **save)
    return out.getvalue()


def _intent(pdf):
    return pdf.Root.OutputIntents[0]


def _xmp_edit(old: str, new: str) -> Callable[[pikepdf.Pdf], None]:
    def edit(pdf):
        packet = pdf.Root.Metadata.read_bytes().decode("utf-8")
        assert re.search(old, packet), old
        pdf.Root.Metadata.write(re.sub(old, new, packet).encode("utf-8"))
    return edit


def _without_property(prefix: str, name: str):
    return _xmp_edit(rf"\s*<{prefix}:{name}>.*?</{prefix}:{name}>", "")


def _delete(path: str):
    def edit(pdf):
        *parents, last = path.split(".")
        obj = pdf
        for part in parents:
            obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
        del obj[f"/{last}"]
    return edit


def _set_info(key: str, value):
    def edit(pdf):
        pdf.docinfo[key] = value
    return edit


def _page_box(number: int, key: str, grow: float):
    def edit(pdf):
        x0, y0, x1, y1 = (float(v) for v in pdf.pages[number - 1].obj[key])
        pdf.pages[number - 1].obj[key] = pikepdf.Array([x0 - grow, y0 - grow, x1 + grow,
                                                         y1 + grow])
    return edit


def _annotation(subtype: str, rect=(100, 100, 200, 150), **extra):
    def edit(pdf):
        page = pdf.pages[1].obj
        annot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot,
                                                     Subtype=pikepdf.Name(subtype),
                                                     Rect=pikepdf.Array(list(rect)), **extra))
        page.Annots = pikepdf.Array([annot])
    return edit


def _srgb_profile(pdf):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    _intent(pdf).DestOutputProfile.write(srgb)


def _unembedded(pdf):
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
            del obj["/FontFile2"]
            return


def _rgb_drawing(pdf):
    page = pdf.pages[1]
    page.contents_add(pdf.make_stream(b"q 1 0 0 rg 40 40 10 10 re f Q"), prepend=False)


def _rgb_group(pdf):
    pdf.pages[2].obj.Group = pikepdf.Dictionary(S=pikepdf.Name.Transparency,
                                                CS=pikepdf.Name.DeviceRGB)


def _javascript(pdf):
    action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                  JS=pikepdf.String("app.alert(1)")))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
        Names=pikepdf.Array([pikepdf.String("x"), action])))


def _open_action(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.URI,
                                             URI=pikepdf.String("https://example.org"))


def _bookmark_action(pdf):
    first = pdf.Root.Outlines.First
    first.A = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org"))


def _second_intent(pdf):
    pdf.Root.OutputIntents.append(_intent(pdf))


BROKEN = [
    # (1) the output intent
    ("no output intents", _delete("Root.OutputIntents"), "no /GTS_PDFX output intent"),
    ("a PDF/A intent only", lambda pdf: setattr(_intent(pdf), "S", pikepdf.Name.GTS_PDFA1),
     "no /GTS_PDFX output intent"),
    ("two intents", _second_intent, "2 /GTS_PDFX output intents"),
    ("no profile", _delete("Root.OutputIntents.0.DestOutputProfile"),
     "has no embedded output profile (/DestOutputProfile)"),
    ("profile N 3", lambda pdf: setattr(_intent(pdf).DestOutputProfile, "N", 3),
     "not for four inks (/N is not 4)"),
    ("an sRGB profile", _srgb_profile, "not a CMYK output profile"),
    ("no condition identifier", _delete("Root.OutputIntents.0.OutputConditionIdentifier"),
     "has no /OutputConditionIdentifier"),
    ("no registry", _delete("Root.OutputIntents.0.RegistryName"),
     "registered condition FOGRA39 without /RegistryName"),
    # (2) the XMP
    ("no XMP", _delete("Root.Metadata"), "no XMP metadata stream in the catalog"),
    ("XMP not XML", _xmp_edit(r"</rdf:RDF>", "</rdf:RFD>"), "XMP metadata cannot be read"),
    *[(f"no {prefix}:{name}", _without_property(prefix, name),
       f"the XMP metadata lacks {prefix}:{name}") for prefix, name, _ in XMP_REQUIRED],
    ("another PDF/X", _xmp_edit("PDF/X-4<", "PDF/X-1a:2001<"),
     "says pdfxid:GTS_PDFXVersion 'PDF/X-1a:2001', not 'PDF/X-4'"),
    ("trapped unknown", _xmp_edit(r"<pdf:Trapped>False", "<pdf:Trapped>Unknown"),
     "pdf:Trapped 'Unknown': it must be True or False"),
    # (3) Info agrees with XMP
    ("no Info /Trapped", _delete("trailer.Info.Trapped"), "the Info dictionary has no /Trapped"),
    ("no Info /ModDate", _delete("trailer.Info.ModDate"), "the Info dictionary has no /ModDate"),
    ("no Info /Title", _delete("trailer.Info.Title"), "the Info dictionary has no /Title"),
    ("trapped True", _set_info("/Trapped", pikepdf.Name("/True")),
     "Info /Trapped 'True' and XMP pdf:Trapped 'False' differ"),
    ("another title", _set_info("/Title", pikepdf.String("Sociale media")),
     "Info /Title 'Sociale media' and XMP dc:title 'Social media.' differ"),
    ("another date", _set_info("/CreationDate", pikepdf.String("D:20110408000000+00'00'")),
     "Info /CreationDate (2011-04-08T00:00:00+00:00) and XMP xmp:CreateDate"),
    ("another time zone", _set_info("/ModDate", pikepdf.String("D:20110407000000+02'00'")),
     "Info /ModDate (2011-04-07T00:00:00+02:00) and XMP xmp:ModifyDate"),
    # (4) the boxes
    ("no TrimBox", _delete("pages.2.obj.TrimBox"), "no TrimBox (or ArtBox) on pages 3"),
    ("trim past the bleed", _page_box(4, "/TrimBox", 20),
     "the TrimBox reaches outside the BleedBox on pages 4"),
    ("bleed past the media", _page_box(5, "/BleedBox", 40),
     "the BleedBox reaches outside the MediaBox on pages 5"),
    # (5) fonts, actions, annotations, version (encryption: see below)
    ("a font not embedded", _unembedded, "is not embedded: a RIP would substitute it"),
    ("JavaScript", _javascript, "the file carries JavaScript"),
    ("an opening action", _open_action, "the file runs an action when opened"),
    ("a bookmark action", _bookmark_action, "a bookmark runs an action"),
    ("a link on the page", _annotation("/Link"),
     "Link annotations inside the BleedBox on pages 2"),
    ("an action in an annotation", _annotation(
        "/PrinterMark", A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("x"))),
     "page 2: a PrinterMark annotation runs an action"),
    ("PDF 1.7", lambda pdf: None, "the header says PDF 1.7"),
    ("catalog /Version 1.7", lambda pdf: setattr(pdf.Root, "Version", pikepdf.Name("/1.7")),
     "the catalog says PDF 1.7"),
    # (6) device colour
    ("DeviceRGB drawing", _rgb_drawing, "page 2: fill colour (rg) in DeviceRGB"),
    ("DeviceRGB blending", _rgb_group,
     "the transparency group of pages 3 blends in DeviceRGB"),
]


@pytest.mark.parametrize("label, edit, words", BROKEN, ids=[case[0] for case in BROKEN])
def test_a_print_file_lacking_a_requirement_fails_naming_it(print_2011, label, edit, words):
    save = {"force_version": "1.7"} if label == "PDF 1.7" else {}
    broken = _edited(print_2011.pdf, edit, **save)
    colour = "DeviceRGB" in label
    report = preflight(broken, profile="print", name="broken.pdf", validate_pdfa=False,
                       read_content=colour)
    assert not report.passed
    failures = pdfx_lines(report)
    assert any(words in line for line in failures), (words, report.lines())
    assert all(line.startswith("PDF/X-4: ") for line in failures)


@pytest.mark.parametrize("edit", [_annotation("/PrinterMark"), _annotation("/TrapNet"),
                                  _annotation("/Link", rect=(2, 2, 20, 20))],
                         ids=["printer mark", "trap network", "link in the marks border"])
def test_allowed_annotations_pass(print_2011, edit):
    report = preflight(_edited(print_2011.pdf, edit), profile="print", name="x.pdf",
                       validate_pdfa=False, read_content=False)
    assert pdfx_lines(report) == [], report.lines()


def test_an_encrypted_print_file_is_refused(print_2011, tmp_path):
    encrypted = _edited(print_2011.pdf, lambda pdf: None,
                        encryption=pikepdf.Encryption(owner="shop", user="", R=4))
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted)
    result = run_in_process(["check", path])
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line == f"{path}: is encrypted; it needs an unprotected PDF"


def test_check_fails_a_file_without_pdfx_with_exit_3(print_2011, tmp_path):
    path = tmp_path / "plain-print.pdf"
    path.write_bytes(_edited(print_2011.pdf, _delete("Root.OutputIntents")))
    result = run_in_process(["check", path])
    assert result.returncode == 3
    assert "  pdf/x    FAIL PDF/X-4: no /GTS_PDFX output intent in /OutputIntents" in \
        result.stdout


# --- the shop's own profile ----------------------------------------------------------------------

def _shop_env(tmp_path, profile: bytes, **variables) -> dict:
    path = tmp_path / "shop.icc"
    path.write_bytes(profile)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNISDAG_CMYK_")}
    return {**env, "KENNISDAG_CMYK_PROFILE": str(path), **variables}


def test_an_rgb_profile_is_refused_at_start(tmp_path):
    """Even with its condition named: images separated through it would not be CMYK."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    env = _shop_env(tmp_path, srgb, KENNISDAG_CMYK_CONDITION="FOGRA39",
                    KENNISDAG_CMYK_INK_LIMIT="300")
    out = tmp_path / "x.pdf"
    result = run_in_process(["build", DATA / "kennisdag-2011.yaml", "--profile", "print",
                             "-o", out], env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"KENNISDAG_CMYK_PROFILE: '{tmp_path / 'shop.icc'}' is a display "
                           f"profile for RGB, not a CMYK output profile"), line
    assert not out.exists()


@pytest.mark.parametrize("variables, says", [
    ({"KENNISDAG_CMYK_INK_LIMIT": "300"}, "KENNISDAG_CMYK_CONDITION: is not set"),
    ({"KENNISDAG_CMYK_CONDITION": "FOGRA51"}, "KENNISDAG_CMYK_INK_LIMIT: is not set"),
    ({"KENNISDAG_CMYK_CONDITION": "FOGRA51", "KENNISDAG_CMYK_INK_LIMIT": "3OO"},
     "KENNISDAG_CMYK_INK_LIMIT: '3OO' is not a total ink limit"),
    ({"KENNISDAG_CMYK_CONDITION": "FOGRA51", "KENNISDAG_CMYK_INK_LIMIT": "3000"},
     "KENNISDAG_CMYK_INK_LIMIT: '3000' is not a total ink limit"),
    ({"KENNISDAG_CMYK_CONDITION": "FOGRA\n51", "KENNISDAG_CMYK_INK_LIMIT": "300"},
     "KENNISDAG_CMYK_CONDITION: 'FOGRA\\n51' is not a printing condition's name"),
], ids=["no condition", "no ink limit", "letters", "too much ink", "a line break"])
def test_a_shop_profile_without_its_condition_is_refused_at_start(tmp_path, variables, says):
    env = _shop_env(tmp_path, SHIPPED.read_bytes(), **variables)
    out = tmp_path / "x.pdf"
    result = run_in_process(["build", DATA / "example-en.yaml", "-o", out], env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(says), line
    assert not out.exists()


@pytest.mark.parametrize("condition, registry", [("FOGRA51", "http://www.color.org"),
                                                 ("Drukkerij Peeters offset 3", None)])
def test_a_shop_profile_with_its_condition_is_declared(print_2011, tmp_path, monkeypatch,
                                                       condition, registry):
    for key, value in _shop_env(tmp_path, SHIPPED.read_bytes() + b"\0",
                                KENNISDAG_CMYK_CONDITION=condition,
                                KENNISDAG_CMYK_INK_LIMIT="280").items():
        if key.startswith("KENNISDAG_CMYK_"):
            monkeypatch.setenv(key, value)
    shop = images.print_condition()
    assert (shop.identifier, shop.ink_limit, shop.registry) == (condition, 280, registry)
    made = make_pdfx(print_2011.result.pdf, shop)
    with pikepdf.open(io.BytesIO(made)) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert str(intent.OutputConditionIdentifier) == condition
        assert ("/RegistryName" in intent) == (registry is not None)
        assert "total ink limit 280 %" in str(intent.Info)
        assert intent.DestOutputProfile.read_bytes() == SHIPPED.read_bytes() + b"\0"
    report = preflight(made, profile="print", name="shop.pdf", validate_pdfa=False,
                       read_content=False)
    assert pdfx_lines(report) == [], report.lines()
