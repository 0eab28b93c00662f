"""Finished PDF → preflight report: pages, boxes, fonts, colour, images and size, pass or fail.

What a print shop's preflight looks at first, read from the file itself (never from our own
idea of what we wrote), so that `kennisdag-pdf check` can judge any PDF and a build can judge
its own output before it is written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from io import BytesIO

from . import inks, pdfin
from .errors import BadInput
from .pdfin import Budget, TooComplex, Unexpected
from .paper import ISO_SIZES_MM, MARKS
from .profiles import PROFILES, Profile
from .units import human_size, to_mm

BOX_TOLERANCE = 0.1  # points
SIZE_TOLERANCE_MM = 1.0
# A page is given a paper size's name only within half a millimetre of it: a PDF's sizes are
# exact (A4 is 595.28 × 841.89 pt; whole points still land within 0.2 mm), and a sheet one
# millimetre short (296 × 210 mm) is not A4 to a printer who has to find paper for it.
NAME_TOLERANCE_MM = 0.5
NAMED_SIZES = {name: ISO_SIZES_MM[name] for name in ("A3", "A4", "A5")}
RGB_SPACES = ("DeviceRGB", "CalRGB", "ICCBased(3)", "Lab")
# Managed colour: RGB or Lab defined by a profile, which PDF/X-4 allows and a RIP converts
# with its own intent, so that what prints is not quite what was seen.
MANAGED_SPACES = ("CalRGB", "ICCBased(3)", "Lab")
SUBSET = re.compile(r"^[A-Z]{6}\+")
COLOUR_OPERATORS = {"rg": "DeviceRGB", "RG": "DeviceRGB", "k": "DeviceCMYK",
                    "K": "DeviceCMYK", "g": "DeviceGray", "G": "DeviceGray"}


@dataclass(frozen=True)
class Finding:
    level: str  # "fail" | "warn" | "info"
    topic: str  # "file" | "pages" | "boxes" | "fonts" | "colour" | "inks" (TAC, overprint)
    #             | "detail" (fine text and rules) | "trim" | "images" | "size" | "pdf/a"
    #             | "pdf/x" (PDF/X-4, pdfx.py) | "tags" (our Matterhorn checks)
    #             | "pdf/ua" (page-validation's verdicts)
    message: str


@dataclass(frozen=True)
class ImageUse:
    name: str
    pixels: tuple[int, int]
    colour_space: str
    bytes: int
    dpi: float  # lowest effective resolution over all placements
    pages: tuple[int, ...]


@dataclass(frozen=True)
class Report:
    name: str
    profile: str
    pages: int
    trim_size_mm: tuple[float, float] | None
    size_bytes: int
    findings: tuple[Finding, ...]
    images: tuple[ImageUse, ...] = ()
    colour_spaces: frozenset[str] = frozenset()
    fonts: tuple[str, ...] = ()
    # Each page's highest total area coverage in percent (print rules, measured), else ().
    coverage: tuple[float | None, ...] = ()

    @property
    def passed(self) -> bool:
        return not any(f.level == "fail" for f in self.findings)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "fail"]

    def lines(self) -> list[str]:
        out = [f"{self.name}: {self.profile} profile"]
        for topic in ("file", "pages", "boxes", "fonts", "colour", "inks", "detail", "trim",
                      "images", "size", "pdf/a", "pdf/x", "tags", "pdf/ua"):
            for finding in (f for f in self.findings if f.topic == topic):
                mark = {"fail": "FAIL ", "warn": "warn ", "info": ""}[finding.level]
                out.append(f"  {topic:<8} {mark}{finding.message}")
        failures = len(self.failures)
        out.append("  PASS" if not failures else
                   f"  FAIL ({failures} problem{'s' if failures > 1 else ''})")
        return out


def detect_profile(data: bytes) -> str:
    """'archive' for a file that claims PDF/A, 'print' when the first page has bleed around
    its trim, otherwise 'screen'."""
    import pikepdf

    from .pdfa import claims_pdfa

    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            if claims_pdfa(pdf):
                return "archive"
            page = pdf.pages[0].obj
            if "/TrimBox" in page and "/BleedBox" in page:
                trim, bleed = _box(page.TrimBox), _box(page.BleedBox)
                if bleed[0] < trim[0] - BOX_TOLERANCE:
                    return "print"
    except Exception:  # unreadable and damaged files: preflight() says how
        pass
    return "screen"


def preflight(data: bytes, *, profile: str, name: str, size_budget: int | None = None,
              bleed: float = MARKS.bleed, validate_pdfa: bool = True,
              read_content: bool = True, budget: Budget | None = None,
              ink_limit: int | None = None, measure_ink: bool = True, own_build: bool = False,
              black_must_overprint: bool = False) -> Report:
    """A press product (the rules' colour space is CMYK) is judged by the print rule set:
    besides pages, boxes, fonts, colour and images, the inks of every mark (inks.py): total
    area coverage against ink_limit (percent; None: what the file's output intent states,
    else inks.DEFAULT_INK_LIMIT), 100 % K knocking out, fine text and rules in too many
    inks, hairlines, artwork stopping at the trim, blank pages. measure_ink=False leaves out
    the TAC, the one rule that composites the page on a raster. own_build: the file is our
    own build's, whose colour rules are stricter (managed RGB or Lab colour fails instead of
    warning); black_must_overprint: 100 % K that knocks out fails instead of warning.

    read_content=False skips reading every page's drawing operators (colours, image
    placements): fonts are then found through the resources. A build's check of its own
    screen or archive file needs no more, and a 1,000-page file is checked in a tenth of the
    time; `kennisdag-pdf check` always reads everything.

    validate_pdfa=False skips the validators outside this module (pikepdf's PDF/A,
    page-validation's PDF/UA-1 and PDF/A-3a), for a build that has just run them itself; the
    tag checks of a profile with `accessibility` (accessibility.check_tags) run where the
    drawing is read (read_content).

    A damaged file (qpdf repaired it, or a page's drawing cannot be read) fails under "file",
    saying where. budget bounds the reading of drawing operators (pdfin.Budget: operations,
    form nesting, seconds); past it the file is bad input, "too complex to check"."""
    budget = budget or Budget()
    pdf = pdfin.open_foreign(data, name)
    try:
        with pdf:
            return _preflight(pdf, data, profile=profile, name=name, size_budget=size_budget,
                              bleed=bleed, validate_pdfa=validate_pdfa,
                              read_content=read_content, budget=budget,
                              strictness=_Strictness(ink_limit, measure_ink, own_build,
                                                     black_must_overprint))
    except (TooComplex, MemoryError, RecursionError) as exc:
        raise pdfin.too_complex(name, exc) from None


@dataclass(frozen=True)
class _Strictness:
    ink_limit: int | None
    measure_ink: bool
    own_build: bool
    black_must_overprint: bool


def _preflight(pdf, data: bytes, *, profile: str, name: str, size_budget: int | None,
               bleed: float, validate_pdfa: bool, read_content: bool, budget: Budget,
               strictness: _Strictness) -> Report:
    import pikepdf

    try:
        count = len(pdf.pages)
    except pikepdf.PdfError:
        count = 0
    if count == 0:
        raise BadInput.single(name, "is not a readable PDF (it has no pages)")
    rules = PROFILES[profile]  # what is checked follows the product's options, never its name
    press = rules.colour_space == "cmyk"  # the print rule set: the inks of every mark
    seen = _read(pdf, budget, read_content, inks=press,
                 raster=press and strictness.measure_ink)
    findings = _page_findings(seen.sizes, rules) + \
        _box_findings(seen.boxes, rules, bleed, damaged=seen.damaged_before_content) + \
        _font_findings(seen.fonts, seen.font_problems)
    if read_content:
        findings += _colour_findings(seen.spaces, seen.managed if press else seen.rgb_uses,
                                     rules, strict=strictness.own_build)
        if press:
            limit, source = _ink_limit(pdf, strictness.ink_limit)
            findings += _blank_findings(seen.inks, rules)
            findings += _ink_findings(seen.inks, limit, source,
                                      strict=strictness.black_must_overprint)
        findings += _image_findings(seen.images, rules)
    findings += _size_findings(len(data), size_budget, seen.images)
    findings += _damage_findings(seen.damage)
    if rules.archival and validate_pdfa:
        findings += _pdfa_findings(data)
    if rules.colour_space == "cmyk":  # a press product: PDF/X-4 is what the press reads
        findings += _pdfx_findings(pdf, seen, read_content)
    if rules.accessibility:
        findings += _tag_findings(pdf, data, rules, budget, validate=validate_pdfa,
                                  read_tags=read_content)
    return Report(name, profile, count, seen.sizes[0], len(data), tuple(findings), seen.images,
                  frozenset(seen.spaces), tuple(sorted(seen.fonts)),
                  tuple(page.max_tac for page in seen.inks))


def _box(array, what: str = "page box") -> tuple[float, float, float, float]:
    return pdfin.rectangle(array, what)


def _size_name(w: float, h: float) -> str:
    for label, (a, b) in NAMED_SIZES.items():
        if abs(w - a) <= NAME_TOLERANCE_MM and abs(h - b) <= NAME_TOLERANCE_MM:
            return f" ({label})"
        if abs(w - b) <= NAME_TOLERANCE_MM and abs(h - a) <= NAME_TOLERANCE_MM:
            return f" ({label} landscape)"
    return ""


@dataclass
class _Placed:
    name: str
    pixels: tuple[int, int]
    colour_space: str
    bytes: int
    dpi: float = math.inf
    pages: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _PageBoxes:
    """A page's boxes as read (None: the page has no such box)."""

    number: int
    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float] | None
    bleed: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class _Seen:
    """What one reading of the file found; every verdict is a function of this alone."""

    sizes: tuple[tuple[float, float], ...]  # each page's trim in mm (a damaged one: the last)
    boxes: tuple[_PageBoxes, ...]  # pages whose boxes could be read
    damaged_before_content: bool  # damage in the file's index, page sizes or boxes
    damage: tuple[str, ...]
    fonts: frozenset[str]
    font_problems: tuple[str, ...]
    spaces: frozenset[str]
    rgb_uses: tuple[str, ...]
    images: tuple[ImageUse, ...]
    unembedded: tuple[str, ...] = ()  # fonts without their font file
    device_rgb: tuple[str, ...] = ()  # uses of DeviceRGB itself (PDF/X-4 allows ICC-based RGB)
    managed: tuple[str, ...] = ()  # uses of ICC-based or calibrated RGB, and of Lab
    inks: tuple[inks.PageSummary, ...] = ()  # each page's marks, where the inks were read


def _read(pdf, budget: Budget, read_content: bool, *, inks: bool = False,
          raster: bool = False) -> _Seen:
    """The one walk over the file: opened, then every page's size, boxes and (read_content)
    drawing, or only the fonts its resources name. Damage found on the way is kept, in the
    order it was found, with the place it was found. inks: every mark's inks are read too
    (inks.PageInks), raster: and each page's total area coverage composited."""
    reader = _Reader(pdf, budget, inks=inks and read_content, raster=raster)
    reader.opened()
    sizes = reader.page_sizes()
    boxes = reader.page_boxes()
    damaged_before_content = bool(reader.damage)
    if read_content:
        reader.walk()
    else:
        reader.fonts_in_resources()
    return _Seen(tuple(sizes), tuple(boxes), damaged_before_content, tuple(reader.damage),
                 frozenset(reader.fonts), tuple(reader.font_problems), frozenset(reader.spaces),
                 tuple(reader.rgb_uses), tuple(reader.image_uses()), tuple(reader.unembedded),
                 tuple(reader.device_rgb), tuple(reader.managed), tuple(reader.page_inks))


class _Reader:
    """Reads the file for _read; the only part of the preflight with state, because drawing
    operators are read as a stream (the transformation, forms within forms)."""

    def __init__(self, pdf, budget: Budget, *, inks: bool = False, raster: bool = False) -> None:
        self.pdf = pdf
        self.budget = budget
        self.inks = inks
        self.raster = raster
        self.page_inks: list = []  # inks.PageSummary of each page read
        self._pictures: dict = {}  # decoded images, shared by the pages (inks.PageInks)
        self._metrics: dict = {}  # fonts' widths, shared by the pages (inks.PageInks)
        self.managed: list[str] = []
        self._ink = None  # the page being read's inks.PageInks (inks)
        self.damage: list[str] = []
        self._malformed = pdfin.MALFORMED
        self._warnings_read = 0
        self.spaces: set[str] = set()
        self.rgb_uses: list[str] = []
        self.device_rgb: list[str] = []
        self.fonts: set[str] = set()
        self.font_problems: list[str] = []
        self.unembedded: list[str] = []
        self.placed: dict[tuple, _Placed] = {}
        self._fonts_seen: set = set()
        self._images_read: set = set()

    # --- damage -------------------------------------------------------------------------------

    def opened(self) -> None:
        repairs = pdfin.repairs(self.pdf)
        self._warnings_read = len(self.pdf.get_warnings())
        if any("reconstruct" in text for text in repairs):
            self.damage.append("its index of objects (cross-reference table) is missing or "
                               "broken; the file may be cut short, and what it lost is not "
                               "checked")
        elif repairs:
            self.damage.append(f"it had to be repaired on opening ({repairs[0]})")

    def _damaged(self, where: str, exc: BaseException) -> None:
        text = str(exc).splitlines()[0] if str(exc) else ""
        if not isinstance(exc, Unexpected):
            text = f"it holds a value of an unexpected kind ({type(exc).__name__}"\
                   f"{': ' + text[:120] if text else ''})"
        self.damage.append(f"{where}: {text}")

    def _read_more(self, where: str) -> None:
        """qpdf reads on past what it cannot make sense of, with a warning: damage there."""
        lost = pdfin.repairs(self.pdf, self._warnings_read)
        self._warnings_read = len(self.pdf.get_warnings())
        if lost:
            self.damage.append(f"{where}: parts cannot be read ({lost[0]})")

    def _guarded(self, where: str, action) -> bool:
        try:
            action()
        except self._malformed as exc:
            self._damaged(where, exc)
            return False
        finally:
            self._read_more(where)
        return True

    # --- pages and boxes ---------------------------------------------------------------------

    def _trim(self, page) -> tuple[float, float, float, float]:
        for key in ("/TrimBox", "/CropBox", "/MediaBox"):
            if key in page:
                return _box(page[key], key[1:])
        return _box(page.get("/MediaBox"), "MediaBox")

    def page_sizes(self) -> list[tuple[float, float]]:
        sizes: list[tuple[float, float]] = []
        for number, page in enumerate(self.pdf.pages, 1):
            def measure(page=page):
                x0, y0, x1, y1 = self._trim(page.obj)
                sizes.append((round(to_mm(x1 - x0), 1), round(to_mm(y1 - y0), 1)))
            if not self._guarded(f"page {number}", measure):
                sizes.append(sizes[-1] if sizes else (0.0, 0.0))
        return sizes

    def page_boxes(self) -> list[_PageBoxes]:
        boxes = []
        for number, page in enumerate(self.pdf.pages, 1):
            obj = page.obj
            try:
                media = _box(obj.get("/MediaBox"), "MediaBox")
                trim, bleed = (_box(obj[key], key[1:]) if key in obj else None
                               for key in ("/TrimBox", "/BleedBox"))
            except self._malformed as exc:
                self._damaged(f"page {number}", exc)
                continue
            boxes.append(_PageBoxes(number, media, trim, bleed))
        return boxes

    # --- content ------------------------------------------------------------------------------

    def walk(self) -> None:
        for number, page in enumerate(self.pdf.pages, 1):
            self._ink = None
            self._guarded(f"page {number}", lambda page=page, number=number:
                          self._page_content(page.obj, number))
            if self._ink is not None:
                self.page_inks.append(self._ink.summary())
            elif self.inks:  # a page that cannot be read: judged as damaged, not as blank
                self.page_inks.append(inks.PageSummary(number, blank=False))

    def _page_content(self, obj, number: int) -> None:
        import pikepdf

        if self.inks:
            media = _box(obj.get("/MediaBox"), "MediaBox")
            trim, bleed = (_box(obj[key], key[1:]) if key in obj else None
                           for key in ("/TrimBox", "/BleedBox"))
            self._ink = inks.PageInks(number, trim, bleed, media, self.budget,
                                      raster=self.raster, images=self._pictures,
                                      fonts=self._metrics)
        self._content(pdfin.page_streams(obj), obj.get("/Resources"), number,
                      inks.State(), set(), 0)
        for annot in pdfin.array(obj.get("/Annots"), "Annots"):
            if not isinstance(annot, pikepdf.Dictionary):
                raise Unexpected("its Annots holds something that is not an annotation")
            appearance = pdfin.dictionary(annot.get("/AP"), "annotation appearance")
            normal = appearance.get("/N")
            if isinstance(normal, pikepdf.Stream) and "/BBox" in normal:
                self._content(normal, normal.get("/Resources"), number,
                              inks.State(), set(), 0)

    def fonts_in_resources(self) -> None:
        """Every font the pages and their forms name, without reading what they draw."""
        seen: set = set()

        import pikepdf

        def visit(resources, depth: int) -> None:
            self.budget.enter(depth)
            resources = pdfin.dictionary(resources, "Resources")
            fonts = resources.get("/Font")
            # One /Font dictionary shared by every page (as ReportLab writes it) is read once
            shared = isinstance(fonts, pikepdf.Dictionary) and fonts.is_indirect
            if not (shared and fonts.objgen in seen):
                if shared:
                    seen.add(fonts.objgen)
                for name in pdfin.dictionary(fonts, "Font").keys():
                    self._font(resources, name)
            for xobject in pdfin.dictionary(resources.get("/XObject"), "XObject").values():
                if isinstance(xobject, pikepdf.Stream) and \
                        xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    visit(xobject.get("/Resources"), depth + 1)

        for number, page in enumerate(self.pdf.pages, 1):
            self._guarded(f"page {number}", lambda page=page:
                          visit(page.obj.get("/Resources"), 0))

    def _content(self, streams, resources, number: int, state: inks.State, active: set,
                 depth: int) -> None:
        self.budget.enter(depth)
        key = streams.objgen if not isinstance(streams, list) else None
        if key is not None and key in active and key != (0, 0):
            return  # a form that draws itself
        active = active | {key}
        resources = pdfin.dictionary(resources, "Resources")
        stack: list[inks.State] = []
        ink = self._ink
        for operands, operator in pdfin.operations(streams, self.pdf, self.budget):
            op = str(operator)
            if ink is not None and op in inks.OPERATORS:
                ink.operate(state, op, operands, resources)
            if op == "q":
                stack.append(state.copy())
            elif op == "Q":
                state = stack.pop() if stack else state
            elif op == "cm":
                if len(operands) != 6:
                    raise Unexpected("a transformation (cm) does not have 6 numbers")
                state.ctm = inks.multiply(tuple(pdfin.number(v, "transformation (cm)")
                                            for v in operands), state.ctm)
            elif op in COLOUR_OPERATORS:
                self._space(COLOUR_OPERATORS[op], number, f"{'fill' if op.islower() else 'stroke'}"
                                                          f" colour ({op})")
            elif op in ("cs", "CS") and operands:
                space = self._resolve_space(operands[0], resources)
                self._space(space, number, f"colour space {space} ({op})")
            elif op == "Tf" and operands:
                self._font(resources, operands[0])
            elif op == "Do" and operands:
                self._xobject(resources, operands[0], number, state, active, depth)
            elif op == "INLINE IMAGE" and operands:
                self._inline(operands[0], number, state)
            elif op == "sh":
                self._space("Shading", number, "shading (sh)")

    def _space(self, space: str, number: int, what: str) -> None:
        self.spaces.add(space)
        if space.startswith(RGB_SPACES) or "(DeviceRGB)" in space or "(ICCBased(3))" in space:
            self.rgb_uses.append(f"page {number}: RGB {what}")
        if "DeviceRGB" in space:
            self.device_rgb.append(f"page {number}: {what}")
        elif space.startswith(MANAGED_SPACES) or any(f"({managed})" in space
                                                     for managed in MANAGED_SPACES):
            self.managed.append(f"page {number}: {what} in {space}")

    def _resolve_space(self, value, resources) -> str:
        import pikepdf

        if isinstance(value, pikepdf.Name):
            name = str(value)
            if name in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray", "/Pattern"):
                return name[1:]
            spaces = pdfin.dictionary(resources.get("/ColorSpace"), "ColorSpace")
            if name in spaces:
                return self._describe_space(spaces[name])
            return name[1:]
        return self._describe_space(value)

    def _describe_space(self, value, depth: int = 0) -> str:
        import pikepdf

        if isinstance(value, pikepdf.Name):
            return str(value)[1:]
        if isinstance(value, pikepdf.Array) and len(value):
            family = str(value[0])[1:]
            if family == "ICCBased":
                profile = value[1] if len(value) > 1 else None
                if not isinstance(profile, pikepdf.Stream):
                    raise Unexpected("its ICCBased colour space has no ICC profile stream")
                return f"ICCBased({pdfin.integer(profile.get('/N', 0), 'ICC profile /N')})"
            if family == "Indexed":
                # An Indexed space's base may not be Indexed again; a file may still say so,
                # or name itself.
                if depth or len(value) < 2:
                    raise Unexpected("its Indexed colour space has no proper base colour space")
                return f"Indexed({self._describe_space(value[1], depth + 1)})"
            if family in ("Separation", "DeviceN"):
                return family
            return family
        return "unknown"

    def _font(self, resources, name) -> None:
        import pikepdf

        if not isinstance(name, (pikepdf.Name, str)):  # resource keys come as str
            raise Unexpected("a font is chosen (Tf) by something that is not a name")
        font = pdfin.dictionary(resources.get("/Font"), "Font").get(name)
        if font is None or font.objgen in self._fonts_seen and font.objgen != (0, 0):
            return
        if not isinstance(font, pikepdf.Dictionary):
            raise Unexpected(f"its font {name} is not a font dictionary")
        self._fonts_seen.add(font.objgen)
        base = str(font.get("/BaseFont", "/(unnamed)"))[1:]
        targets = [font]
        if font.get("/Subtype") == "/Type0":
            targets = pdfin.array(font.get("/DescendantFonts"), "DescendantFonts")
        if font.get("/Subtype") == "/Type3":
            self.fonts.add(base)
            return
        if not all(isinstance(t, pikepdf.Dictionary) for t in targets):
            raise Unexpected(f"the font {base}'s DescendantFonts are not fonts")
        embedded = all(
            isinstance(t.get("/FontDescriptor"), pikepdf.Dictionary) and any(
                k in t.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            for t in targets)
        self.fonts.add(SUBSET.sub("", base))
        if not embedded:
            self.font_problems.append(f"{base} is not embedded")
            self.unembedded.append(base)
        elif not SUBSET.match(base):
            self.font_problems.append(f"{base} is embedded whole, not as a subset")

    def _xobject(self, resources, name, number: int, state: inks.State, active: set,
                 depth: int) -> None:
        import pikepdf

        if not isinstance(name, pikepdf.Name):
            raise Unexpected("something that is not a name is drawn (Do)")
        xobject = pdfin.dictionary(resources.get("/XObject"), "XObject").get(name)
        if xobject is None:
            return
        if not isinstance(xobject, pikepdf.Stream):
            raise Unexpected(f"its XObject {name} is not a stream")
        subtype = xobject.get("/Subtype")
        if subtype == "/Form":
            matrix = xobject.get("/Matrix")
            matrix = (1, 0, 0, 1, 0, 0) if matrix is None else pdfin.matrix(matrix, "form Matrix")
            inner = state.copy()
            inner.ctm = inks.multiply(matrix, state.ctm)
            if "/BBox" in xobject:  # a form shows nothing outside its BBox
                x0, y0, x1, y1 = pdfin.rectangle(xobject.BBox, "form BBox")
                corners = [inks.apply(inner.ctm, x, y)
                           for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
                inner.clip = inks.intersect(state.clip, inks.bounds(corners)) or inks.EMPTY
            self._content(xobject, xobject.get("/Resources", resources), number,
                          inner, active, depth + 1)
        elif subtype == "/Image":
            if xobject.get("/ImageMask", False):
                space = "ImageMask"
            else:
                space = self._describe_space(xobject.get("/ColorSpace", pikepdf.Name.DeviceGray))
            if xobject.objgen not in self._images_read:
                self._images_read.add(xobject.objgen)
                pdfin.check_image_data(xobject, f"image {name}")
            self._image(str(name), xobject.objgen,
                        pdfin.integer(xobject.get("/Width"), f"image {name} Width"),
                        pdfin.integer(xobject.get("/Height"), f"image {name} Height"),
                        space, len(xobject.read_raw_bytes()), number, state.ctm)
            if self._ink is not None:
                self._ink.image(state, xobject.objgen, xobject, mask=space == "ImageMask",
                                space=space)

    def _inline(self, image, number: int, state: inks.State) -> None:
        ctm = state.ctm
        obj = image.obj if hasattr(image, "obj") else None
        width = int(getattr(image, "width", 0) or 0)
        height = int(getattr(image, "height", 0) or 0)
        space = str(getattr(image, "colorspace", "") or "DeviceGray").lstrip("/")
        self._image("inline image", ("inline", number, id(obj)), width, height, space, 0,
                    number, ctm)
        if self._ink is not None:
            mask = bool(getattr(image, "image_mask", False))
            self._ink.image(state, None, image, mask=mask,  # None: not kept, drawn once
                            space="ImageMask" if mask else space)

    def _image(self, name: str, key, width: int, height: int, space: str, size: int,
               number: int, ctm: tuple) -> None:
        self._space(space, number, f"image {name}")
        use = self.placed.setdefault(key, _Placed(name, (width, height), space, size))
        use.pages.add(number)
        a, b, c, d, _, _ = ctm
        placed_w, placed_h = math.hypot(a, b), math.hypot(c, d)
        if placed_w > 0 and placed_h > 0 and width and height:
            dpi = min(width / (placed_w / 72), height / (placed_h / 72))
            use.dpi = min(use.dpi, dpi)

    def image_uses(self) -> list[ImageUse]:
        return [ImageUse(p.name, p.pixels, p.colour_space, p.bytes,
                         p.dpi if p.dpi != math.inf else 0.0, tuple(sorted(p.pages)))
                for p in self.placed.values()]


# --- verdicts: what was seen, judged against the profile's options ----------------------------

def _page_findings(sizes: tuple[tuple[float, float], ...], rules: Profile) -> list[Finding]:
    findings = []
    w, h = sizes[0]
    count = len(sizes)
    odd = [n for n, s in enumerate(sizes, 1)
           if abs(s[0] - w) > SIZE_TOLERANCE_MM or abs(s[1] - h) > SIZE_TOLERANCE_MM]
    text = f"{count} page{'s' if count > 1 else ''}, {w:g} × {h:g} mm{_size_name(w, h)}"
    if odd:
        findings.append(Finding("fail", "pages", f"{text}; pages of another size: {pdfin.page_runs(odd)}"))
    else:
        findings.append(Finding("info", "pages", f"{text}, all the same size"))
    multiple = rules.page_multiple
    if multiple > 1 and w > h:  # imposed sheets: each sheet has a front and a back
        if count % 2:
            findings.append(Finding("fail", "pages",
                                    f"{count} sheet sides: a sheet has two sides"))
    elif multiple > 1 and count % multiple:
        findings.append(Finding("fail", "pages", f"{count} pages: not a multiple of {multiple} "
                                                 f"for a saddle-stitched booklet"))
    return findings


def _box_findings(boxes: tuple[_PageBoxes, ...], rules: Profile, bleed: float, *,
                  damaged: bool) -> list[Finding]:
    """damaged: the file's damage so far would make a summary of its boxes untrue."""
    with_both = [page for page in boxes if page.trim is not None and page.bleed is not None]
    if not rules.bleed:
        has_bleed = [page.number for page in with_both if page.bleed != page.trim]
        if has_bleed:
            return [Finding("fail", "boxes", f"bleed on pages {pdfin.page_runs(has_bleed)}: a screen PDF "
                                             f"shows the trimmed page only")]
        return [Finding("info", "boxes", "trimmed pages, no bleed")]
    findings = []
    for key, missing in (("TrimBox", [page.number for page in boxes if page.trim is None]),
                         ("BleedBox", [page.number for page in boxes if page.bleed is None])):
        if missing:
            findings.append(Finding("fail", "boxes", f"{key} missing on pages {pdfin.page_runs(missing)}"))
    wrong_bleed, no_room = [], []
    for page in with_both:
        trim, media = page.trim, page.media
        grown = (trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed)
        if any(abs(a - b) > BOX_TOLERANCE for a, b in zip(page.bleed, grown)):
            wrong_bleed.append(page.number)
        if not (media[0] < page.bleed[0] and media[1] < page.bleed[1]
                and media[2] > page.bleed[2] and media[3] > page.bleed[3]):
            no_room.append(page.number)
    if wrong_bleed:
        findings.append(Finding("fail", "boxes", f"bleed is not {to_mm(bleed):.1f} mm on every "
                                                 f"side on pages {pdfin.page_runs(wrong_bleed)}"))
    if no_room:
        findings.append(Finding("fail", "boxes", f"no room for crop marks outside the bleed on "
                                                 f"pages {pdfin.page_runs(no_room)}"))
    if not findings and not damaged:
        first = boxes[0]
        border = first.trim[0] - first.media[0]
        findings.append(Finding("info", "boxes", f"TrimBox and BleedBox on every page, bleed "
                                                 f"{to_mm(bleed):.1f} mm, marks border "
                                                 f"{to_mm(border):.1f} mm"))
    return findings


def _font_findings(fonts: frozenset[str], problems: tuple[str, ...]) -> list[Finding]:
    if problems:
        return [Finding("fail", "fonts", problem) for problem in sorted(set(problems))]
    return [Finding("info", "fonts", f"{len(fonts)} fonts, all embedded and subset: "
                                     f"{', '.join(sorted(fonts))}")]


def _colour_findings(spaces: frozenset[str], uses: tuple[str, ...], rules: Profile, *,
                     strict: bool = False) -> list[Finding]:
    """uses: for a press product the uses of managed colour (ICC-based or calibrated RGB, Lab),
    which PDF/X-4 allows but a shop converts its own way: a warning, or with strict (our own
    builds, which never use it) a failure. DeviceRGB is PDF/X-4's to report (pdf/x), once."""
    listed = ", ".join(sorted(spaces)) or "none"
    if rules.colour_space != "cmyk":
        return [Finding("info", "colour", listed)]
    level = "fail" if strict else "warn"
    fix = "convert it to CMYK for the printing condition, or the shop's RIP will"
    findings = [Finding(level, "colour", f"{use}: {fix}") for use in uses[:10]]
    if len(uses) > 10:
        findings.append(Finding(level, "colour", f"… and {len(uses) - 10} more uses of "
                                                 f"RGB or Lab colour"))
    if "DeviceGray" in spaces:
        findings.append(Finding("warn", "colour",
                                "DeviceGray used: prints on the black plate only"))
    if not uses and not any(space.startswith(RGB_SPACES) or "RGB" in space
                            for space in spaces):
        findings.append(Finding("info", "colour", f"no RGB: {listed}"))
    return findings


def _ink_limit(pdf, given: int | None) -> tuple[int, str]:
    """The TAC limit and where it comes from, in words for the report."""
    if given is not None:
        return given, "the printing condition's limit"
    stated = inks.ink_limit_stated(pdf)
    if stated is not None:
        return stated, "the limit its output intent states"
    return inks.DEFAULT_INK_LIMIT, "assumed: the file states no limit (coated offset, FOGRA39)"


def _blank_findings(pages: tuple[inks.PageSummary, ...], rules: Profile) -> list[Finding]:
    """Blank pages, told as the padding they usually are: a booklet's pages come in fours,
    and the blanks that fill the last sheet stand before the back cover."""
    blanks = [page.number for page in pages if page.blank]
    if not blanks:
        return []
    count = len(pages)
    runs = pdfin.page_runs(blanks, most=10)
    several = len(blanks) > 1
    multiple = rules.page_multiple
    padding = multiple > 1 and count % multiple == 0 and \
        len(blanks) < multiple and blanks == list(range(blanks[0], blanks[0] + len(blanks)))
    said = f"{len(blanks)} blank page{'s' if several else ''}"
    if padding and blanks[-1] == count - 1 and count > 2:
        return [Finding("info", "pages", f"{said} before the back cover make {count}, a "
                                         f"multiple of {multiple} (pages {runs})")]
    if padding and blanks[-1] == count:
        return [Finding("info", "pages", f"{said} at the end make {count}, a multiple of "
                                         f"{multiple} (pages {runs})")]
    return [Finding("info", "pages", f"{said}: {runs} (nothing printed inside the trim)")]


def _ink_findings(pages: tuple[inks.PageSummary, ...], limit: int, source: str, *,
                  strict: bool) -> list[Finding]:
    """The print rule set on the marks of every page (inks.py): one line per rule, naming
    the pages, the first example and what to do. strict: knocking-out black fails."""
    findings: list[Finding] = []

    def rule(level: str, topic: str, attribute: str, text: str, fix: str) -> None:
        hits = [page for page in pages if getattr(page, attribute)]
        if not hits:
            return
        first = hits[0]
        example = getattr(first, attribute)
        if isinstance(example, tuple):
            example = " and ".join(example) + f" side{'s' if len(example) > 1 else ''}"
        findings.append(Finding(level, topic, f"{text} on page{'s' if len(hits) > 1 else ''} "
                                              f"{pdfin.page_runs([p.number for p in hits], 10)} "
                                              f"(page {first.number}: {example}): {fix}"))

    measured = [page for page in pages if page.max_tac is not None]
    over = [page for page in measured if page.max_tac > limit + 0.5]
    for page in over[:10]:
        findings.append(Finding("fail", "inks", f"page {page.number}: {page.max_tac:.0f} % "
                                                f"total area coverage, over {limit} % ({source}): "
                                                f"lighten the darkest colours, or separate the "
                                                f"pictures for this printing condition"))
    if len(over) > 10:
        findings.append(Finding("fail", "inks", f"… and {len(over) - 10} more pages over "
                                                f"{limit} %"))
    if measured and not over:
        top = max(measured, key=lambda page: page.max_tac)
        findings.append(Finding("info", "inks", f"total area coverage at most "
                                                f"{top.max_tac:.0f} % (page {top.number}), "
                                                f"within {limit} % ({source})"))
    rule("warn", "inks", "unmeasured", "the total area coverage leaves out what it cannot "
         "know", "judge it on a proof or with the shop's preflight")
    rule("fail" if strict else "warn", "inks", "knockout_black", "100 % K knocks out",
         "set black text and rules to overprint (op and OP true, OPM 1), so that plates a "
         "hair out of register leave no white halo")
    rule("warn", "detail", "fine_text", f"text under {inks.FINE_TEXT_PT:g} pt in more than "
         f"{inks.FINE_TEXT_INKS} inks", "print small text in black, a black tint or one ink "
         "(two at most): on four plates it blurs when they are out of register")
    rule("warn", "detail", "fine_rules", f"rules under {inks.FINE_RULE_PT:g} pt in more than "
         "one ink", "print fine rules in one ink (a black tint or a single colour)")
    rule("fail", "detail", "hairlines", f"hairlines under {inks.HAIRLINE_PT:g} pt",
         "make every rule at least 0.125 pt wide (0.25 pt prints safely)")
    rule("fail", "trim", "short_bleed", "artwork stops at the trim",
         "extend it 3 mm past the trim into the bleed, or keep it off the edge")
    if not any(f.topic == "detail" for f in findings):
        findings.append(Finding("info", "detail", "fine text and rules in one or two inks, "
                                                  "no hairlines"))
    if not any(f.topic == "trim" for f in findings):
        findings.append(Finding("info", "trim", "artwork at the trim runs 3 mm into the bleed"))
    return findings


def _image_findings(uses: tuple[ImageUse, ...], rules: Profile) -> list[Finding]:
    if not uses:
        return [Finding("info", "images", "none")]
    findings = []
    for use in uses:
        where = f"page{'s' if len(use.pages) > 1 else ''} {pdfin.page_runs(list(use.pages))}"
        text = (f"{use.name}: {use.pixels[0]} × {use.pixels[1]} {use.colour_space}, "
                f"{use.dpi:.0f} dpi, {human_size(use.bytes)} ({where})")
        # The same limits the build applies to the event's images (profiles.py).
        if rules.min_dpi and use.dpi < rules.min_dpi:
            findings.append(Finding("fail", "images", f"{text}: under {rules.min_dpi:.0f} dpi"))
        elif rules.warn_dpi and use.dpi < rules.warn_dpi:
            findings.append(Finding("warn", "images", f"{text}: under {rules.warn_dpi:.0f} dpi"))
        else:
            findings.append(Finding("info", "images", text))
    return findings


def _size_findings(size: int, budget: int | None, uses: tuple[ImageUse, ...]) -> list[Finding]:
    if budget is None or size <= budget:
        suffix = f" (budget {human_size(budget)})" if budget else ""
        return [Finding("info", "size", f"{human_size(size)}{suffix}")]
    largest = sorted(uses, key=lambda u: -u.bytes)[:3]
    named = ", ".join(f"{u.name} ({human_size(u.bytes)}, page {u.pages[0]})" for u in largest)
    return [Finding("fail", "size", f"{human_size(size)} is over the budget of "
                                    f"{human_size(budget)}"
                                    + (f"; largest images: {named}" if named else ""))]


def _damage_findings(damage: tuple[str, ...]) -> list[Finding]:
    findings = [Finding("fail", "file", f"damaged: {line}") for line in damage[:10]]
    if len(damage) > 10:
        findings.append(Finding("fail", "file", f"… and {len(damage) - 10} more damaged places"))
    return findings


def _pdfa_findings(data: bytes) -> list[Finding]:
    """The archive's promise: PDF/A-3a approved by page-validation (an archive filed before
    the brochure was tagged: PDF/A-3b by pikepdf's validator, veraPDF's rules)."""
    from .pdfa import pdfa_violations

    approved, problems = pdfa_violations(data)
    if problems:
        return [Finding("fail", "pdf/a", line) for line in problems]
    return [Finding("info", "pdf/a", approved)]


def _pdfx_findings(pdf, seen: _Seen, read_content: bool) -> list[Finding]:
    """PDF/X-4 (ISO 15930-7), the press's standard: its catalog, metadata and pages read by
    pdfx.read_facts, its fonts and colours as this preflight read them (colours only where
    the drawing was read)."""
    from .pdfx import pdfx_problems, read_facts, summary

    facts = read_facts(pdf, encrypted=pdf.is_encrypted)
    problems = pdfx_problems(facts, seen.unembedded, seen.device_rgb if read_content else None)
    if problems:
        return [Finding("fail", "pdf/x", line) for line in problems]
    findings = [Finding("info", "pdf/x", summary(facts))]
    if facts.xmp_filtered:
        findings.append(Finding("warn", "pdf/x", "the XMP metadata stream is compressed: some "
                                                 "tools read it only uncompressed"))
    return findings


def _tag_findings(pdf, data: bytes, rules: Profile, budget: Budget, *,
                  validate: bool, read_tags: bool) -> list[Finding]:
    """Tagged PDF/UA-1: our own Matterhorn checks (read_tags: they read every page's marked
    content, as `check` does), then page-validation's PDF/UA-1 verdict (an archive's PDF/A-3a
    is judged under "pdf/a"). Under "advised" a problem only warns, and the file is judged
    as tagged without claiming PDF/UA (a print file claims nothing): its structure is held
    to the same rules, the missing claim is no finding."""
    from .accessibility import VALIDATOR_PROFILES, check_tags, validate_ua

    claimed = rules.accessibility == "required"
    level = "fail" if claimed else "warn"
    if not claimed and rules.colour_space == "cmyk" and "/StructTreeRoot" not in pdf.Root:
        # An untagged press file (the imposed booklet: sheets, not pages anyone reads on a
        # screen) is said to be so once, not warned about rule by rule.
        return [Finding("info", "tags", "not tagged: a file for the press only, not for "
                                        "reading on a screen")]
    problems = check_tags(pdf, budget, claimed=claimed) if read_tags else []
    findings = [Finding(level, "tags", f"{p.message} (Matterhorn {p.rule})"
                        if re.fullmatch(r"\d\d-\d\d\d", p.rule) else p.message)
                for p in problems]
    if read_tags and not problems:
        findings.append(Finding("info", "tags", "tagged: structure tree, marked content, "
                                                "headings, tables, lists, figures and links "
                                                "pass the Matterhorn checks"))
    if validate:
        verdicts = [v for v in validate_ua(data, ("ua1",))
                    if claimed or not v.rule.startswith(UA_IDENTIFICATION)]
        findings += [Finding(level, "pdf/ua", f"{v.message} ({v.rule})") for v in verdicts]
        if not verdicts:
            verdict = ("approved by page-validation" if claimed else
                       "rules met (page-validation); the file does not claim it")
            findings.append(Finding("info", "pdf/ua", f"{VALIDATOR_PROFILES['ua1']} {verdict}"))
    return findings


# page-validation's rules on the claim itself (pdfuaid in the XMP), which a file that claims
# nothing cannot meet.
UA_IDENTIFICATION = "PDFUA1-ID-"
