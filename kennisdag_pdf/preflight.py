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

from .errors import BadInput
from .profiles import PROFILES, human_size
from .theme import MARKS

POINTS_PER_MM = 72 / 25.4
BOX_TOLERANCE = 0.1  # points
SIZE_TOLERANCE_MM = 1.0
NAMED_SIZES = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210)}
RGB_SPACES = ("DeviceRGB", "CalRGB", "ICCBased(3)", "Lab")
SUBSET = re.compile(r"^[A-Z]{6}\+")
COLOUR_OPERATORS = {"rg": "DeviceRGB", "RG": "DeviceRGB", "k": "DeviceCMYK",
                    "K": "DeviceCMYK", "g": "DeviceGray", "G": "DeviceGray"}


@dataclass(frozen=True)
class Finding:
    level: str  # "fail" | "warn" | "info"
    topic: str  # "pages" | "boxes" | "fonts" | "colour" | "images" | "size" | "pdf/a"
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

    @property
    def passed(self) -> bool:
        return not any(f.level == "fail" for f in self.findings)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "fail"]

    def lines(self) -> list[str]:
        out = [f"{self.name}: {self.profile} profile"]
        for topic in ("pages", "boxes", "fonts", "colour", "images", "size", "pdf/a"):
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
    except Exception:  # unreadable files are reported by preflight() itself
        pass
    return "screen"


def preflight(data: bytes, *, profile: str, name: str, size_budget: int | None = None,
              bleed: float = MARKS.bleed, validate_pdfa: bool = True,
              read_content: bool = True) -> Report:
    """read_content=False skips reading every page's drawing operators (colours, image
    placements): fonts are then found through the resources. A build's check of its own
    screen or archive file needs no more, and a 1,000-page file is checked in a tenth of the
    time; `kennisdag-pdf check` always reads everything."""
    import pikepdf

    try:
        pdf = pikepdf.open(BytesIO(data))
    except pikepdf.PasswordError:
        raise BadInput.single(name, "is encrypted; preflight needs an unprotected PDF") from None
    except (pikepdf.PdfError, ValueError, OSError):
        raise BadInput.single(name, "is not a readable PDF") from None
    with pdf:
        if len(pdf.pages) == 0:
            raise BadInput.single(name, "is not a readable PDF (it has no pages)")
        check = _Checker(pdf, profile, bleed)
        check.pages()
        check.boxes()
        if read_content:
            check.walk()
        else:
            check.fonts_in_resources()
        check.fonts_found()
        if read_content:
            check.colours_found()
            check.images_found()
        check.size(len(data), size_budget)
        if PROFILES[profile].archival and validate_pdfa:
            check.pdfa(data)
        return Report(name, profile, len(pdf.pages), check.trim_mm, len(data),
                      tuple(check.findings), tuple(check.image_uses()),
                      frozenset(check.spaces), tuple(sorted(check.fonts)))


def _box(array) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in array)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _mm(points: float) -> float:
    return points / POINTS_PER_MM


def _size_name(w: float, h: float) -> str:
    for label, (a, b) in NAMED_SIZES.items():
        if abs(w - a) <= SIZE_TOLERANCE_MM and abs(h - b) <= SIZE_TOLERANCE_MM:
            return f" ({label})"
        if abs(w - b) <= SIZE_TOLERANCE_MM and abs(h - a) <= SIZE_TOLERANCE_MM:
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


class _Checker:
    def __init__(self, pdf, profile: str, bleed: float) -> None:
        self.pdf = pdf
        self.profile = profile
        self.press = profile == "print"
        self.bleed = bleed
        self.findings: list[Finding] = []
        self.trim_mm: tuple[float, float] | None = None
        self.spaces: set[str] = set()
        self.rgb_uses: list[str] = []
        self.fonts: set[str] = set()
        self.font_problems: list[str] = []
        self.placed: dict[tuple, _Placed] = {}
        self._fonts_seen: set = set()

    def add(self, level: str, topic: str, message: str) -> None:
        self.findings.append(Finding(level, topic, message))

    # --- pages and boxes ---------------------------------------------------------------------

    def _trim(self, page) -> tuple[float, float, float, float]:
        for key in ("/TrimBox", "/CropBox", "/MediaBox"):
            if key in page:
                return _box(page[key])
        return _box(page.MediaBox)

    def pages(self) -> None:
        sizes = []
        for page in self.pdf.pages:
            x0, y0, x1, y1 = self._trim(page.obj)
            sizes.append((round(_mm(x1 - x0), 1), round(_mm(y1 - y0), 1)))
        self.trim_mm = sizes[0]
        w, h = sizes[0]
        count = len(sizes)
        odd = [n for n, s in enumerate(sizes, 1)
               if abs(s[0] - w) > SIZE_TOLERANCE_MM or abs(s[1] - h) > SIZE_TOLERANCE_MM]
        text = f"{count} page{'s' if count > 1 else ''}, {w:g} × {h:g} mm{_size_name(w, h)}"
        if odd:
            self.add("fail", "pages", f"{text}; pages of another size: {_list(odd)}")
        else:
            self.add("info", "pages", f"{text}, all the same size")
        if self.press and w > h:  # imposed sheets: each sheet has a front and a back
            if count % 2:
                self.add("fail", "pages", f"{count} sheet sides: a sheet has two sides")
        elif self.press and count % 4:
            self.add("fail", "pages", f"{count} pages: not a multiple of 4 for a "
                                      f"saddle-stitched booklet")

    def boxes(self) -> None:
        missing: dict[str, list[int]] = {"/TrimBox": [], "/BleedBox": []}
        wrong_bleed, no_room, has_bleed = [], [], []
        for number, page in enumerate(self.pdf.pages, 1):
            obj = page.obj
            media = _box(obj.MediaBox)
            for key in missing:
                if key not in obj:
                    missing[key].append(number)
            if "/TrimBox" not in obj or "/BleedBox" not in obj:
                continue
            trim, bleed = _box(obj.TrimBox), _box(obj.BleedBox)
            grown = (trim[0] - self.bleed, trim[1] - self.bleed, trim[2] + self.bleed,
                     trim[3] + self.bleed)
            if any(abs(a - b) > BOX_TOLERANCE for a, b in zip(bleed, grown)):
                wrong_bleed.append(number)
            if bleed != trim:
                has_bleed.append(number)
            if not (media[0] < bleed[0] and media[1] < bleed[1] and media[2] > bleed[2]
                    and media[3] > bleed[3]):
                no_room.append(number)
        if not self.press:
            if has_bleed:
                self.add("fail", "boxes", f"bleed on pages {_list(has_bleed)}: a screen PDF "
                                          f"shows the trimmed page only")
            else:
                self.add("info", "boxes", "trimmed pages, no bleed")
            return
        problems = False
        for key, pages in missing.items():
            if pages:
                problems = True
                self.add("fail", "boxes", f"{key[1:]} missing on pages {_list(pages)}")
        if wrong_bleed:
            problems = True
            self.add("fail", "boxes", f"bleed is not {_mm(self.bleed):.1f} mm on every side on "
                                      f"pages {_list(wrong_bleed)}")
        if no_room:
            problems = True
            self.add("fail", "boxes", f"no room for crop marks outside the bleed on pages "
                                      f"{_list(no_room)}")
        if not problems:
            page = self.pdf.pages[0].obj
            border = _box(page.TrimBox)[0] - _box(page.MediaBox)[0]
            self.add("info", "boxes", f"TrimBox and BleedBox on every page, bleed "
                                      f"{_mm(self.bleed):.1f} mm, marks border {_mm(border):.1f} mm")

    # --- content ------------------------------------------------------------------------------

    def walk(self) -> None:
        for number, page in enumerate(self.pdf.pages, 1):
            self._content(page.obj, page.obj.get("/Resources"), number, (1, 0, 0, 1, 0, 0),
                          set())
            for annot in page.obj.get("/Annots", []):
                appearance = annot.get("/AP")
                normal = appearance.get("/N") if appearance is not None else None
                if normal is not None and hasattr(normal, "read_bytes") and "/BBox" in normal:
                    self._content(normal, normal.get("/Resources"), number,
                                  (1, 0, 0, 1, 0, 0), set())

    def fonts_in_resources(self) -> None:
        """Every font the pages and their forms name, without reading what they draw."""
        seen: set = set()

        def visit(resources) -> None:
            if resources is None:
                return
            for name in resources.get("/Font", {}).keys():
                self._font(resources, name)
            for xobject in resources.get("/XObject", {}).values():
                if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    visit(xobject.get("/Resources"))

        for page in self.pdf.pages:
            visit(page.obj.get("/Resources"))

    def _content(self, stream, resources, number: int, ctm: tuple, active: set) -> None:
        import pikepdf

        if stream.objgen in active and stream.objgen != (0, 0):
            return  # a form that draws itself
        active = active | {stream.objgen}
        resources = resources if resources is not None else pikepdf.Dictionary()
        stack: list[tuple] = []
        in_text = False
        for operands, operator in pikepdf.parse_content_stream(stream):
            op = str(operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop() if stack else ctm
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            elif op == "BT":
                in_text = True
            elif op == "ET":
                in_text = False
            elif op in COLOUR_OPERATORS:
                self._space(COLOUR_OPERATORS[op], number, f"{'fill' if op.islower() else 'stroke'}"
                                                          f" colour ({op})")
            elif op in ("cs", "CS"):
                space = self._resolve_space(operands[0], resources)
                self._space(space, number, f"colour space {space} ({op})")
            elif op == "Tf":
                self._font(resources, operands[0])
            elif op == "Do":
                self._xobject(resources, operands[0], number, ctm, active)
            elif op == "INLINE IMAGE":
                self._inline(operands[0], number, ctm)
            elif op == "sh":
                self._space("Shading", number, "shading (sh)")

    def _space(self, space: str, number: int, what: str) -> None:
        self.spaces.add(space)
        if space.startswith(RGB_SPACES) or "(DeviceRGB)" in space or "(ICCBased(3))" in space:
            self.rgb_uses.append(f"page {number}: RGB {what}")

    def _resolve_space(self, value, resources) -> str:
        import pikepdf

        if isinstance(value, pikepdf.Name):
            name = str(value)
            if name in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray", "/Pattern"):
                return name[1:]
            spaces = resources.get("/ColorSpace", {})
            if name in spaces:
                return self._describe_space(spaces[name])
            return name[1:]
        return self._describe_space(value)

    def _describe_space(self, value) -> str:
        import pikepdf

        if isinstance(value, pikepdf.Name):
            return str(value)[1:]
        if isinstance(value, pikepdf.Array) and len(value):
            family = str(value[0])[1:]
            if family == "ICCBased":
                return f"ICCBased({int(value[1].get('/N', 0))})"
            if family == "Indexed":
                return f"Indexed({self._describe_space(value[1])})"
            if family in ("Separation", "DeviceN"):
                return family
            return family
        return "unknown"

    def _font(self, resources, name) -> None:
        font = resources.get("/Font", {}).get(name)
        if font is None or font.objgen in self._fonts_seen and font.objgen != (0, 0):
            return
        self._fonts_seen.add(font.objgen)
        base = str(font.get("/BaseFont", "/(unnamed)"))[1:]
        targets = [font]
        if font.get("/Subtype") == "/Type0":
            targets = list(font.get("/DescendantFonts", []))
        if font.get("/Subtype") == "/Type3":
            self.fonts.add(base)
            return
        embedded = all(
            t.get("/FontDescriptor") is not None and any(
                k in t.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            for t in targets)
        self.fonts.add(SUBSET.sub("", base))
        if not embedded:
            self.font_problems.append(f"{base} is not embedded")
        elif not SUBSET.match(base):
            self.font_problems.append(f"{base} is embedded whole, not as a subset")

    def _xobject(self, resources, name, number: int, ctm: tuple, active: set) -> None:
        xobject = resources.get("/XObject", {}).get(name)
        if xobject is None:
            return
        subtype = xobject.get("/Subtype")
        if subtype == "/Form":
            matrix = tuple(float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
            self._content(xobject, xobject.get("/Resources", resources), number,
                          _multiply(matrix, ctm), active)
        elif subtype == "/Image":
            if xobject.get("/ImageMask", False):
                space = "ImageMask"
            else:
                space = self._describe_space(xobject.get("/ColorSpace", "/DeviceGray"))
            self._image(str(name), xobject.objgen, int(xobject.Width), int(xobject.Height),
                        space, len(xobject.read_raw_bytes()), number, ctm)

    def _inline(self, image, number: int, ctm: tuple) -> None:
        obj = image.obj if hasattr(image, "obj") else None
        width = int(getattr(image, "width", 0) or 0)
        height = int(getattr(image, "height", 0) or 0)
        space = str(getattr(image, "colorspace", "") or "DeviceGray").lstrip("/")
        self._image("inline image", ("inline", number, id(obj)), width, height, space, 0,
                    number, ctm)

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

    # --- verdicts -----------------------------------------------------------------------------

    def fonts_found(self) -> None:
        for problem in sorted(set(self.font_problems)):
            self.add("fail", "fonts", problem)
        if not self.font_problems:
            self.add("info", "fonts", f"{len(self.fonts)} fonts, all embedded and subset: "
                                      f"{', '.join(sorted(self.fonts))}")

    def colours_found(self) -> None:
        spaces = ", ".join(sorted(self.spaces)) or "none"
        if self.press:
            for use in self.rgb_uses[:10]:
                self.add("fail", "colour", use)
            if len(self.rgb_uses) > 10:
                self.add("fail", "colour", f"… and {len(self.rgb_uses) - 10} more RGB uses")
            if "DeviceGray" in self.spaces:
                self.add("warn", "colour", "DeviceGray used: prints on the black plate only")
            if not self.rgb_uses:
                self.add("info", "colour", f"no RGB: {spaces}")
        else:
            self.add("info", "colour", spaces)

    def image_uses(self) -> list[ImageUse]:
        return [ImageUse(p.name, p.pixels, p.colour_space, p.bytes,
                         p.dpi if p.dpi != math.inf else 0.0, tuple(sorted(p.pages)))
                for p in self.placed.values()]

    def images_found(self) -> None:
        uses = self.image_uses()
        if not uses:
            self.add("info", "images", "none")
        for use in uses:
            where = f"page{'s' if len(use.pages) > 1 else ''} {_list(list(use.pages))}"
            text = (f"{use.name}: {use.pixels[0]} × {use.pixels[1]} {use.colour_space}, "
                    f"{use.dpi:.0f} dpi, {human_size(use.bytes)} ({where})")
            # The same limits the build applies to the event's images (profiles.py).
            rules = PROFILES[self.profile]
            if rules.min_dpi and use.dpi < rules.min_dpi:
                self.add("fail", "images", f"{text}: under {rules.min_dpi:.0f} dpi")
            elif rules.warn_dpi and use.dpi < rules.warn_dpi:
                self.add("warn", "images", f"{text}: under {rules.warn_dpi:.0f} dpi")
            else:
                self.add("info", "images", text)

    def pdfa(self, data: bytes) -> None:
        """The archive's promise: approved by pikepdf's PDF/A validator (veraPDF's rules)."""
        from .pdfa import FLAVOUR, validate

        problems = validate(data)
        for line in problems:
            self.add("fail", "pdf/a", line)
        if not problems:
            self.add("info", "pdf/a", f"PDF/A-{FLAVOUR} approved by the validator")

    def size(self, size: int, budget: int | None) -> None:
        if budget is None or size <= budget:
            suffix = f" (budget {human_size(budget)})" if budget else ""
            self.add("info", "size", f"{human_size(size)}{suffix}")
            return
        largest = sorted(self.image_uses(), key=lambda u: -u.bytes)[:3]
        named = ", ".join(f"{u.name} ({human_size(u.bytes)}, page {u.pages[0]})"
                          for u in largest)
        self.add("fail", "size", f"{human_size(size)} is over the budget of {human_size(budget)}"
                                 + (f"; largest images: {named}" if named else ""))


def _multiply(m: tuple, n: tuple) -> tuple:
    """m × n for PDF matrices [a b c d e f] (m applied first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _list(numbers: list[int]) -> str:
    """[1, 2, 3, 7] → '1–3, 7'."""
    out, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}–{n}" if n != start else f"{n}")
            start = None
    return ", ".join(out)
