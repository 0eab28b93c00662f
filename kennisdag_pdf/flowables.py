"""The brochure's own flowables, and what each one is to the page it lands on.

Below both the parts (which make these flowables) and the document template (which lays them
out): neither needs to know the other. The template learns what a flowable is from here alone:

- `signpost_of`: what a heading or marker tells the template (its outline and contents
  entries, the running head of the pages after it, whether it opens a part);
- `presence_of`: whether it is content on the page, takes no room at all, or marks a page
  that is blank on purpose.

- `Element`: what a flowable is to a reader of the tagged PDF (a paragraph, a heading, a
  table cell, a figure with its description). A part builds the structure tree as it makes
  the flowables, and binds each flowable that draws something a reader should hear to its
  element (`tagged`); the canvas (tagging.py) marks what the flowable draws with that element
  while the page is drawn. Whatever is drawn outside a bound flowable is an artifact.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.platypus import (Flowable, Frame, Image, KeepTogether, ListFlowable, Paragraph,
                                Table)
from reportlab.platypus.doctemplate import ActionFlowable, FrameBreak
from reportlab.platypus.flowables import BulletDrawer, CondPageBreak
from reportlab.platypus.paragraph import (_SHYStr, _SplitWordHY, cleanBlockQuotedText,
                                          textTransformFrags)
from reportlab.platypus.paraparser import ParaParser

ZERO_WIDTH_SPACE = "\u200b"

# The page templates a story may ask for (NextPageTemplate); the document template defines them.
TEMPLATE_COVER = "cover"
# Facing pages: a left-hand (even) page has its inner margin on the right. Page 2 is the
# first left-hand page, so the body cycles left, right, left, … from there.
TEMPLATE_BODY_LEFT = "body-left"
TEMPLATE_BODY_RIGHT = "body-right"
TEMPLATE_BODY = [TEMPLATE_BODY_LEFT, TEMPLATE_BODY_RIGHT]
TEMPLATE_BACK = "back"


# --- what a flowable tells the page template ---------------------------------------------------

@dataclass(frozen=True)
class OutlineEntry:
    level: int  # 0: part, 1: section within a part
    title: str  # plain text, as the reader sees it
    key: str  # PDF destination name
    in_contents: bool = True


@dataclass(frozen=True)
class Signpost:
    """What a heading (or an invisible marker) tells the page template where it lands.

    `entries` go into the outline and, those `in_contents`, into the contents; a signpost
    without entries tells the template nothing. `running_head` is the text shown on the
    following pages of its part; `opens_part` makes the template suppress the running head on
    the page where the part begins, if nothing came before it on that page.
    """

    entries: tuple[OutlineEntry, ...] = ()
    running_head: str | None = None
    opens_part: bool = False


class Presence(enum.Enum):
    """What a flowable is to the page it lands on."""

    CONTENT = "content"  # takes room: a part opened after it no longer opens the page
    NONE = "none"  # takes no room and draws nothing: the page is as empty as before it
    BLANK_PAGE = "blank page"  # the page is blank on purpose: no running head, no folio


class Signposted:
    """A flowable that carries a Signpost."""

    signpost: Signpost = Signpost()


def signpost_of(flowable) -> Signpost | None:
    return flowable.signpost if isinstance(flowable, Signposted) else None


def presence_of(flowable) -> Presence:
    if isinstance(flowable, BlankPage):
        # It takes a point of height, so it is content too: the page is not empty.
        return Presence.BLANK_PAGE
    # Template switches and keep-with-next bookkeeping take no space; ReportLab marks its own
    # room-less flowables (an Indenter of a list, an anchor) with _ZEROSIZE. Its PageBreak
    # and CondPageBreak are neither: they count as content, which the layout was made with.
    if isinstance(flowable, (Point, ActionFlowable)) or getattr(flowable, "_ZEROSIZE", 0):
        return Presence.NONE
    return Presence.CONTENT


# --- what a flowable is to a reader: the structure of the tagged PDF ------------------------------

@dataclass(eq=False)
class Element:
    """A structure element: its standard type (PDF 1.7, ISO 32000-1 §14.8.4: Document, Sect,
    H1, P, Table, TR, TH, TD, L, LI, Lbl, LBody, TOC, TOCI, Figure, Link, ...), its place in
    the tree, and what it says of itself (Alt for a figure, /A attributes such as a header
    cell's Scope). Children are kept in the order they are added: parts add them in reading
    order."""

    role: str
    parent: "Element | None" = field(default=None, repr=False)
    alt: str | None = None
    attributes: dict = field(default_factory=dict)  # /A, owner Table or Layout
    children: list = field(default_factory=list, repr=False)
    keep_empty: bool = False  # a table cell with nothing in it is still a cell of its row

    def __post_init__(self) -> None:
        if self.parent is not None:
            self.parent.children.append(self)

    def add(self, role: str, **options) -> "Element":
        return Element(role, self, **options)


def tagged(flowable, element: Element):
    """Bind a flowable to the element its drawing belongs to; returns the flowable.
    (Written into __dict__: ReportLab's indenters forward attribute writes to what they wrap.)"""
    flowable.__dict__["element"] = element
    return flowable


def element_of(flowable) -> Element | None:
    return flowable.__dict__.get("element")


class Tagged:
    """A flowable whose drawing is marked with its element, when it has one and the canvas
    tags (tagging.BrochureCanvas); otherwise it draws as any flowable."""

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 (ReportLab's name)
        tags = getattr(canvas, "tags", None)
        element = self.__dict__.get("element")
        if tags is None or element is None:
            return super().drawOn(canvas, x, y, _sW)
        opened = tags.begin(element, self)
        try:
            return super().drawOn(canvas, x, y, _sW)
        finally:
            tags.end(opened)


class Picture(Tagged, Image):
    """An image: a Figure with its description when bound, an artifact otherwise."""


class _Bullet(BulletDrawer):
    """A list item's bullet, drawn as the item's label (Lbl)."""

    element: Element | None = None

    def drawOn(self, indenter, canvas, x, y, _sW=0):  # noqa: N802
        tags = getattr(canvas, "tags", None)
        if tags is None or self.element is None:
            return super().drawOn(indenter, canvas, x, y, _sW)
        with tags.marked(self.element, self):
            return super().drawOn(indenter, canvas, x, y, _sW)


class BulletList(ListFlowable):
    """A list whose items are (label element, flowables): the bullet is drawn as the label
    (Lbl of an L > LI > Lbl + LBody structure that the part built), the flowables as whatever
    they are bound to."""

    def __init__(self, items: list[tuple[Element | None, list]], **options) -> None:
        from reportlab.platypus import ListItem

        self._labels = iter([label for label, _ in items])
        self.first_item = items[0][1] if items else []
        self.indent = options.get("leftIndent", 0)
        super().__init__([ListItem(flowables) for _, flowables in items], **options)

    def _makeBullet(self, value, params=None):  # noqa: N802 (ReportLab's name)
        # Called once per item, in order, when the list is first laid out.
        plain = super()._makeBullet(value, params)
        bullet = _Bullet.__new__(_Bullet)
        bullet.__dict__.update(plain.__dict__)
        bullet.element = next(self._labels, None)
        return bullet


class IntroFits(CondPageBreak):
    """Before a paragraph that introduces a list ("The three steps:"): a new page unless the
    paragraph and the list's first item fit on this one, so that the introduction never
    stands alone at the foot of a page. (ReportLab's keepWithNext cannot hold a list: it
    never puts one in a KeepTogether.)"""

    def __init__(self, intro: Flowable, first_item: list[Flowable], indent: float) -> None:
        super().__init__(0)
        self.intro, self.first_item, self.indent = intro, first_item, indent

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        needed = self.intro.wrap(availWidth, availHeight)[1] + self.intro.getSpaceAfter()
        for flowable in self.first_item[:1]:  # its first line or paragraph is enough
            needed += flowable.wrap(availWidth - self.indent, availHeight)[1]
        self.height = needed
        return super().wrap(availWidth, availHeight)


# --- where a page ends ---------------------------------------------------------------------------

# A chapter or part that may run on (a thesis after a thesis, the conclusions after the last
# one) and will not end on the page begins a new page when the page is this full already: in
# its last third a new chapter would start cramped, with a few lines before the page turns.
RUN_ON_FULL = 2 / 3
# The lines of text a heading keeps with it, as a typesetter keeps them: with one or two a
# heading looks stranded at the foot of a page (and the paragraphs allow no orphan line).
FIRST_LINES = 3


def frame_fill(frame: Frame) -> float:
    """The share of the frame's height above its current point, 0–1; the space a last
    flowable asks below itself is no content, and is not counted."""
    top = frame._y2 - frame._topPadding
    used = top - (frame._y + frame._prevASpace)
    return min(1.0, max(0.0, used / (top - frame._y1p)))


def _splits_as_paragraph(flowable) -> bool:
    # A heading or a contents line moves on whole: its split is its own.
    return isinstance(flowable, Paragraph) and type(flowable).split in (Para.split,
                                                                        Paragraph.split)


def first_lines(flowable, width: float, canvas) -> float:
    """The height a flowable needs at the foot of a page to begin there: a paragraph's first
    lines, a list's first item's, anything else (a table, a picture) all of it."""
    if isinstance(flowable, BulletList) and flowable.first_item:
        return first_lines(flowable.first_item[0], width - flowable.indent, canvas)
    height = _height(flowable, width, canvas)
    if _splits_as_paragraph(flowable):
        return min(height, FIRST_LINES * flowable.style.leading)
    return height


def _height(flowable, width: float, canvas) -> float:
    height = flowable.wrapOn(canvas, width, 0xFFFFFF)[1]
    # A keep-together group asks for more than a page, to be split; its own height is _H.
    return flowable._H if isinstance(flowable, KeepTogether) else height


def stacked_height(flowables, width: float, canvas, *, opening: bool = False,
                   limit: float = float("inf")) -> float:
    """The room flowables take one below the other, spaced as a frame spaces them (the larger
    of one's space after and the next one's space before); more than `limit` once it is clear
    they need more. opening: only a chapter's opening, its heading and whatever that is kept
    with (keepWithNext: the thesis statement), then the first lines of what follows them."""
    total = previous_after = 0.0
    first = True
    for flowable in flowables:
        if isinstance(flowable, RunOn):
            total += 2 * flowable.gap  # at most: its rule in the space around it
            continue
        if getattr(flowable, "locChanger", False) or presence_of(flowable) is Presence.NONE:
            continue  # a conditional break (IntroFits) would act if it were measured
        before = 0.0 if first else max(flowable.getSpaceBefore() - previous_after, 0.0)
        first = False
        if opening and not flowable.getKeepWithNext():
            return total + before + first_lines(flowable, width, canvas)
        total += before + _height(flowable, width, canvas)
        if total > limit:
            return total
        previous_after = flowable.getSpaceAfter()
        total += previous_after
    return total - previous_after


class KeepWithFirstLines(KeepTogether):
    """The document's keep-with-next group (a heading and what follows it, ReportLab's
    keepTogetherClass) asks room for the first lines of a closing paragraph, not for all of
    it: a long paragraph no longer pulls its heading onto the next page and leaves a hole."""

    def wrap(self, available_width, available_height):  # noqa: D102
        size = super().wrap(available_width, available_height)
        last = self._content[-1]
        if len(self._content) > 1 and _splits_as_paragraph(last):
            self._H -= max(0.0, last.height - min(last.height,
                                                  FIRST_LINES * last.style.leading))
        return size


class RunOn(Flowable):
    """Before a chapter or part that may begin on the page where the one before it ends.

    It runs on, below a thin rule in generous space, when the chapter ends on this page, or
    when its opening (heading, statement, first lines) fits and the page is not mostly filled
    (RUN_ON_FULL). Otherwise the chapter begins a new page, and also near the end of the body,
    when of the two ways to end it (run on and end on a page of a few lines, or begin a new
    page and end there) the second leaves its emptier page fuller. At the top of a page it is
    nothing.

    It reads what follows it, to the end of the body, from `body` from `start` on
    (compose.py links them); without that it always runs on.
    """

    _ZEROSIZE = 1  # no space of its own before it; nothing to the page unless it draws
    locChanger = 1  # never inside a keep-together group: it decides where the page ends

    def __init__(self, *, gap: float, rule_width: float, rule_colour) -> None:
        super().__init__()
        self.gap, self.rule_width, self.rule_colour = gap, rule_width, rule_colour
        self.body: tuple = ()
        self.start = 0
        self.rule_at: float | None = None
        self.width = self.height = 0

    def link(self, body: tuple, start: int) -> None:
        self.body, self.start = body, start

    def _rest(self):
        for index in range(self.start, len(self.body)):
            yield self.body[index]

    def _chapter(self):
        for flowable in self._rest():
            if isinstance(flowable, RunOn):
                return
            yield flowable

    def wrap(self, available_width, available_height):  # noqa: D102
        self.rule_at, self.width, self.height = None, available_width, 0
        frame = self._doctemplateAttr("frame")
        if frame is None or frame._atTop:
            return 0, 0
        first = next((f for f in self._chapter() if presence_of(f) is not Presence.NONE), None)
        # The rule sits `gap` below the text above and `gap` above the heading, whose own
        # space before counts towards it.
        below = max(0.0, self.gap - first.getSpaceBefore()) if first is not None else 0.0
        if self._new_page(frame, available_width, available_height - self.gap - below):
            # A frame already filled past its foot turns this away itself, and moves on: a
            # break asked for then would be left over for the next page of that template.
            if available_height >= 0:
                frame.add_generated_content(FrameBreak)
            return 0, 0
        self.rule_at, self.height = below, self.gap + below
        return available_width, self.height

    def _new_page(self, frame: Frame, width: float, room: float) -> bool:
        canvas = self.canv
        if stacked_height(self._chapter(), width, canvas, opening=True) > room:
            return True
        if stacked_height(self._chapter(), width, canvas, limit=room) <= room:
            return False
        fill = frame_fill(frame)
        if fill >= RUN_ON_FULL:
            return True
        page = frame._y2 - frame._topPadding - frame._y1p
        rest = stacked_height(self._rest(), width, canvas, limit=page)
        if rest > page:
            return False  # the body does not end on the next page: nothing to balance
        # Running on fills this page and ends on the next with what is left over.
        return min(fill, rest / page) > (rest - room) / page

    def draw(self) -> None:
        if self.rule_at is None:
            return
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(self.rule_colour)
        canvas.setLineWidth(self.rule_width)
        canvas.line(0, self.rule_at, self.width, self.rule_at)
        canvas.restoreState()


def run_on(theme) -> RunOn:
    """A RunOn in the theme's rule and spacing."""
    return RunOn(gap=theme.measure.run_on_gap, rule_width=theme.measure.rule,
                 rule_colour=theme.palette.rule)


def link_run_ons(body: list) -> None:
    """Tell each RunOn in the body what follows it, to the body's end."""
    frozen = tuple(body)  # the story list itself is consumed by the layout
    for index, flowable in enumerate(frozen):
        if isinstance(flowable, RunOn):
            flowable.link(frozen, index + 1)


# --- text ----------------------------------------------------------------------------------------

class Para(Tagged, Paragraph):
    """A paragraph that parses plain text without the markup parser and breaks its lines once
    per width.

    Most paragraphs of a brochure are plain text (names, statements, contents lines): with no
    '<' and no '&' there is nothing to parse, and ReportLab's parser would only hand back one
    fragment in the style's font. That fragment is made once per style, by the parser itself,
    and copied with the new text, which is a tenth of the cost of a parse.

    ReportLab asks a paragraph for its height again and again at the same width (the frame,
    keep-with-next groups, conditional page breaks, table cells) and breaks all its lines
    every time: two to three times per paragraph in a long brochure, a third of the layout.
    Line breaking depends only on the width, so the last answer stands.
    """

    def __init__(self, text, style=None, bulletText=None, frags=None, **options):  # noqa: N803
        if frags is None and isinstance(text, str) and "<" not in text and "&" not in text \
                and style is not None and not options:
            text = _cleaned(text)
            frags = _plain_fragments(text, style)
        super().__init__(text, style, bulletText, frags, **options)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        # (A paragraph split() pushed on keeps its lines: see split.)
        if getattr(self, "_wrapped_at", None) == available_width and hasattr(self, "blPara"):
            return self.width, self.height
        size = super().wrap(available_width, available_height)
        self._wrapped_at = available_width
        _soft_break_hyphens(self)
        return size

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 (ReportLab's name)
        # A paragraph with emphasis or a link is marked inside its text, run by run (a Span,
        # a Link holding its words and its annotation); any other, around its drawing.
        tags = getattr(canvas, "tags", None)
        element = self.__dict__.get("element")
        if tags is None or element is None or not _has_runs(self):
            return super().drawOn(canvas, x, y, _sW)
        opened = tags.begin_inline(element, self, self.style.fontName)
        try:
            return Paragraph.drawOn(self, canvas, x, y, _sW)
        finally:
            tags.end_inline(opened)

    def split(self, available_width: float, available_height: float) -> list:
        # Both halves of a paragraph broken over two pages are the same element; and they
        # keep its words as written (ReportLab gives a half of markup none), which the soft
        # hyphens are told by.
        lines = self.__dict__.get("blPara")
        parts = super().split(available_width, available_height)
        if not parts and lines is not None and "blPara" not in self.__dict__:
            # Pushed on whole, ReportLab forgets its lines; on the next page, at the same
            # width (wrap checks), they are the same lines: kept, not broken again.
            self.blPara = lines
        element = self.__dict__.get("element")
        for part in parts:
            if element is not None:
                part.__dict__.setdefault("element", element)
            if getattr(part, "text", None) is None:
                part.text = self.text
        return parts


def _has_runs(para: Paragraph) -> bool:
    """Does the paragraph show a link, or words in another face than its own?"""
    lines = getattr(getattr(para, "blPara", None), "lines", None)
    if not lines or para.blPara.kind == 0:
        return False
    face = para.style.fontName
    return any(getattr(frag, "link", None) or getattr(frag, "fontName", face) != face
               for line in lines for frag in line.words)


SOFT_HYPHEN = "\u00ad"
_HYPHENATED = (_SplitWordHY, _SHYStr)  # ReportLab's word heads that end in the hyphen it added


def _soft_break_hyphens(para: Paragraph) -> None:
    """The hyphen hyphenation adds at a line's end becomes a soft hyphen (U+00AD): the same
    width, drawn the same, but text read from the page (by a screen reader, or copied) joins
    the word again, as ISO 32000-1 §14.8.2.2.3 asks. A hyphen the word has of itself
    ('T-Mobile' broken after 'T-') stays a hyphen."""
    lines = getattr(getattr(para, "blPara", None), "lines", None)
    if not lines:
        return
    if para.blPara.kind == 0:  # plain lines: (space, words); ReportLab types its added hyphen
        for index, line in enumerate(lines):
            words = line[1]
            if words and isinstance(words[-1], _HYPHENATED) and words[-1].endswith("-"):
                words = [*words[:-1], words[-1][:-1] + SOFT_HYPHEN]
                lines[index] = (line[0], words)
        return
    # Lines of fragments (text with markup) keep no such type: a hyphen at a line's end was
    # added when the word without it is in the paragraph and the word with it is not.
    source = para.text  # the paragraph's markup: its words as written
    for index, line in enumerate(lines[:-1]):
        last = next((frag for frag in reversed(line.words) if frag.text), None)
        if last is None or not last.text.endswith("-"):
            continue
        head = last.text.rsplit(" ", 1)[-1]
        following = next((frag.text for frag in lines[index + 1].words if frag.text), "")
        tail = following.split(" ", 1)[0]
        if head[:-1] + tail in source and head + tail not in source:
            last.text = last.text[:-1] + SOFT_HYPHEN


def _cleaned(text: str) -> str:
    """ReportLab's whitespace clean-up (runs collapsed, ends stripped), skipped when there is
    nothing to clean: no whitespace but single spaces between words. Its whitespace includes
    the zero-width space, which Python's str.split does not."""
    if " ".join(text.split()) == text and ZERO_WIDTH_SPACE not in text:
        return text
    return cleanBlockQuotedText(text)


_FRAGMENT_OF_STYLE: WeakKeyDictionary = WeakKeyDictionary()  # style → its one plain fragment


def _plain_fragments(text: str, style) -> list | None:
    """The fragments ReportLab's parser makes of markup-free text; None: let it parse."""
    if not text:
        return None
    try:
        model = _FRAGMENT_OF_STYLE[style]
    except KeyError:
        parsed_style, frags, bullets = ParaParser().parse("x", style)
        single = frags is not None and len(frags) == 1 and not bullets \
            and parsed_style is style
        model = _FRAGMENT_OF_STYLE[style] = frags[0] if single else None
    if model is None:
        return None
    fragment = copy.copy(model)
    fragment.text = text
    frags = [fragment]
    textTransformFrags(frags, style)
    return frags


class Heading(Signposted, Para):
    """A heading: its signpost registers it in the outline, the contents and the running head."""

    def __init__(self, title: str, style, signpost: Signpost = Signpost(), *,
                 markup: str | None = None) -> None:
        super().__init__(markup if markup is not None else escape(title), style)
        self.signpost = signpost

    def split(self, available_width: float, available_height: float) -> list:
        return []  # a heading is never broken over two pages: it moves on whole


# --- tables -------------------------------------------------------------------------------------

class MeasuredTable(Table):
    """A table of fixed column widths without spanned cells, which measures its rows once per
    width.

    ReportLab works out every row's height again each time it is asked for its size, and a
    table is asked again and again at the same width: by the frame, a keep-together group, a
    run-on's look-ahead (flowables.RunOn) that measures what follows it. Without spans its
    rows' heights depend on its cells and the width alone (not on the height offered), so
    the last answer stands. A split works its rows out afresh, and the tables it makes start
    unmeasured.
    """

    def wrap(self, available_width, available_height):  # noqa: D102
        if self.__dict__.get("_measured_at") == available_width:
            self.availWidth = available_width
            return self._width, self._height
        size = super().wrap(available_width, available_height)
        if not self._spanCmds and not self._nosplitCmds:
            self._measured_at = available_width
        return size

    def split(self, available_width, available_height):  # noqa: D102
        self._measured_at = None
        return super().split(available_width, available_height)


# --- points in the story -------------------------------------------------------------------------

class Point(Flowable):
    """A point in the story that takes no room and draws nothing."""

    _ZEROSIZE = 1  # ReportLab's frames then add it without the spacing of a flowable

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        pass


class Marker(Signposted, Point):
    """An invisible point in the story with the signpost a Heading carries."""

    def __init__(self, signpost: Signpost) -> None:
        super().__init__()
        self.signpost = signpost


class FillSheet(Point):
    """Where blank pages go, if any, so that the page count is a multiple of `multiple`
    (4 for a saddle-stitched booklet) with `following` pages still to come.

    The document template replaces it by the blanks when it reaches it: only then is the
    number of pages before it known.
    """

    def __init__(self, multiple: int, following: int) -> None:
        super().__init__()
        self.multiple = multiple
        self.following = following


class BlankPage(Flowable):
    """Marks an intentionally blank page: no running head, no folio.

    Takes a point of height so that the page exists: ReportLab skips empty pages.
    """

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (0, 1)

    def draw(self) -> None:
        pass


# --- figures -------------------------------------------------------------------------------------

QUIET_ZONE = 4  # modules of white around the code: the minimum the QR standard asks for


class QrCode(Tagged, Flowable):
    """A QR code drawn as filled modules in one theme colour (pure black ink in print).

    Sized from its module count, so a long URL gives a bigger code rather than modules too
    fine for a phone camera.
    """

    def __init__(self, value: str, *, colour, module: float, min_size: float) -> None:
        super().__init__()
        self.qr = QRCode(None, QRErrorCorrectLevel.M)
        self.qr.addData(value)
        self.qr.make()
        self.value = value
        self.colour = colour
        count = self.qr.getModuleCount() + 2 * QUIET_ZONE
        self.size = max(min_size, count * module)
        self.module = self.size / count

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (self.size, self.size)

    def draw(self) -> None:
        canvas, m = self.canv, self.module
        canvas.saveState()
        canvas.setFillColor(self.colour)
        # Runs of dark modules in a row become one rectangle: fewer operators, no seams.
        for row, modules in enumerate(self.qr.modules):
            y = self.size - (row + QUIET_ZONE + 1) * m
            col = 0
            while col < len(modules):
                if modules[col]:
                    start = col
                    while col < len(modules) and modules[col]:
                        col += 1
                    canvas.rect((start + QUIET_ZONE) * m, y, (col - start) * m, m,
                                stroke=0, fill=1)
                else:
                    col += 1
        canvas.restoreState()
