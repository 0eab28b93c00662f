"""Peer reference: the benchmark's content through bare ReportLab platypus.

What ReportLab costs with nothing of kennisdag-pdf around it: the floor our tool, built on the
same library, is measured against (issue 7, goal 2). It is deliberately plain platypus as its
documentation teaches it: a TableOfContents settled by multiBuild (which lays the whole
document out again on every pass), bookmarks, and "pagina x van y" drawn by a canvas that keeps
every page until the total is known. Same fixed features as brochure.typ: A4, 25 mm margins,
Charis SIL embedded, 10/14 pt justified without hyphenation, each thesis on a new page, contents
with page numbers, centred folio. Run as a whole process by bench/bench.py:

    python bench/peers/reportlab_brochure.py EVENT.yaml OUT.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph
from reportlab.platypus.tableofcontents import TableOfContents

from content import Brochure, load_brochure

FONTS = Path(__file__).resolve().parent.parent.parent / "fonts"
MARGIN = 25 * mm
REGULAR, BOLD = "CharisSIL", "CharisSIL-Bold"

BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14, alignment=TA_JUSTIFY,
                      spaceAfter=6)
HEADING = ParagraphStyle("heading", fontName=BOLD, fontSize=14, leading=18, spaceBefore=12,
                         spaceAfter=6, keepWithNext=1)
# Its own name, so that the contents' title does not list itself.
CONTENTS_TITLE = ParagraphStyle("contents-title", parent=HEADING)
TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=20, leading=26, spaceAfter=4)
SUBTITLE = ParagraphStyle("subtitle", fontName=REGULAR, fontSize=12, leading=16, spaceAfter=4)


def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, FONTS / "CharisSIL-Regular.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, FONTS / "CharisSIL-Bold.ttf"))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)


class FolioCanvas(Canvas):
    """Keeps each page until save(), when the page count is known: "pagina x van y"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(REGULAR, 9)
            self.drawCentredString(A4[0] / 2, MARGIN / 2,
                                   f"pagina {number} van {len(self._pages)}")
            super().showPage()
        super().save()


class BrochureDoc(BaseDocTemplate):
    """Headings become contents lines and bookmarks as they are laid out."""

    def __init__(self, filename: str, title: str) -> None:
        super().__init__(filename, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN, bottomMargin=MARGIN, title=title,
                         initialFontName=REGULAR)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("page", [frame])])

    def afterFlowable(self, flowable) -> None:
        key = getattr(flowable, "bookmark", None)
        if key:
            text = flowable.getPlainText()
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=0, closed=False)
            self.notify("TOCEntry", (0, text, self.page, key))


def story(brochure: Brochure) -> list:
    contents = TableOfContents(
        levelStyles=[ParagraphStyle("toc", parent=BODY, alignment=0, spaceAfter=0)],
        dotsMinLevel=0, tableStyle=[("FONT", (0, 0), (-1, -1), REGULAR, 10)])
    flowables = [Paragraph(escape(brochure.title), TITLE),
                 Paragraph(escape(brochure.subtitle), SUBTITLE),
                 Paragraph(escape(brochure.place), BODY),
                 Paragraph("Inhoud", CONTENTS_TITLE), contents]
    for number, section in enumerate(brochure.sections):
        if section.new_page:
            flowables.append(PageBreak())
        heading = Paragraph(escape(section.heading), HEADING)
        heading.bookmark = f"section-{number}"
        flowables.append(heading)
        flowables += [Paragraph(escape(text), BODY) for text in section.paragraphs]
    return flowables


def main() -> None:
    event, output = Path(sys.argv[1]), Path(sys.argv[2])
    brochure = load_brochure(event)
    register_fonts()
    BrochureDoc(str(output), brochure.title).multiBuild(story(brochure), canvasmaker=FolioCanvas)


if __name__ == "__main__":
    main()
