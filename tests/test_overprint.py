"""Print-production colour: 100 % black overprints and nothing else does, fine detail is in
one or two inks, the project's own logos print their black on the black plate alone, and a
user's logo with four-ink black is pointed out. Read back from the content streams."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pikepdf
import pytest
from PIL import Image

from conftest import finish_to
from kennisdag_pdf.images import Placement, four_ink_black, separate, to_cmyk
from kennisdag_pdf.inks import multiply, scale
from kennisdag_pdf.loader import load
from kennisdag_pdf.profiles import PROFILES
from kennisdag_pdf.render import render
from kennisdag_pdf.tagging import BrochureCanvas

BLACK = ("cmyk", (0.0, 0.0, 0.0, 1.0))
WHITE = ("cmyk", (0.0, 0.0, 0.0, 0.0))
REGISTRATION = ("cmyk", (1.0, 1.0, 1.0, 1.0))  # crop marks print on every plate


# --- reading the paint back ---------------------------------------------------------------------

@dataclass
class Paint:
    page: int
    kind: str  # "text", "fill" or "stroke"
    colour: tuple | None
    overprint: bool  # op for text and fills, OP for strokes
    mode: int  # OPM
    size: float  # text: font size; stroke: line width; fill: area (all in page units)


@dataclass
class _State:
    ctm: tuple = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    fill: tuple | None = ("gray", (0.0,))
    stroke: tuple | None = ("gray", (0.0,))
    OP: bool = False  # noqa: N815 (the PDF's names)
    op: bool = False
    OPM: int = 0  # noqa: N815
    width: float = 1.0
    font_size: float = 0.0

    def copy(self) -> "_State":
        return _State(**self.__dict__)


@dataclass
class _Text:
    matrix: tuple = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class _Path:
    area: float = 0.0
    parts: list = field(default_factory=list)


def _numbers(operands) -> tuple[float, ...]:
    return tuple(round(float(value), 4) for value in operands)


def _shows_glyphs(operator: str, operands) -> bool:
    if operator == "TJ":
        return any(isinstance(part, pikepdf.String) and len(bytes(part)) for part in operands[0])
    return len(bytes(operands[-1])) > 0


def paints(pdf: pikepdf.Pdf) -> list[Paint]:
    """Every paint of every page (forms included, as drawn), with the colour and overprint
    state it was painted in."""
    out: list[Paint] = []

    def walk(owner, resources, state: _State, page: int, depth: int = 0) -> None:
        stack: list[_State] = []
        text = _Text()
        path = _Path()
        states = resources.get("/ExtGState", {})
        for operands, op in pikepdf.parse_content_stream(owner):
            op = str(op)
            if op == "q":
                stack.append(state.copy())
            elif op == "Q":
                state = stack.pop()
            elif op == "cm":
                state.ctm = multiply(_numbers(operands), state.ctm)
            elif op == "gs":
                entries = states[operands[0]]
                if "/OP" in entries:
                    state.OP = bool(entries.OP)
                    state.op = bool(entries.get("/op", entries.OP))  # ISO 32000-1, table 58
                elif "/op" in entries:
                    state.op = bool(entries.op)
                if "/OPM" in entries:
                    state.OPM = int(entries.OPM)
            elif op in ("k", "K", "rg", "RG", "g", "G"):
                space = {"k": "cmyk", "rg": "rgb", "g": "gray"}[op.lower()]
                colour = (space, _numbers(operands))
                if op.islower():
                    state.fill = colour
                else:
                    state.stroke = colour
            elif op == "w":
                state.width = float(operands[0])
            elif op == "Tf":
                state.font_size = float(operands[1])
            elif op == "BT":
                text = _Text()
            elif op == "Tm":
                text.matrix = _numbers(operands)
            elif op in ("Tj", "TJ", "'", '"'):
                if _shows_glyphs(op, operands):
                    size = state.font_size * scale(text.matrix) * scale(state.ctm)
                    out.append(Paint(page, "text", state.fill, state.op, state.OPM, size))
            elif op == "re":
                x, y, w, h = _numbers(operands)
                path.area += abs(w * h) * scale(state.ctm) ** 2
            elif op in ("f", "F", "f*", "B", "B*", "b", "b*"):
                out.append(Paint(page, "fill", state.fill, state.op, state.OPM, path.area))
            if op in ("S", "s", "B", "B*", "b", "b*"):
                out.append(Paint(page, "stroke", state.stroke, state.OP, state.OPM,
                                 state.width * scale(state.ctm)))
            if op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
                path = _Path()
            if op == "Do":
                xobject = resources.get("/XObject", {}).get(operands[0])
                if xobject is not None and xobject.get("/Subtype") == "/Form" and depth < 8:
                    inner = state.copy()
                    if "/Matrix" in xobject:
                        inner.ctm = multiply(_numbers(xobject.Matrix), inner.ctm)
                    walk(xobject, xobject.get("/Resources", resources), inner, page, depth + 1)

    for number, page in enumerate(pdf.pages, 1):
        walk(page.obj, page.obj.get("/Resources", pikepdf.Dictionary()), _State(), number)
    return out


def inks(colour) -> int:
    space, values = colour
    assert space == "cmyk", colour
    return sum(1 for value in values if value > 0)


@pytest.fixture(scope="module")
def paints_2011(print_2011) -> list[Paint]:
    with pikepdf.open(io.BytesIO(print_2011.pdf)) as pdf:
        return paints(pdf)


@pytest.fixture(scope="module")
def paints_en(print_en) -> list[Paint]:
    with pikepdf.open(io.BytesIO(print_en.pdf)) as pdf:
        return paints(pdf)


# --- overprint -----------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["paints_2011", "paints_en"])
def test_pure_black_overprints_and_nothing_else_does(which, request):
    found = request.getfixturevalue(which)
    black = [p for p in found if p.colour == BLACK]
    other = [p for p in found if p.colour != BLACK]
    # not vacuous: body text, rules of other colours, white and coloured type are all there
    assert sum(p.kind == "text" for p in black) > 100
    assert {p.kind for p in other} >= {"text", "fill", "stroke"}
    wrong = [p for p in black if not p.overprint or p.mode != 1]
    assert not wrong, wrong[:5]
    wrong = [p for p in other if p.overprint]
    assert not wrong, wrong[:5]


def test_white_type_on_the_cover_band_knocks_out(paints_2011):
    reversed_type = [p for p in paints_2011 if p.page == 1 and p.kind == "text"
                     and p.colour == WHITE]
    assert len(reversed_type) >= 2  # title and subtitle
    assert not any(p.overprint for p in reversed_type)


def test_overprint_follows_the_colour_when_a_text_object_is_drawn_late():
    """A paragraph builds its text object, draws a background with the canvas meanwhile,
    and only then places the text: the stream's state is the text's after it."""
    from reportlab.lib.colors import CMYKColor

    buffer = io.BytesIO()
    canvas = BrochureCanvas(buffer, pagesize=(200, 200), enforceColorSpace="cmyk", invariant=1)
    accent = CMYKColor(0.71, 0, 0, 0.70)
    text = canvas.beginText(10, 100)
    text.setFillColor(CMYKColor(0, 0, 0, 1))
    text.textLine("black")
    canvas.setFillColor(accent)  # knocks out: written before the text's code
    canvas.rect(0, 0, 20, 20, stroke=0, fill=1)
    canvas.drawText(text)
    canvas.setFillColor(accent)  # after the black text: must knock out again
    canvas.rect(50, 0, 20, 20, stroke=0, fill=1)
    canvas.setStrokeColor(CMYKColor(0, 0, 0, 1))
    canvas.line(0, 50, 100, 50)
    canvas.setFillColor(CMYKColor(0, 0, 0, 1))
    canvas.rect(100, 0, 20, 20, stroke=0, fill=1)
    canvas.setStrokeColor(accent)  # a stroke state must not switch the fill's off
    canvas.rect(150, 0, 20, 20, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as pdf:
        found = [(p.kind, p.colour == BLACK, p.overprint) for p in paints(pdf)]
    assert found == [("fill", False, False), ("text", True, True), ("fill", False, False),
                     ("stroke", True, True), ("fill", True, True), ("fill", True, True)]


@pytest.mark.parametrize("fixture", ["screen_en", "archive_2011"])
def test_screen_and_archive_have_no_overprint(fixture, request):
    with pikepdf.open(io.BytesIO(request.getfixturevalue(fixture).pdf)) as pdf:
        for page in pdf.pages:
            for _, state in page.obj.get("/Resources", {}).get("/ExtGState", {}).items():
                assert "/OP" not in state and "/op" not in state


# --- fine detail ---------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["paints_2011", "paints_en"])
def test_fine_detail_is_in_one_or_two_inks(which, request):
    found = request.getfixturevalue(which)
    small_type = [p for p in found if p.kind == "text" and p.size < 12 and p.colour != BLACK]
    fine_rules = [p for p in found if p.kind == "stroke" and p.size < 1
                  and p.colour != REGISTRATION]
    assert small_type and fine_rules  # agenda numbers, bullets, grey type; table rules
    assert not [p for p in small_type if inks(p.colour) > 2]
    assert not [p for p in fine_rules if inks(p.colour) > 1]
    # the brand accent in two inks is among the small type (agenda numbers, bullets)
    assert any(inks(p.colour) == 2 for p in small_type)


def test_small_reversed_type_stands_on_a_ground_of_two_inks(paints_2011):
    cover = [p for p in paints_2011 if p.page == 1]
    band = max((p for p in cover if p.kind == "fill"), key=lambda p: p.size)
    assert inks(band.colour) <= 2
    kicker = [p for p in cover if p.kind == "text" and p.size < 12 and p.colour != BLACK
              and p.colour[1][3] == 0 and sum(p.colour[1]) < 0.2]
    assert kicker and all(inks(p.colour) <= 1 for p in kicker)


# --- logos ---------------------------------------------------------------------------------------

def _page_images(data: bytes, page: int) -> list[Image.Image]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found = []
        for _, xobject in pdf.pages[page - 1].obj.Resources.get("/XObject", {}).items():
            if xobject.get("/Subtype") == "/Image":
                found.append(pikepdf.PdfImage(xobject).as_pil_image())
        return found


def _dark_pixels_on_black_alone(image: Image.Image) -> tuple[int, int]:
    """(dark pixels, of them with any colour ink): dark is K at 90 % or more."""
    if image.mode == "L":
        return (sum(n for n, v in image.getcolors(1 << 24) if v <= 25), 0)
    assert image.mode == "CMYK", image.mode
    colours = image.getcolors(1 << 24)
    dark = [(n, px) for n, px in colours if px[3] >= 230]
    return sum(n for n, _ in dark), sum(n for n, px in dark if px[:3] != (0, 0, 0))


def test_the_2011_placeholder_logos_print_on_black_alone(print_2011):
    cover = sorted(_page_images(print_2011.pdf, 1), key=lambda im: im.width * im.height)
    logos = cover[:-1]  # the largest is the cover picture
    assert len(logos) == 2
    for logo in logos:
        assert logo.mode in ("L", "CMYK")
        if logo.mode == "CMYK":  # grey artwork: no colour ink anywhere
            c, m, y, k = logo.split()
            assert c.getextrema() == m.getextrema() == y.getextrema() == (0, 0)
            assert k.getextrema()[1] >= 230  # the lettering is black, not washed out


def test_the_english_logos_print_their_black_on_black_alone(print_en):
    logos = _page_images(print_en.pdf, 1)
    assert len(logos) == 2
    dark = [_dark_pixels_on_black_alone(logo) for logo in logos]
    assert sum(n for n, _ in dark) > 1000  # Open Shelf's lettering
    assert all(coloured == 0 for _, coloured in dark)


def strip(colours) -> Image.Image:
    im = Image.new("RGB", (len(colours), 1))
    im.putdata(colours)
    return im


def test_a_grey_image_separates_on_black_alone_with_the_profiles_black():
    greys = [(v, v, v) for v in (0, 39, 60, 128, 170, 230, 255)]
    out = separate(strip(greys), artwork=False)  # even a photograph, when it is all grey
    profile = to_cmyk(strip(greys))
    for x in range(len(greys)):
        c, m, y, k = out.getpixel((x, 0))
        assert (c, m, y) == (0, 0, 0)
        assert k == profile.getpixel((x, 0))[3]  # the tone the profile gives that grey


def test_artwork_keeps_its_colours_and_puts_its_greys_on_black():
    colours = [(39, 39, 39), (0, 120, 118), (232, 163, 23), (255, 255, 255)]
    out = separate(strip(colours), artwork=True)
    profile = to_cmyk(strip(colours))
    assert out.getpixel((0, 0))[:3] == (0, 0, 0)
    assert out.getpixel((1, 0)) == profile.getpixel((1, 0))
    assert out.getpixel((2, 0)) == profile.getpixel((2, 0))


def test_a_colour_photographs_greys_keep_the_profiles_separation():
    colours = [(60, 60, 60), (90, 120, 150)]
    out = separate(strip(colours), artwork=False)
    assert out.tobytes() == to_cmyk(strip(colours)).tobytes()


def _cmyk_placement(pixels: list[tuple[int, int, int, int]], size=(100, 10)) -> Placement:
    image = Image.new("CMYK", size, (0, 0, 0, 0))
    image.putdata(pixels + [(0, 0, 0, 0)] * (size[0] * size[1] - len(pixels)))
    data = io.BytesIO()
    image.save(data, format="TIFF", compression="tiff_deflate")
    return Placement(None, 10, 1, 300, data.getvalue())


def test_four_ink_black_is_found_on_more_than_a_few_pixels():
    rich = (60, 50, 40, 250)
    assert four_ink_black(_cmyk_placement([rich] * 20))
    assert not four_ink_black(_cmyk_placement([(0, 0, 0, 255)] * 500))  # K only
    assert not four_ink_black(_cmyk_placement([(10, 8, 0, 250)] * 500))  # a touch of colour
    assert not four_ink_black(_cmyk_placement([rich]))  # one dark edge pixel among a thousand


LOGO_EVENT = """\
event:
  id: kd-logo
  title: Titel
  date: 2011-04-07
  venue: Zaal
  city: Utrecht
  language: nl
  organisers:
    - name: Organisator
      logo: {logo}
"""
LOGO_LINE = 10


def _lettering(mode: str, ink) -> Image.Image:
    from PIL import ImageDraw

    logo = Image.new(mode, (600, 200), {"L": 255, "RGB": (255, 255, 255),
                                        "CMYK": (0, 0, 0, 0)}[mode])
    draw = ImageDraw.Draw(logo)
    for x in range(40, 560, 60):  # heavy strokes, as a wordmark's letters
        draw.rectangle((x, 40, x + 30, 160), fill=ink)
    return logo


@pytest.mark.parametrize("mode, ink, name, warned", [
    ("RGB", (25, 30, 35), "logo.png", True),  # a designer's blue-black, as many logos have
    ("CMYK", (150, 120, 100, 250), "logo.jpg", True),  # the shop's CMYK goes to press as is
    ("RGB", (0, 0, 0), "logo.png", False),  # black artwork: a grey, on black alone
    ("L", 0, "logo.png", False),  # a grey logo prints on black alone
])
def test_a_users_logo_with_four_ink_black_is_pointed_out_at_its_line(tmp_path, mode, ink,
                                                                     name, warned):
    _lettering(mode, ink).save(tmp_path / name, quality=95)
    (tmp_path / "event.yaml").write_text(LOGO_EVENT.format(logo=name), encoding="utf-8")
    loaded = load(tmp_path / "event.yaml")
    printed = render(loaded, PROFILES["print"], "a5")
    messages = [(w.line, w.message) for w in printed.warnings]
    expected = (LOGO_LINE, f"warning: '{name}' prints its black in four inks; ask the "
                           f"designer for a logo with pure black (K only)")
    assert (expected in messages) is warned, messages
    if warned:  # the screen is not the press: it never says so
        assert not render(loaded, PROFILES["screen"], "a5").warnings
