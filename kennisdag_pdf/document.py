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
from .parts.base import TEMPLATE_BACK, TEMPLATE_BODY, TEMPLATE_COVER
from .theme import Theme


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
    def __init__(self, target, *, theme: Theme, lang: Language, title: str, subject: str,
                 author: str, keywords: list[str], creator: str) -> None:
        geometry = theme.page
        super().__init__(
            target, pagesize=geometry.size, leftMargin=geometry.inner,
            rightMargin=geometry.outer, topMargin=geometry.top, bottomMargin=geometry.bottom,
            title=title, subject=subject, author=author, keywords=keywords, creator=creator,
            producer=creator, lang=lang.pdf_lang, displayDocTitle=1,
            initialFontName=theme.initial_font, invariant=1, pageCompression=1,
            showBoundary=0, allowSplitting=1)
        self.theme = theme
        self.language = lang
        self.page_count = PageCount()
        self._part_title: str | None = None
        self._head: str | None = None
        self._flowables_on_page = 0
        self._suppress_head = False
        self.addPageTemplates(self._templates())

    def _templates(self) -> list[PageTemplate]:
        g = self.theme.page

        def column(frame_id: str, bottom: float, height: float) -> Frame:
            # Every frame spans the text width; the margins are the theme's, not padding.
            return Frame(g.inner, bottom, g.text_width, height, id=frame_id, leftPadding=0,
                         rightPadding=0, topPadding=0, bottomPadding=0)

        body = column("text", g.bottom, g.text_height)
        band = column("cover-band", g.height - g.cover_band_height + g.cover_band_pad,
                      g.cover_band_text_height)
        below_top = g.height - g.cover_band_height - g.cover_meta_gap
        below = column("cover-foot", g.bottom, below_top - g.bottom)
        back = column("back", g.bottom, g.text_height)
        return [
            PageTemplate(TEMPLATE_COVER, [band, below], onPage=self._draw_cover,
                         pagesize=g.size),
            PageTemplate(TEMPLATE_BODY, [body], onPage=self._begin_page,
                         onPageEnd=self._draw_furniture, pagesize=g.size),
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
        while True:
            passes += 1
            for indexing in self._indexingFlowables:
                indexing.beforeBuild()
            self.build([self.page_count, *make_story()])
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

    def afterPage(self) -> None:  # noqa: N802
        self._pages_done += 1

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
        # Keep-with-next bookkeeping and page breaks arrive here too; they take no space.
        if not (isinstance(flowable, ActionFlowable) or getattr(flowable, "_ZEROSIZE", 0)):
            self._flowables_on_page += 1

    # --- page furniture ------------------------------------------------------------------------

    def _begin_page(self, canvas, doc) -> None:
        canvas.setFont(self.theme.initial_font, self.theme.body_size)
        self._head = self._part_title
        self._flowables_on_page = 0
        self._suppress_head = False

    def _draw_cover(self, canvas, doc) -> None:
        g, p = self.theme.page, self.theme.palette
        canvas.saveState()
        canvas.setFillColor(p.accent)
        canvas.rect(0, g.height - g.cover_band_height, g.width, g.cover_band_height,
                    stroke=0, fill=1)
        canvas.restoreState()
        self._flowables_on_page = 0

    def _draw_furniture(self, canvas, doc) -> None:
        g, p, styles = self.theme.page, self.theme.palette, self.theme.styles
        canvas.saveState()
        if self._head and not self._suppress_head:
            style = styles["running_head"]
            canvas.setFont(style.fontName, style.fontSize)
            canvas.setFillColor(style.textColor)
            y = g.height - g.top + g.head_offset
            canvas.drawString(g.inner, y, _fit(self._head, style, g.text_width * 0.8))
            canvas.setStrokeColor(p.rule)
            canvas.setLineWidth(self.theme.measure.rule)
            canvas.line(g.inner, y - g.head_rule_gap, g.width - g.outer, y - g.head_rule_gap)
        folio = styles["folio"]
        total = self.page_count.previous
        line = self.language["folio"].format(page=self.page, pages=total if total else "…")
        canvas.setFont(folio.fontName, folio.fontSize)
        canvas.setFillColor(folio.textColor)
        canvas.drawRightString(g.width - g.outer, g.bottom - g.foot_offset, line)
        canvas.restoreState()


def _fit(label: str, style, width: float) -> str:
    """Shorten a running head with an ellipsis so it never runs into the margin."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(label, style.fontName, style.fontSize) <= width:
        return label
    while label and stringWidth(label + "…", style.fontName, style.fontSize) > width:
        label = label[:-1]
    return label.rstrip() + "…"
