"""The one document template: page templates, running heads, folios, contents and outline.

Headings and markers in the story carry signposts; this template turns them into bookmarks
and running heads, and learns what any flowable is to the page from flowables.py alone, never
from the parts that made it. The document is laid out once: what depends on pages that do not
exist yet ('pagina 3 van 16', the page numbers in the contents) is drawn as a *late form*, a
form XObject placed where it belongs during layout and written after the last page, when every
number is known. ReportLab resolves a form by name at save time.

The PDF is tagged as it is drawn (tagging.py): the template declares what it draws itself as
artifacts (running heads and folios, the cover band) and, after the last page, writes the
structure tree the parts built (`structure`) from what the canvas recorded.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from hashlib import md5
from typing import Callable

from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import TimeStamp, bytestr
from reportlab.pdfbase.pdfdoc import PDFFormXObject, PDFResourceDictionary, xObjectName
from reportlab.pdfbase.pdfdoc import format as pdfformat
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate

from .flowables import (TEMPLATE_BACK, TEMPLATE_BODY_LEFT, TEMPLATE_BODY_RIGHT, TEMPLATE_COVER,
                        BlankPage, Element, FillSheet, KeepWithFirstLines, Presence, Signpost,
                        frame_fill, presence_of, signpost_of)
from .i18n import Language
from .profiles import Profile
from .tagging import BrochureCanvas, metadata_stream, ua_metadata, write_structure
from .theme import MARKS, Theme


class _LateFormXObject(PDFFormXObject):
    """A late form, written as ReportLab writes any form, byte for byte, but without building
    a dictionary of dictionaries for each: a long brochure has thousands (a folio per page, a
    number and a leader per contents entry), and ReportLab's general formatting is the larger
    part of their cost. Anything unusual (resources of its own, annotations, no compression)
    is left to ReportLab."""

    def format(self, document):
        if (self.Resources is not None or self.Annots or self.XObjects or self.BBox
                or self.Matrix or self.Contents or not self.compression or rl_config.useA85
                or not self.stream):
            return super().format(document)
        content = document.encrypt.encode(zlib.compress(self.stream))
        box = " ".join(fp_str(v) for v in (self.lowerx, self.lowery, self.upperx, self.uppery))
        return b"".join((
            b"<<\n/BBox [ ", box.encode("ascii"), b" ] /Filter [ /FlateDecode ] /FormType 1 "
            b"/Length %d /Matrix [ 1 0 0 1 0 0 ] /Resources " % len(content),
            _form_resources(document), b" \n  /Subtype /Form /Type /XObject\n>>\nstream\n",
            content, b"endstream\n"))


def _form_resources(document) -> bytes:
    """The resources ReportLab gives every form (its fonts, every procedure set), formatted
    by ReportLab once per document."""
    cached = getattr(document, "_kennisdag_form_resources", None)
    if cached is None:
        resources = PDFResourceDictionary()
        resources.basicFonts()
        resources.allProcs()
        cached = document._kennisdag_form_resources = pdfformat(resources, document)
    return cached


@dataclass(frozen=True)
class LateForm:
    name: str
    bbox: tuple[float, float, float, float]  # around the point where it was placed
    draw: Callable  # (canvas, pages: key → page number) → None, in the form's own space


@dataclass(frozen=True)
class PageFill:
    """How much of a page's text frame the layout filled, read from the frame as the page ends."""

    page: int
    template: str  # the page template's name (flowables.TEMPLATE_*)
    fill: float  # height taken by what was placed, over the frame's height: 0–1
    blank: bool  # blank on purpose (padding before the back cover)
    keys: tuple[str, ...]  # outline keys of the headings placed on it, in order
    head: str | None  # the running head drawn on it, if any


class _BuildTime(TimeStamp):
    """ReportLab's time stamp of a document, from the build time as we read it: ReportLab
    would read SOURCE_DATE_EPOCH from the environment itself, with its own parsing."""

    def __init__(self, epoch: int) -> None:  # noqa: D107 - the fields TimeStamp sets, in UTC
        self.t = epoch
        self.lt = time.gmtime(epoch)
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


def _dated_canvas(epoch: int) -> Callable[..., BrochureCanvas]:
    """A canvas maker whose document carries the build time: its dates and the seed of its
    /ID, exactly as ReportLab seeds them from SOURCE_DATE_EPOCH, without the environment."""

    def make(*args, **kwargs) -> BrochureCanvas:
        canvas = BrochureCanvas(*args, **kwargs)
        document = canvas._doc
        document._timeStamp = _BuildTime(epoch)
        document.signature = md5(usedforsecurity=False)
        document.signature.update(b"a reportlab document")
        document.signature.update(bytestr(ascii(epoch)))
        return canvas

    return make


class _Column(Frame):
    """A frame whose text is exactly the width it was given. ReportLab works a frame's width
    out again from its edges, (left + width) − left, which rounds differently at the inner and
    the outer margin: on A4 a right-hand page was a hair wider than a left-hand one, and every
    paragraph measured on one hand (a run-on's look-ahead) was broken again on the other."""

    def _geom(self) -> None:
        super()._geom()
        self.__dict__["_aW"] = self._width - self._leftPadding - self._rightPadding


class BrochureTemplate(BaseDocTemplate):
    def __init__(self, target, *, theme: Theme, lang: Language, profile: Profile, title: str,
                 subject: str, author: str, keywords: list[str], creator: str,
                 structure: Element, cover_art=None, cover_figure: Element | None = None,
                 progress=None) -> None:
        geometry = theme.page
        super().__init__(
            target, pagesize=geometry.size, leftMargin=geometry.inner,
            rightMargin=geometry.outer, topMargin=geometry.top, bottomMargin=geometry.bottom,
            title=title, subject=subject, author=author, keywords=keywords, creator=creator,
            producer=creator, lang=lang.pdf_lang, displayDocTitle=1,
            initialFontName=theme.initial_font, invariant=1, pageCompression=1,
            showBoundary=0, allowSplitting=1, **_press_options(profile, geometry))
        self.theme = theme
        self.language = lang
        self.profile = profile
        self.cover_art = cover_art  # a Placement drawn full-bleed across the top of the cover
        self.cover_figure = cover_figure  # its element in the structure tree
        self.structure = structure  # the root (Document) of the structure tree
        self.progress = progress  # called (pages done) after every page
        self.pages = 0
        self.padding = 0  # blank pages added to fill the last sheet
        self.key_pages: dict[str, int] = {}  # outline key → the page its heading is on
        self.fills: list[PageFill] = []  # one per page, in order
        self._page_keys: list[str] = []
        self._drawn_head: str | None = None
        self._late_forms: list[LateForm] = []
        self._part_title: str | None = None
        self._head: str | None = None
        self._flowables_on_page = 0
        self._suppress_head = False
        self._blank = False
        # A heading keeps with the first lines of its text, not with the whole paragraph.
        self.keepTogetherClass = KeepWithFirstLines
        self.addPageTemplates(self._templates())

    def _templates(self) -> list[PageTemplate]:
        g = self.theme.page
        with_image = self.cover_art is not None

        def column(frame_id: str, bottom: float, height: float, *, right_hand=True) -> Frame:
            # Every frame spans the text width; the margins are the theme's, not padding.
            return _Column(g.left_margin(right_hand), bottom, g.text_width, height,
                           id=frame_id, leftPadding=0, rightPadding=0, topPadding=0,
                           bottomPadding=0)

        band_top = g.band_top(with_image)
        band_foot = band_top - g.cover_band_height(with_image)
        band = column("cover-band", band_foot + g.cover_band_pad,
                      g.cover_band_text_height(with_image))
        below_top = band_foot - g.cover_meta_gap
        below = column("cover-foot", g.bottom, below_top - g.bottom)
        body_templates = [
            PageTemplate(name, [column("text", g.bottom, g.text_height, right_hand=right)],
                         onPage=self._begin_page, onPageEnd=self._draw_furniture,
                         pagesize=g.size)
            for name, right in ((TEMPLATE_BODY_LEFT, False), (TEMPLATE_BODY_RIGHT, True))]
        # The back cover is a left-hand page in the booklet.
        back = column("back", g.bottom, g.text_height, right_hand=False)
        return [
            PageTemplate(TEMPLATE_COVER, [band, below], onPage=self._draw_cover,
                         pagesize=g.size),
            *body_templates,
            PageTemplate(TEMPLATE_BACK, [back], onPage=self._begin_page, pagesize=g.size),
        ]

    # --- layout -----------------------------------------------------------------------------

    def lay_out(self, story: list, *, built: int) -> None:
        """Lay the story out once, then write the late forms and save; the PDF is dated
        `built` (seconds since 1970, UTC)."""
        self._doSave = 0
        self.build(story, canvasmaker=_dated_canvas(built))
        canvas = self.canv
        pages = {**self.key_pages, "": self.pages}
        registered = canvas._doc.idToObject
        for form in self._late_forms:
            canvas.beginForm(form.name, *form.bbox)
            form.draw(canvas, pages)
            canvas.endForm()
            written = registered[xObjectName(form.name)]
            if type(written) is PDFFormXObject:
                written.__class__ = _LateFormXObject
        write_structure(canvas, self.structure)
        canvas.setCatalogEntry("Metadata", metadata_stream(
            ua_metadata(self.title, self.language.pdf_lang,
                        claim=self.profile.accessibility == "required")))
        canvas.save()

    def late_form(self, canvas, name: str, origin: tuple[float, float],
                  bbox: tuple[float, float, float, float], draw: Callable) -> None:
        """Place form `name` at origin now; draw(canvas, pages) fills it after layout."""
        canvas.saveState()
        canvas.translate(*origin)
        canvas.doForm(name)
        canvas.restoreState()
        self._late_forms.append(LateForm(name, bbox, draw))

    def handle_flowable(self, flowables) -> None:  # noqa: N802
        if isinstance(flowables[0], FillSheet):
            fill = flowables.pop(0)
            # The page in progress is the last one with content; `following` pages come after.
            self.padding = -(self.page + fill.following) % fill.multiple
            flowables[0:0] = [item for _ in range(self.padding)
                              for item in (PageBreak(), BlankPage())]
            return
        super().handle_flowable(flowables)

    def beforeDocument(self) -> None:  # noqa: N802
        self._part_title = None
        if self.profile.show_outline:
            self.canv.showOutline()

    def afterPage(self) -> None:  # noqa: N802
        self.pages += 1
        self.fills.append(PageFill(self.page, self.pageTemplate.id, frame_fill(self.frame),
                                   self._blank, tuple(self._page_keys), self._drawn_head))
        self._page_keys, self._drawn_head = [], None
        if self.progress is not None:
            self.progress(self.pages)

    # --- headings ------------------------------------------------------------------------------

    def afterFlowable(self, flowable) -> None:  # noqa: N802
        signpost = signpost_of(flowable)
        if signpost is not None and signpost.entries:
            self._follow(signpost)
        presence = presence_of(flowable)
        if presence is Presence.BLANK_PAGE:
            self._blank = True
        if presence is not Presence.NONE:
            self._flowables_on_page += 1

    def _follow(self, signpost: Signpost) -> None:
        """Bookmarks and outline entries where the signpost landed; the running head from here."""
        canvas = self.canv
        for entry in signpost.entries:
            canvas.bookmarkPage(entry.key)
            canvas.addOutlineEntry(entry.title, entry.key, level=entry.level, closed=False)
            self.key_pages[entry.key] = self.page
            self._page_keys.append(entry.key)
        if signpost.opens_part and self._flowables_on_page == 0:
            self._suppress_head = True
        if signpost.running_head:
            self._part_title = signpost.running_head

    # --- page furniture ------------------------------------------------------------------------

    def _begin_page(self, canvas, doc) -> None:
        canvas.setFont(self.theme.initial_font, self.theme.body_size)
        # The running head names what the page begins with: the thesis or part in progress
        # at its top, though another may begin lower down (a part opening the page: none).
        self._head = self._part_title
        self._flowables_on_page = 0
        self._suppress_head = False
        self._blank = False

    def _draw_cover(self, canvas, doc) -> None:
        g, p = self.theme.page, self.theme.palette
        with_image = self.cover_art is not None
        band_top = g.band_top(with_image)
        band_height = g.cover_band_height(with_image)
        canvas.saveState()
        canvas.setFillColor(p.band)
        # Backgrounds run into the bleed (zero on screen); the top too when nothing is above.
        top = band_top + (0 if with_image else g.bleed)
        with canvas.tags.artifact("Layout"):
            canvas.rect(-g.bleed, band_top - band_height, g.width + 2 * g.bleed,
                        top - (band_top - band_height), stroke=0, fill=1)
        if with_image:
            x, y, width, height = g.cover_image_box()
            figure = self.cover_figure
            with canvas.tags.marked(figure, self.cover_art) if figure else \
                    canvas.tags.artifact("Layout"):
                canvas.drawImage(self.cover_art.reader, x, y, width, height)
        canvas.restoreState()
        self._flowables_on_page = 0

    def _draw_furniture(self, canvas, doc) -> None:
        if self._blank:
            return
        with canvas.tags.artifact("Pagination"):
            self._draw_running_head_and_folio(canvas)

    def _draw_running_head_and_folio(self, canvas) -> None:
        g, p, styles = self.theme.page, self.theme.palette, self.theme.styles
        right_hand = self.page % 2 == 1
        left = g.left_margin(right_hand)
        right = left + g.text_width

        def outer(y: float, label: str) -> None:
            # Running head and folio sit at the outer edge, where the eye finds them.
            if right_hand:
                canvas.drawRightString(right, y, label)
            else:
                canvas.drawString(left, y, label)

        canvas.saveState()
        if self._head and not self._suppress_head:
            style = styles["running_head"]
            canvas.setFont(style.fontName, style.fontSize)
            canvas.setFillColor(style.textColor)
            y = g.height - g.top + g.head_offset
            label = _fit(self._head, style, g.text_width * 0.8)
            outer(y, label)
            self._drawn_head = label
            canvas.setStrokeColor(p.rule)
            canvas.setLineWidth(self.theme.measure.rule)
            canvas.line(left, y - g.head_rule_gap, right, y - g.head_rule_gap)
        canvas.restoreState()
        self._place_folio(canvas, right_hand, left, right)

    def _place_folio(self, canvas, right_hand: bool, left: float, right: float) -> None:
        """'pagina 3 van 16' at the outer edge; the page count is known only after layout."""
        style = self.theme.styles["folio"]
        page, template = self.page, self.language["folio"]
        width = self.theme.page.text_width  # room enough for any folio

        def draw(form, pages) -> None:
            form.setFont(style.fontName, style.fontSize)
            form.setFillColor(style.textColor)
            line = template.format(page=page, pages=pages[""])
            if right_hand:
                form.drawRightString(0, 0, line)
            else:
                form.drawString(0, 0, line)

        y = self.theme.page.bottom - self.theme.page.foot_offset
        bbox = (-width, -style.fontSize, 0, style.leading) if right_hand else \
            (0, -style.fontSize, width, style.leading)
        self.late_form(canvas, f"folio-{page}", (right if right_hand else left, y), bbox, draw)


def _press_options(profile: Profile, g) -> dict:
    """Canvas options of a press-ready file: CMYK only, crop marks, trim and bleed boxes.

    ReportLab enlarges the media box by the marks' border and shifts the page into it, but
    computes no boxes: they are set here in those enlarged coordinates. Its own bleedWidth
    option is not used because it scales the page instead of adding bleed.
    """
    options: dict = {}
    if profile.colour_space == "cmyk":
        options["enforceColorSpace"] = "cmyk"
    if profile.crop_marks:
        from types import SimpleNamespace

        from reportlab.lib.colors import CMYKColor

        s, b = MARKS.border, g.bleed
        options["cropMarks"] = SimpleNamespace(
            borderWidth=s, markLength=MARKS.length, markWidth=MARKS.width,
            markColor=CMYKColor(*MARKS.registration), markLast=1, bleedWidth=0)
        options["trimBox"] = (s, s, s + g.width, s + g.height)
        options["bleedBox"] = (s - b, s - b, s + g.width + b, s + g.height + b)
    return options


def _fit(label: str, style, width: float) -> str:
    """Shorten a running head with an ellipsis so it never runs into the margin."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(label, style.fontName, style.fontSize) <= width:
        return label
    while label and stringWidth(label + "…", style.fontName, style.fontSize) > width:
        label = label[:-1]
    return label.rstrip() + "…"
