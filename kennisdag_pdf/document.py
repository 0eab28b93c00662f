"""The one document template: page templates, running heads, folios, contents and outline.

Headings and markers in the story carry their outline entries (parts/base.py); this template
turns them into bookmarks, contents lines and running heads, and stamps 'pagina 3 van 16' with
the page count settled by the contents passes (PageCount below).
"""

from __future__ import annotations

from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
from reportlab.platypus.doctemplate import ActionFlowable
from reportlab.platypus.tableofcontents import IndexingFlowable

from . import text
from .i18n import Language
from .parts.base import (TEMPLATE_BACK, TEMPLATE_BODY_LEFT, TEMPLATE_BODY_RIGHT,
                         TEMPLATE_COVER)
from .profiles import Profile
from .theme import MARKS, Theme


class PageCount(IndexingFlowable):
    """An indexing flowable: multiBuild runs again until the page count stops changing.

    'Page x of y' needs y before the last page exists. Each pass stamps the count of the pass
    before; the contents already need a second pass, so this rarely costs one more.
    """

    _ZEROSIZE = 1

    def __init__(self) -> None:
        super().__init__()
        self.previous: int | None = None
        self.current: int | None = None

    def beforeBuild(self) -> None:
        self.previous, self.current = self.current, None

    def notify(self, kind: str, stuff: object) -> None:
        if kind == "PageCount":
            self.current = int(stuff)  # type: ignore[call-overload]

    def isSatisfied(self) -> bool:
        return self.previous is not None and self.previous == self.current

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        pass


class BrochureTemplate(BaseDocTemplate):
    def __init__(self, target, *, theme: Theme, lang: Language, profile: Profile, title: str,
                 subject: str, author: str, keywords: list[str], creator: str,
                 cover_art=None, progress=None) -> None:
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
        self.progress = progress  # called (pass, pages done, pages expected or None) per page
        self.passes = 0
        self.page_count = PageCount()
        self._part_title: str | None = None
        self._head: str | None = None
        self._flowables_on_page = 0
        self._suppress_head = False
        self._blank = False
        self.addPageTemplates(self._templates())

    def _templates(self) -> list[PageTemplate]:
        g = self.theme.page
        with_image = self.cover_art is not None

        def column(frame_id: str, bottom: float, height: float, *, right_hand=True) -> Frame:
            # Every frame spans the text width; the margins are the theme's, not padding.
            return Frame(g.left_margin(right_hand), bottom, g.text_width, height, id=frame_id,
                         leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

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

    # --- passes -------------------------------------------------------------------------------

    def build_in_passes(self, make_story, contents, max_passes: int = 10) -> int:
        """multiBuild, but with a freshly composed story for every pass.

        ReportLab's multiBuild lays out the same flowables again on each pass, and a Paragraph
        laid out twice can lose a hard hyphen it broke at ('T-Mobile' became 'TMo-bile' in
        the 2011 report). Composing is cheap next to layout, so each pass gets new flowables;
        only the indexing flowables (contents, page count) carry over.
        """
        self._indexingFlowables = [self.page_count, contents]
        self._doSave = 0
        edits: list = []
        self._multiBuildEdits = edits.append
        passes = 0
        padding = 0
        while True:
            passes += 1
            self.passes = passes
            for indexing in self._indexingFlowables:
                indexing.beforeBuild()
            if self.page_count.previous is not None:
                # Blank pages fill the last sheet; the page count they settle on is checked
                # like any other: one more pass at most.
                content = self.page_count.previous - padding
                padding = -content % self.profile.page_multiple
            self.build([self.page_count, *make_story(padding)])
            for indexing in self._indexingFlowables:
                indexing.afterBuild()
            if self._allSatisfied():
                break
            if passes >= max_passes:
                raise IndexError(f"contents and page numbers not settled after {passes} passes")
            while edits:
                edit = edits.pop(0)
                edit[0](*edit[1:])
        self._doSave = 0
        self.canv.save()
        del self._multiBuildEdits
        return passes

    def beforeDocument(self) -> None:  # noqa: N802
        self._part_title = None
        self._pages_done = 0
        if self.profile.show_outline:
            self.canv.showOutline()

    def afterPage(self) -> None:  # noqa: N802
        self._pages_done += 1
        if self.progress is not None:
            self.progress(self.passes, self._pages_done, self.page_count.previous)

    def _endBuild(self) -> None:  # noqa: N802 (ReportLab's end-of-pass hook)
        super()._endBuild()
        self.notify("PageCount", self._pages_done)

    # --- headings ------------------------------------------------------------------------------

    def afterFlowable(self, flowable) -> None:  # noqa: N802
        entries = getattr(flowable, "entries", None)
        if entries:
            canvas = self.canv
            for entry in entries:
                canvas.bookmarkPage(entry.key)
                canvas.addOutlineEntry(entry.title, entry.key, level=entry.level, closed=False)
                if entry.in_contents:
                    self.notify("TOCEntry", (entry.level, text.plain(entry.title), self.page,
                                             entry.key))
            if getattr(flowable, "opens_part", False) and self._flowables_on_page == 0:
                self._suppress_head = True
            if getattr(flowable, "running_head", None):
                self._part_title = flowable.running_head
        if getattr(flowable, "blank", False):
            self._blank = True
        # Keep-with-next bookkeeping and page breaks arrive here too; they take no space.
        if not (isinstance(flowable, ActionFlowable) or getattr(flowable, "_ZEROSIZE", 0)):
            self._flowables_on_page += 1

    # --- page furniture ------------------------------------------------------------------------

    def _begin_page(self, canvas, doc) -> None:
        canvas.setFont(self.theme.initial_font, self.theme.body_size)
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
        canvas.setFillColor(p.accent)
        # Backgrounds run into the bleed (zero on screen); the top too when nothing is above.
        top = band_top + (0 if with_image else g.bleed)
        canvas.rect(-g.bleed, band_top - band_height, g.width + 2 * g.bleed,
                    top - (band_top - band_height), stroke=0, fill=1)
        if with_image:
            x, y, width, height = g.cover_image_box()
            canvas.drawImage(self.cover_art.reader, x, y, width, height)
        canvas.restoreState()
        self._flowables_on_page = 0

    def _draw_furniture(self, canvas, doc) -> None:
        if self._blank:
            return
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
            canvas.setStrokeColor(p.rule)
            canvas.setLineWidth(self.theme.measure.rule)
            canvas.line(left, y - g.head_rule_gap, right, y - g.head_rule_gap)
        folio = styles["folio"]
        total = self.page_count.previous
        line = self.language["folio"].format(page=self.page, pages=total if total else "…")
        canvas.setFont(folio.fontName, folio.fontSize)
        canvas.setFillColor(folio.textColor)
        outer(g.bottom - g.foot_offset, line)
        canvas.restoreState()


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
