"""The inks a press page prints with: what each mark is made of, and the page's total area coverage.

A print shop's preflight looks at the plates, not at the picture: text and rules too fine to
print in register on four plates, black that knocks a white halo out of what lies under it,
hairlines the press cannot hold, artwork that stops at the trim, and the total area coverage
(TAC: the four inks summed) the paper can carry. The preflight's one walk over the drawing
(preflight._Reader) hands every drawing operator to a `PageInks` here, which keeps the
graphics state that matters to ink (colour, overprint, line width, text, clip) and answers
with a `PageSummary`; the verdicts are preflight's.

The TAC is found by compositing what reaches the paper (the BleedBox) on a CMYK raster
(`Raster`, 8 bits a plate as a separation has) in painting order, overprint modelled: with
/op or /OP true and /OPM 1 a DeviceCMYK paint leaves the plates whose component is zero as
they were, with /OPM 0 it paints all four; DeviceGray overprinting paints the black plate
alone (as Ghostscript and Acrobat do); with overprint off every plate is knocked out. 150 dpi
on the grid a renderer of the whole page uses, pictures sampled at each cell's centre: the
resolution and sampling of Ghostscript's `tiffsep`, which the tests hold it to (±2 points);
finer costs time (an A5 page with bleed is 1.2 million cells) and finds no more ink, coarser
would let fine type fall between cells. Text and stencil masks are "detail": the highest TAC
they print over their box is kept beside the plates, which keep what shows between the
letters, until opaque paint covers the box. Registration marks, shadings and patterns are
left out (the last two said so as "unmeasured"). Every cell painted and every pixel decoded
is charged to pdfin's Budget, so a hostile page is "too complex to check", not a long wait.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from dataclasses import dataclass, replace

from . import pdfin
from .pdfin import Budget, TooComplex, Unexpected
from .units import MM

RASTER_DPI = 150.0
# A page larger than this many cells at RASTER_DPI is rastered coarser: an A3 sheet with
# bleed is 4.4 million cells; six million CMYK cells are 24 MB.
MAX_RASTER_CELLS = 6_000_000
# Raster work is charged to the Budget's operations: one for each CELL_COST cells painted
# (a full A5 page is about 600), so that a file painting the whole page 50,000 times is too
# complex to check, not a ten-minute wait.
CELL_COST = 2048
# Decoded images kept while a file is read, so that a picture drawn on every page is decoded once.
IMAGE_CACHE_PIXELS = 40_000_000

# Shop practice (not a standard): fine detail printed in one ink, or two, stays sharp when
# the plates are a hair out of register.
FINE_TEXT_PT = 12.0
FINE_TEXT_INKS = 2
FINE_RULE_PT = 1.0
FINE_RULE_INKS = 1
HAIRLINE_PT = 0.125  # thinner breaks up on a plate, or vanishes
BLEED_NEEDED = 3 * MM  # artwork at the trim runs this far past it
DEFAULT_INK_LIMIT = 300  # percent: FOGRA39 coated offset, when a file does not say its own
INK_PRESENT = 0.005  # a component under half a percent prints nothing
EDGE = 0.5  # points: how close to the trim counts as touching it
FAR = 1e6  # cells: as far off the raster as a coordinate is taken to be

Box = tuple[float, float, float, float]
Colour = tuple[float, float, float, float]  # CMYK, 0–1
IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
EMPTY: Box = (0.0, 0.0, 0.0, 0.0)  # a clip that shows nothing
BLACK: Colour = (0.0, 0.0, 0.0, 1.0)
# Operators a PageInks reads; q, Q, cm, Do and inline images are the walk's own.
OPERATORS = frozenset(
    "m l c v y h re n f F f* S s B B* b b* W W* k K g G rg RG sc scn SC SCN cs CS w gs "
    "BT ET Td TD Tm T* Tj TJ ' \" Tc Tw Tz TL Tf Ts Tr sh".split())
_LIMIT = re.compile(r"(\d{3})\s*%")


def multiply(m: tuple, n: tuple) -> tuple:
    """m × n for PDF matrices [a b c d e f] (m applied first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def apply(m: tuple, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def scale(m: tuple) -> float:
    """How much m enlarges a length, on average over directions."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def bounds(points) -> Box | None:
    points = list(points)
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def intersect(a: Box | None, b: Box | None) -> Box | None:
    if a is None or b is None:
        return a if b is None else b if a is None else None
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def inks(colour: Colour | None) -> int:
    return 0 if colour is None else sum(1 for c in colour if c > INK_PRESENT)


def described(colour: Colour) -> str:
    """C88 M45 Y25 K42, the way a printer names a build."""
    parts = [f"{name}{round(value * 100)}" for name, value in zip("CMYK", colour)
             if value > INK_PRESENT]
    return " ".join(parts) or "white"


def is_black(colour: Colour | None) -> bool:
    return colour is not None and colour[3] >= 0.995 and max(colour[:3]) <= INK_PRESENT


def is_registration(colour: Colour | None) -> bool:
    """Crop and fold marks print on every plate at full strength."""
    return colour is not None and min(colour) >= 0.995


def ink_limit_stated(pdf) -> int | None:
    """The total ink limit an output intent states in words (our own builds write "total ink
    limit 300 %" in its /Info), or None."""
    import pikepdf

    try:
        intents = pdf.Root.get("/OutputIntents")
        for intent in intents if isinstance(intents, pikepdf.Array) else ():
            if not isinstance(intent, pikepdf.Dictionary):
                continue
            for key in ("/Info", "/OutputCondition"):
                text = intent.get(key)
                found = _LIMIT.search(str(text)[:500]) if isinstance(text, pikepdf.String) else None
                if found and 150 <= int(found.group(1)) <= 400:
                    return int(found.group(1))
    except pdfin.MALFORMED:
        return None
    return None


# --- what a page shows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PageSummary:
    """What one page prints with, as the verdicts need it; "" or () where nothing was found.
    Each text is the first example on the page, in a printer's words."""

    number: int
    blank: bool  # nothing with ink inside the trim
    knockout_black: str = ""  # 100 % K text or rules that knock out
    fine_text: str = ""  # text under 12 pt in more than two inks
    fine_rules: str = ""  # strokes under 1 pt in more than one ink (registration excepted)
    hairlines: str = ""  # strokes under 0.125 pt
    short_bleed: tuple[str, ...] = ()  # trim sides where artwork stops short of 3 mm bleed
    max_tac: float | None = None  # percent; None: not measured
    unmeasured: str = ""  # what the TAC could not include (a shading, an RGB picture …)


@dataclass
class State:
    """The graphics state as far as ink goes; copied on q, restored on Q."""

    ctm: tuple = IDENTITY
    clip: Box | None = None  # page space; None: the whole page
    fill: Colour | None = BLACK  # None: a colour whose inks cannot be known here
    stroke: Colour | None = BLACK
    fill_space: str = "DeviceGray"
    stroke_space: str = "DeviceGray"
    line_width: float = 1.0
    fill_overprint: bool = False
    stroke_overprint: bool = False
    overprint_mode: int = 0
    font: object = None  # _Metrics
    font_size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    horizontal: float = 1.0
    leading: float = 0.0
    rise: float = 0.0
    render: int = 0

    def copy(self) -> State:
        return replace(self)

    def keeps(self, space: str, colour: Colour | None, stroke: bool) -> tuple[bool, ...]:
        """Which plates a paint leaves as they were: none when it knocks out."""
        overprint = self.stroke_overprint if stroke else self.fill_overprint
        if not overprint or colour is None:
            return (False,) * 4
        if space == "DeviceGray":  # as Ghostscript and Acrobat: grey overprints on black alone
            return (True, True, True, False)
        if space == "DeviceCMYK" and self.overprint_mode == 1:
            return tuple(c <= 0.0 for c in colour)
        return (False,) * 4


@dataclass
class _Metrics:
    widths: dict
    default: float  # glyph space units (thousandths of an em)
    two_byte: bool
    ascent: float
    descent: float


class PageInks:
    """One page's drawing, operator by operator: the marks the rules judge, and (raster) the
    composited plates for the total area coverage."""

    def __init__(self, number: int, trim: Box | None, bleed: Box | None, media: Box,
                 budget: Budget, *, raster: bool, images: dict, fonts: dict) -> None:
        self.number = number
        self.trim = trim or media
        self.printed = bleed or self.trim  # what reaches the paper after trimming
        self.budget = budget
        self.raster = Raster(self.printed, media, budget) if raster else None
        self.images = images  # shared over the file: objgen → decoded CMYK picture or None
        self.subpaths: list[list[tuple[float, float]]] = []
        self.pending_clip = False
        self.text_matrix = IDENTITY
        self.line_matrix = IDENTITY
        self.inked = False
        self.knockout_black = ""
        self.fine_text = ""
        self.fine_rules = ""
        self.hairlines = ""
        self.short_bleed: set[str] = set()
        self.unmeasured = ""
        self._fonts = fonts  # shared over the file: font → _Metrics

    def summary(self) -> PageSummary:
        tac = None
        if self.raster is not None:
            tac = self.raster.maximum()
        sides = tuple(side for side in ("left", "right", "bottom", "top")
                      if side in self.short_bleed)
        return PageSummary(self.number, not self.inked, self.knockout_black, self.fine_text,
                           self.fine_rules, self.hairlines, sides, tac, self.unmeasured)

    # --- operators ------------------------------------------------------------------------------

    def operate(self, state: State, op: str, operands, resources) -> None:
        if op in ("m", "l", "c", "v", "y", "h", "re"):
            self._path(state, op, operands)
        elif op in ("n", "f", "F", "f*", "S", "s", "B", "B*", "b", "b*"):
            self._paint(state, op)
        elif op in ("W", "W*"):
            self.pending_clip = True
        elif op in ("k", "K", "g", "G", "rg", "RG", "sc", "scn", "SC", "SCN", "cs", "CS"):
            self._colour(state, op, operands, resources)
        elif op == "w" and operands:
            state.line_width = pdfin.number(operands[0], "line width (w)")
        elif op == "gs" and operands:
            self._ext_gstate(state, operands[0], resources)
        elif op == "sh":
            self._unmeasured("a shading (sh)")
            self._mark(state.clip or self.printed, None)
        else:
            self._text(state, op, operands, resources)

    # --- paths ------------------------------------------------------------------------------------

    def _path(self, state: State, op: str, operands) -> None:
        values = [pdfin.number(v, f"path ({op})") for v in operands]
        needed = {"m": 2, "l": 2, "c": 6, "v": 4, "y": 4, "h": 0, "re": 4}[op]
        if len(values) < needed:
            raise Unexpected(f"a path operator ({op}) lacks its numbers")
        ctm = state.ctm
        if op == "re":
            x, y, w, h = values[:4]
            corner = apply(ctm, x, y)
            self.subpaths.append([corner, apply(ctm, x + w, y), apply(ctm, x + w, y + h),
                                  apply(ctm, x, y + h), corner])
            return
        if op == "m" or not self.subpaths:
            self.subpaths.append([apply(ctm, *values[:2])] if op == "m" else
                                 [apply(ctm, 0, 0)])
            if op == "m":
                return
        current = self.subpaths[-1]
        if op == "h":
            if len(current) > 1 and current[-1] != current[0]:
                current.append(current[0])
        elif op == "l":
            current.append(apply(ctm, *values[:2]))
        elif op in ("c", "v", "y"):
            start = current[-1]
            if op == "c":
                p1, p2, p3 = (apply(ctm, *values[i:i + 2]) for i in (0, 2, 4))
            elif op == "v":
                p1, p2, p3 = start, apply(ctm, *values[0:2]), apply(ctm, *values[2:4])
            else:
                p1 = apply(ctm, *values[0:2])
                p2 = p3 = apply(ctm, *values[2:4])
            for step in range(1, 9):  # eight chords: enough for bounds and a coarse raster
                t = step / 8
                u = 1 - t
                current.append((u ** 3 * start[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0]
                                + t ** 3 * p3[0],
                                u ** 3 * start[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1]
                                + t ** 3 * p3[1]))
        if sum(len(s) for s in self.subpaths) > pdfin.MAX_STREAM_TOKENS:
            raise TooComplex("a path of more than "
                             f"{pdfin.MAX_STREAM_TOKENS:,} points")

    def _paint(self, state: State, op: str) -> None:
        subpaths, self.subpaths = self.subpaths, []
        box = bounds(p for s in subpaths for p in s)
        if op != "n" and box is not None:
            fill = op in ("f", "F", "f*", "B", "B*", "b", "b*")
            stroke = op in ("S", "s", "B", "B*", "b", "b*")
            if fill:
                # each piece on its own: one path may hold marks far apart
                for piece in subpaths:
                    self._mark(intersect(bounds(piece), state.clip), state.fill, edges=True)
                if state.fill is None:
                    self._unmeasured(f"a fill in {state.fill_space}")
                if self.raster is not None and intersect(box, state.clip) is not None:
                    self.raster.fill(subpaths, state.fill, state.keeps(state.fill_space,
                                                                       state.fill, False),
                                     state.clip, even_odd=op.endswith("*"))
            if stroke:
                self._stroke(state, subpaths, box)
        if self.pending_clip:
            self.pending_clip = False
            state.clip = (intersect(state.clip, box) or EMPTY) if box else EMPTY

    def _stroke(self, state: State, subpaths, box: Box) -> None:
        width = state.line_width * scale(state.ctm)
        half = max(width, 0.1) / 2  # a 0 pt line still prints, a device pixel wide
        colour = state.stroke
        if colour is None:
            self._unmeasured(f"a line in {state.stroke_space}")
        printed = False
        for piece in subpaths:  # crop marks are one path around the page, outside the trim
            x0, y0, x1, y1 = bounds(piece)
            painted = intersect((x0 - half, y0 - half, x1 + half, y1 + half), state.clip)
            self._mark(painted, colour, edges=True)
            printed = printed or intersect(painted, self.printed) is not None
        grown = (box[0] - half, box[1] - half, box[2] + half, box[3] + half)
        painted = intersect(grown, state.clip)
        keeps = state.keeps(state.stroke_space, colour, True)
        # Registration marks print on every plate by design: no part of the artwork's ink.
        if self.raster is not None and painted is not None and not is_registration(colour):
            self.raster.stroke(subpaths, max(width, 72 / RASTER_DPI), colour, keeps,
                               state.clip)
        if not printed or not inks(colour):
            return
        what = f"{width:.2g} pt rule" if width > 0 else "0 pt rule (the thinnest line a " \
                                                        "device draws)"
        if width < HAIRLINE_PT and not self.hairlines:
            self.hairlines = what
        if width < FINE_RULE_PT and inks(colour) > FINE_RULE_INKS and \
                not is_registration(colour) and not self.fine_rules:
            self.fine_rules = f"{what} in {inks(colour)} inks ({described(colour)})"
        if is_black(colour) and not any(keeps) and not self.knockout_black:
            self.knockout_black = f"a {what}"

    def _mark(self, painted: Box | None, colour: Colour | None, *, edges: bool = False) -> None:
        """Something printed over painted (page space): a page with ink is not blank, and
        artwork that reaches the trim must run on into the bleed."""
        if painted is None or (colour is not None and not inks(colour)):
            return
        trim = self.trim
        inside = intersect(painted, trim)
        if inside is None:
            return
        self.inked = True
        if not edges:
            return
        for side, reaches, short in (
                ("left", painted[0] <= trim[0] + EDGE, painted[0] > trim[0] - BLEED_NEEDED + EDGE),
                ("bottom", painted[1] <= trim[1] + EDGE, painted[1] > trim[1] - BLEED_NEEDED + EDGE),
                ("right", painted[2] >= trim[2] - EDGE, painted[2] < trim[2] + BLEED_NEEDED - EDGE),
                ("top", painted[3] >= trim[3] - EDGE, painted[3] < trim[3] + BLEED_NEEDED - EDGE)):
            if reaches and short:
                self.short_bleed.add(side)

    def _unmeasured(self, what: str) -> None:
        if self.raster is not None and not self.unmeasured:
            self.unmeasured = what

    # --- colour -----------------------------------------------------------------------------------

    def _colour(self, state: State, op: str, operands, resources) -> None:
        stroke = op.isupper()
        if op in ("cs", "CS"):
            space = _family(operands[0], resources) if operands else "unknown"
            colour = {"DeviceCMYK": BLACK, "DeviceGray": BLACK, "ICCBased(4)": BLACK,
                      "ICCBased(1)": BLACK}.get(space)
        else:
            numbers = [pdfin.number(v, f"colour ({op})") for v in operands
                       if not _is_name(v)]
            space = {"k": "DeviceCMYK", "g": "DeviceGray", "rg": "DeviceRGB"}.get(op.lower())
            if space is None:
                space = state.stroke_space if stroke else state.fill_space
            colour = _cmyk(space, numbers)
        if stroke:
            state.stroke, state.stroke_space = colour, space
        else:
            state.fill, state.fill_space = colour, space

    def _ext_gstate(self, state: State, name, resources) -> None:
        import pikepdf

        if not isinstance(name, pikepdf.Name):
            raise Unexpected("a graphics state is chosen (gs) by something that is not a name")
        states = pdfin.dictionary(resources.get("/ExtGState"), "ExtGState")
        chosen = states.get(name)
        if chosen is None:
            return
        chosen = pdfin.dictionary(chosen, f"graphics state {name}")
        if "/OP" in chosen:
            state.stroke_overprint = bool(chosen.OP) if isinstance(chosen.OP, bool) else False
            if "/op" not in chosen:  # /op takes /OP's value when the file gives none
                state.fill_overprint = state.stroke_overprint
        if "/op" in chosen:
            state.fill_overprint = bool(chosen.op) if isinstance(chosen.op, bool) else False
        if "/OPM" in chosen:
            state.overprint_mode = 1 if chosen.OPM == 1 else 0
        if "/LW" in chosen:
            state.line_width = pdfin.number(chosen.LW, f"graphics state {name} /LW")

    # --- text -------------------------------------------------------------------------------------

    def _text(self, state: State, op: str, operands, resources) -> None:
        numbers = lambda: [pdfin.number(v, f"text ({op})") for v in operands]  # noqa: E731
        if op == "BT":
            self.text_matrix = self.line_matrix = IDENTITY
        elif op == "Tc" and operands:
            state.char_spacing = numbers()[0]
        elif op == "Tw" and operands:
            state.word_spacing = numbers()[0]
        elif op == "Tz" and operands:
            state.horizontal = numbers()[0] / 100
        elif op == "TL" and operands:
            state.leading = numbers()[0]
        elif op == "Ts" and operands:
            state.rise = numbers()[0]
        elif op == "Tr" and operands:
            state.render = int(numbers()[0])
        elif op == "Tf" and len(operands) >= 2:
            state.font = self._metrics(operands[0], resources)
            state.font_size = pdfin.number(operands[1], "font size (Tf)")
        elif op in ("Td", "TD") and len(operands) >= 2:
            tx, ty = numbers()[:2]
            if op == "TD":
                state.leading = -ty
            self.line_matrix = self.text_matrix = multiply((1, 0, 0, 1, tx, ty), self.line_matrix)
        elif op == "Tm" and len(operands) >= 6:
            self.line_matrix = self.text_matrix = tuple(numbers()[:6])
        elif op == "T*":
            self._next_line(state)
        elif op in ("Tj", "'", '"', "TJ") and operands:
            if op == "'":
                self._next_line(state)
            if op == '"' and len(operands) >= 3:
                state.word_spacing, state.char_spacing = numbers()[:2]
                self._next_line(state)
            self._show(state, operands[-1])

    def _next_line(self, state: State) -> None:
        self.line_matrix = self.text_matrix = multiply((1, 0, 0, 1, 0, -state.leading),
                                                       self.line_matrix)

    def _show(self, state: State, shown) -> None:
        import pikepdf

        metrics = state.font or _Metrics({}, 500, False, 800, -200)
        size, h = state.font_size, state.horizontal
        advance = 0.0
        items = list(shown) if isinstance(shown, pikepdf.Array) else [shown]
        for item in items:
            if isinstance(item, (bytes, pikepdf.String)):
                data = bytes(item)
                widths, default = metrics.widths, metrics.default
                if metrics.two_byte:
                    codes = [int.from_bytes(data[i:i + 2], "big")
                             for i in range(0, len(data) - 1, 2)]
                    spaces = 0  # word spacing applies to the single byte 32 only
                else:
                    codes, spaces = data, data.count(32)
                glyphs = sum(widths.get(code, default) for code in codes)
                advance += (glyphs / 1000 * size + len(codes) * state.char_spacing
                            + spaces * state.word_spacing) * h
            elif isinstance(item, (int, float, Decimal)) and not isinstance(item, bool):
                advance -= float(item) / 1000 * size * h
        if state.render in (3, 7) or advance == 0.0:
            self.text_matrix = multiply((1, 0, 0, 1, advance, 0), self.text_matrix)
            return
        low, high = state.rise + metrics.descent / 1000 * size, \
            state.rise + metrics.ascent / 1000 * size
        matrix = multiply(self.text_matrix, state.ctm)
        corners = [apply(matrix, x, y) for x, y in ((0, low), (advance, low),
                                                    (advance, high), (0, high))]
        self.text_matrix = multiply((1, 0, 0, 1, advance, 0), self.text_matrix)
        stroked = state.render in (1, 5)
        colour = state.stroke if stroked else state.fill
        space = state.stroke_space if stroked else state.fill_space
        if colour is None:
            self._unmeasured(f"text in {space}")
        painted = intersect(bounds(corners), state.clip)
        self._mark(painted, colour)
        if painted is None or intersect(painted, self.printed) is None:
            return
        points = size * math.hypot(matrix[2], matrix[3]) if size else 0.0
        keeps = state.keeps(space, colour, stroked)
        if inks(colour) > FINE_TEXT_INKS and points < FINE_TEXT_PT and not self.fine_text:
            self.fine_text = f"{points:.3g} pt text in {inks(colour)} inks ({described(colour)})"
        if is_black(colour) and not any(keeps) and not self.knockout_black:
            self.knockout_black = f"{points:.3g} pt text"
        if self.raster is not None:
            self.raster.detail([corners], colour, keeps, state.clip)

    def _metrics(self, name, resources) -> _Metrics | None:
        import pikepdf

        font = pdfin.dictionary(resources.get("/Font"), "Font").get(name)
        if not isinstance(font, pikepdf.Dictionary):
            return None
        key = font.objgen
        if key == (0, 0):  # a direct font dictionary: no name to remember it by
            return _read_metrics(font)
        if key not in self._fonts:
            if len(self._fonts) > 10_000:
                self._fonts.clear()
            self._fonts[key] = _read_metrics(font)
        return self._fonts[key]

    # --- images -----------------------------------------------------------------------------------

    def image(self, state: State, key, image, *, mask: bool, space: str) -> None:
        """An image drawn in the unit square of the CTM; key names it for the file's cache,
        image is the pikepdf image object (an XObject or an inline image)."""
        corners = [apply(state.ctm, x, y) for x, y in ((0, 0), (1, 0), (1, 1), (0, 1))]
        painted = intersect(bounds(corners), state.clip)
        if mask:  # a stencil: the fill colour through its holes
            self._mark(painted, state.fill)
            if self.raster is not None and painted is not None:
                self.raster.detail([corners], state.fill,
                                   state.keeps(state.fill_space, state.fill, False), state.clip)
            return
        self._mark(painted, None, edges=True)
        if self.raster is None or painted is None or \
                intersect(painted, self.printed) is None:
            return
        picture = self.images.get(key, False) if key is not None else False
        if picture is False:
            picture = _decoded(image, space, self.budget)
            if key is not None:
                self.images[key] = picture
                _trim_cache(self.images)
        if isinstance(picture, str):
            self._unmeasured(picture)
            return
        self.raster.image(picture, state.ctm, state.clip)


def _is_name(value) -> bool:
    import pikepdf

    return isinstance(value, pikepdf.Name)


def _family(value, resources) -> str:
    import pikepdf

    if isinstance(value, pikepdf.Name):
        name = str(value)
        if name in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray", "/Pattern"):
            return name[1:]
        value = pdfin.dictionary(resources.get("/ColorSpace"), "ColorSpace").get(name)
        if value is None:
            return name[1:]
    if isinstance(value, pikepdf.Name):
        return str(value)[1:]
    if isinstance(value, pikepdf.Array) and len(value):
        family = str(value[0])[1:]
        if family == "ICCBased" and len(value) > 1 and isinstance(value[1], pikepdf.Stream):
            n = value[1].get("/N")
            return f"ICCBased({n})" if isinstance(n, int) else "ICCBased"
        return family
    return "unknown"


def _cmyk(space: str, numbers: list[float]) -> Colour | None:
    clamp = lambda v: min(1.0, max(0.0, v))  # noqa: E731
    if space in ("DeviceCMYK", "ICCBased(4)") and len(numbers) >= 4:
        return tuple(clamp(v) for v in numbers[:4])
    if space in ("DeviceGray", "ICCBased(1)") and numbers:
        return (0.0, 0.0, 0.0, 1 - clamp(numbers[0]))
    return None


def _read_metrics(font) -> _Metrics:
    """Advance widths of a simple or composite font, and its height: enough to know where
    a run of text prints."""
    import pikepdf

    widths: dict[int, float] = {}
    default = 500.0
    two_byte = font.get("/Subtype") == "/Type0"
    target = font
    if two_byte:
        descendants = pdfin.array(font.get("/DescendantFonts"), "DescendantFonts")
        target = descendants[0] if descendants and \
            isinstance(descendants[0], pikepdf.Dictionary) else pikepdf.Dictionary()
        default = pdfin.number(target.get("/DW", 1000), "font DW")
        listed = pdfin.array(target.get("/W"), "font W")[:20_000]
        i = 0
        while i + 1 < len(listed):
            first = pdfin.number(listed[i], "font W")
            if isinstance(listed[i + 1], pikepdf.Array):
                for offset, w in enumerate(list(listed[i + 1])[:65_536]):
                    widths[int(first) + offset] = pdfin.number(w, "font W")
                i += 2
            elif i + 2 < len(listed):
                last = int(pdfin.number(listed[i + 1], "font W"))
                w = pdfin.number(listed[i + 2], "font W")
                for code in range(int(first), min(last, int(first) + 65_536) + 1):
                    widths[code] = w
                i += 3
            else:
                break
    else:
        first = font.get("/FirstChar", 0)
        first = int(first) if isinstance(first, int) else 0
        factor = 1.0
        if font.get("/Subtype") == "/Type3":  # glyph space is the font's own
            matrix = font.get("/FontMatrix")
            if isinstance(matrix, pikepdf.Array) and len(matrix) == 6:
                factor = pdfin.number(matrix[0], "FontMatrix") * 1000
        for offset, w in enumerate(pdfin.array(font.get("/Widths"), "font Widths")[:256]):
            widths[first + offset] = (float(w) if isinstance(w, (int, Decimal)) and
                                      not isinstance(w, bool) else
                                      pdfin.number(w, "font Widths")) * factor
    descriptor = target.get("/FontDescriptor")
    ascent, descent = 800.0, -200.0
    if isinstance(descriptor, pikepdf.Dictionary):
        if "/MissingWidth" in descriptor and not two_byte:
            default = pdfin.number(descriptor.MissingWidth, "MissingWidth")
        ascent = pdfin.number(descriptor.get("/Ascent", 800), "font Ascent") or 800.0
        descent = pdfin.number(descriptor.get("/Descent", -200), "font Descent")
    return _Metrics(widths, default, two_byte, ascent, min(descent, 0.0))


def _decoded(image, space: str, budget: Budget):
    """The picture as a Pillow CMYK image, or what keeps its inks from being known here (an
    RGB, Lab or spot colour picture, one too large). Charged to the budget by its pixels."""
    import pikepdf
    from PIL import Image

    width, height = (image.get("/Width", 0), image.get("/Height", 0)) \
        if isinstance(image, pikepdf.Stream) else (getattr(image, "width", 0),
                                                    getattr(image, "height", 0))
    if not isinstance(width, int) or not isinstance(height, int):
        return "an image without a proper size"
    if width * height * 4 > pdfin.MAX_IMAGE_BYTES:  # held as CMYK, four bytes a pixel
        return f"an image of more than {pdfin.MAX_IMAGE_BYTES // 4 // 1_000_000} megapixels"
    budget.charge(width * height // CELL_COST)
    unknown = f"an image in {space}"
    if space not in ("DeviceCMYK", "ICCBased(4)", "DeviceGray", "ICCBased(1)",
                     "Indexed(DeviceCMYK)", "Indexed(DeviceGray)"):
        return unknown
    try:
        wrapped = pikepdf.PdfImage(image) if isinstance(image, pikepdf.Stream) else image
        picture = wrapped.as_pil_image()
        picture.load()
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001  an image pikepdf cannot decode: the TAC goes without it
        return f"an image that cannot be decoded here ({space})"
    if picture.mode == "CMYK":
        return picture
    if picture.mode in ("L", "1"):
        black = Image.eval(picture.convert("L"), lambda v: 255 - v)
        empty = Image.new("L", picture.size, 0)
        return Image.merge("CMYK", (empty, empty, empty, black))
    return unknown


def _trim_cache(images: dict) -> None:
    total = 0
    for key in reversed(list(images)):
        picture = images[key]
        total += 0 if isinstance(picture, str) else picture.size[0] * picture.size[1]
        if total > IMAGE_CACHE_PIXELS:
            del images[key]


# --- the plates ------------------------------------------------------------------------------------

class Raster:
    """The printed area (the BleedBox) as CMYK cells at RASTER_DPI, 8 bits a plate as a
    separation is; plus a detail layer (text, stencils) holding the highest TAC printed in
    each cell, which paint laid over it later clears."""

    def __init__(self, area: Box, media: Box, budget: Budget) -> None:
        """area: what is measured (the BleedBox); its cells are on the grid a renderer of
        the whole page (the MediaBox, from its top left corner) would use."""
        from PIL import Image

        self.budget = budget
        width_in, height_in = (area[2] - area[0]) / 72, (area[3] - area[1]) / 72
        dpi = RASTER_DPI
        if width_in * height_in * dpi * dpi > MAX_RASTER_CELLS:
            dpi = math.sqrt(MAX_RASTER_CELLS / max(width_in * height_in, 1e-9))
        self.scale = s = dpi / 72
        left, top = math.floor((area[0] - media[0]) * s), math.floor((media[3] - area[3]) * s)
        right, bottom = math.ceil((area[2] - media[0]) * s), math.ceil((media[3] - area[1]) * s)
        # (x, y) in points → cells: x·s − ox, oy − y·s
        self.origin = (media[0] * s + left, media[3] * s - top)
        self.size = (max(1, right - left), max(1, bottom - top))
        self.plates = Image.new("CMYK", self.size, (0, 0, 0, 0))
        self.dirty: tuple[int, int, int, int] | None = None  # the cells painted so far
        self.details: list[tuple[tuple[int, int, int, int], int]] = []  # (cells, TAC in 255ths)

    def _cells(self, points) -> list[tuple[float, float]]:
        # Far outside the page only the direction matters: Pillow takes no coordinate past
        # a C long.
        (ox, oy), s = self.origin, self.scale
        return [(min(FAR, max(-FAR, x * s - ox)), min(FAR, max(-FAR, oy - y * s)))
                for x, y in points]

    def _box(self, cells, clip: Box | None) -> tuple[int, int, int, int] | None:
        box = bounds(cells)
        if box is None:
            return None
        if clip is not None:
            clipped = self._cells([(clip[0], clip[3]), (clip[2], clip[1])])
            box = intersect(box, (clipped[0][0], clipped[0][1], clipped[1][0], clipped[1][1]))
            if box is None:
                return None
        left, top = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
        right, bottom = min(self.size[0], math.ceil(box[2])), min(self.size[1], math.ceil(box[3]))
        if right <= left or bottom <= top:
            return None
        self.budget.charge((right - left) * (bottom - top) // CELL_COST)
        return left, top, right, bottom

    def _mask(self, polygons, box, even_odd: bool = False, width: float = 0.0):
        """A mask over box of the polygons (outlines of width cells when width), or None
        when the shape is one rectangle filling the box."""
        from PIL import Image, ImageChops, ImageDraw

        left, top = box[0], box[1]
        shapes = [[(x - left, y - top) for x, y in polygon] for polygon in polygons
                  if len(polygon) >= 2]
        if not width and len(shapes) == 1 and _rectangular(shapes[0]):
            return None
        mask = Image.new("1", (box[2] - left, box[3] - top), 0)
        for shape in shapes:
            if width:
                ImageDraw.Draw(mask).line(shape + shape[:1] if _closed(shape) else shape,
                                          fill=1, width=max(1, round(width)))
            elif even_odd:
                one = Image.new("1", mask.size, 0)
                ImageDraw.Draw(one).polygon(shape, fill=1, outline=1)
                mask = ImageChops.logical_xor(mask, one)
            else:
                ImageDraw.Draw(mask).polygon(shape, fill=1, outline=1)
        return mask

    def fill(self, polygons, colour: Colour | None, keeps, clip: Box | None, *,
             even_odd: bool = False) -> None:
        if colour is None:
            return
        cells = [self._cells(polygon) for polygon in polygons]
        box = self._box([p for c in cells for p in c], clip)
        if box is not None:
            self._paint(box, self._mask(cells, box, even_odd), colour, keeps)

    def stroke(self, polygons, width: float, colour: Colour | None, keeps,
               clip: Box | None) -> None:
        if colour is None:
            return
        cells = [self._cells(polygon) for polygon in polygons]
        half = width * self.scale / 2
        points = [p for c in cells for p in c]
        grown = [(x + dx, y + dy) for x, y in points for dx, dy in ((-half, -half), (half, half))]
        box = self._box(grown, clip)
        if box is not None:
            self._paint(box, self._mask(cells, box, width=width * self.scale), colour, keeps)

    def _paint(self, box, mask, colour: Colour, keeps) -> None:
        from PIL import Image

        values = tuple(round(c * 255) for c in colour)
        if not any(keeps):
            self.plates.paste(values, box, mask)
        else:
            region = self.plates.crop(box)
            bands = list(region.split())
            for index, kept in enumerate(keeps):
                if not kept:
                    bands[index].paste(values[index], (0, 0) + region.size, mask)
            self.plates.paste(Image.merge("CMYK", bands), box)
        self._covered(box, mask is None and not any(keeps))

    def _covered(self, box, wholly: bool) -> None:
        """Paint laid over box: detail it covers entirely no longer prints."""
        self.dirty = box if self.dirty is None else (
            min(self.dirty[0], box[0]), min(self.dirty[1], box[1]),
            max(self.dirty[2], box[2]), max(self.dirty[3], box[3]))
        if wholly and self.details:
            self.details = [(where, value) for where, value in self.details
                            if not (box[0] <= where[0] and box[1] <= where[1] and
                                    where[2] <= box[2] and where[3] <= box[3])]

    def detail(self, polygons, colour: Colour | None, keeps, clip: Box | None) -> None:
        """Text and stencil masks: the cells keep what shows between the letters; the
        highest TAC printed over the run's box is kept beside them (until paint covers it)."""
        if colour is None:
            return
        cells = [self._cells(polygon) for polygon in polygons]
        box = self._box([p for c in cells for p in c], clip)
        if box is None:
            return
        values = [round(c * 255) for c in colour]
        if any(keeps):
            kept = [i for i, keep in enumerate(keeps) if keep]
            printed = sum(v for i, v in enumerate(values) if i not in kept) + \
                _highest(self.plates.crop(box), kept)
        else:
            printed = sum(values)
        if printed:
            self.details.append((box, printed))

    def image(self, picture, ctm: tuple, clip: Box | None) -> None:
        """A CMYK picture placed by ctm (the unit square), sampled at each cell's centre."""
        from PIL import Image

        corners = self._cells([apply(ctm, x, y) for x, y in ((0, 0), (1, 0), (1, 1), (0, 1))])
        box = self._box(corners, clip)
        if box is None:
            return
        # cell (u, v) of box → unit square → picture pixel (image space has y downwards)
        s, (ox, oy) = self.scale, self.origin
        to_cell = multiply(ctm, (s, 0, 0, -s, -ox - box[0], oy - box[1]))
        a, b, c, d, e, f = to_cell
        det = a * d - b * c
        if abs(det) < 1e-12:
            return
        inverse = (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det,
                   (b * e - a * f) / det)
        w, h = picture.size
        # unit (x, y) → pixel (x·w, (1 − y)·h)
        ia, ib, ic, id_, ie, if_ = inverse
        coefficients = (ia * w, ic * w, ie * w, -ib * h, -id_ * h, (1 - if_) * h)
        size = (box[2] - box[0], box[3] - box[1])
        placed = picture.transform(size, Image.Transform.AFFINE, coefficients,
                                   resample=Image.Resampling.NEAREST)
        mask = Image.new("L", picture.size, 255).transform(
            size, Image.Transform.AFFINE, coefficients, resample=Image.Resampling.NEAREST)
        self.plates.paste(placed, box, mask)
        self._covered(box, False)

    def maximum(self) -> float:
        """The highest TAC on the printed area, in percent."""
        highest = 0
        if self.dirty is not None:
            highest = _highest(self.plates.crop(self.dirty), [0, 1, 2, 3])
        highest = max([highest] + [value for _, value in self.details])
        return highest * 100 / 255


def _highest(region, plates: list[int]) -> int:
    """The highest sum of the given plates (0–3) over a CMYK region, in 255ths: by its
    colours when it has few (flat paint), else cell by cell."""
    from PIL import ImageMath

    colours = region.getcolors(4096)
    if colours is not None:
        return max((sum(colour[i] for i in plates) for _, colour in colours), default=0)
    bands = region.split()
    total = bands[plates[0]].convert("I")
    for index in plates[1:]:
        total = ImageMath.lambda_eval(lambda a: a["t"] + a["b"], t=total,
                                      b=bands[index].convert("I"))
    return total.getextrema()[1]


def _rectangular(shape) -> bool:
    if len(shape) not in (4, 5):
        return False
    xs = sorted({round(x, 3) for x, _ in shape})
    ys = sorted({round(y, 3) for _, y in shape})
    return len(xs) == 2 and len(ys) == 2


def _closed(shape) -> bool:
    return len(shape) > 2 and shape[0] == shape[-1]
